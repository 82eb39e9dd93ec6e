/**
 * `finops kpis` through the real binary (and in process for the default quarter, which needs a
 * clock), on the embedded database and on Postgres, over the hand-built quarter of
 * test/support/kpi-seed.ts whose numbers are worked out there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/index.ts';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { runFinops } from '../support/cli.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { KPI_QUARTER, seedKpiQuarter } from '../support/kpi-seed.ts';
import { TEST_CONFIG } from '../support/slack.ts';

type Json = Record<string, unknown>;
const kpiOf = (out: Json, id: string) => (out['kpis'] as Json[]).find((k) => k['id'] === id) as Json;
const monthValues = (k: Json) => (k['months'] as Json[]).map((m) => m['value']);

describe.each(backends())('finops kpis on %s', (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let pg: TestDb | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-kpis-'));
    writeFileSync(path.join(dir, 'finops.yml'), stringify(TEST_CONFIG));
    env = { FINOPS_CONFIG: path.join(dir, 'finops.yml'), FINOPS_DATA_DIR: dir };
    if (backend === 'postgres') {
      pg = await createTestDb('postgres');
      await seedKpiQuarter(pg.db);
      env['DATABASE_URL'] = pg.url as string;
    } else {
      const h = await connect({ pgliteDir: path.join(dir, 'db') });
      await migrateToLatest(h.db);
      await seedKpiQuarter(h.db);
      await h.close();
    }
  });
  afterAll(async () => {
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json prints every KPI with its definition, inputs month by month and for the quarter, the stages and the focus', async () => {
    const r = await runFinops(['kpis', '--quarter', KPI_QUARTER, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Json;
    expect(out).toMatchObject({
      quarter: '2026-Q3',
      months: ['2026-07', '2026-08', '2026-09'],
      currency: 'USD',
      costMetric: 'EffectiveCost',
    });
    expect((out['kpis'] as Json[]).map((k) => k['id'])).toEqual([
      'allocation_coverage',
      'unit_cost',
      'unit_cost_coverage',
      'commitment_coverage',
      'commitment_utilisation',
      'waste',
      'anomaly_hours_to_detect',
      'anomaly_hours_to_acknowledge',
      'anomaly_hours_to_resolve',
      'forecast_error',
      'action_completion',
    ]);
    for (const k of out['kpis'] as Json[]) expect(String(k['definition']).length).toBeGreaterThan(40);

    const allocation = kpiOf(out, 'allocation_coverage');
    expect(allocation['months']).toEqual([
      { month: '2026-07', status: 'closed', value: 81.8, inputs: { allocatedCost: 900, totalCost: 1100 } },
      { month: '2026-08', status: 'closed', value: 90, inputs: { allocatedCost: 900, totalCost: 1000 } },
      { month: '2026-09', status: 'closed', value: 100, inputs: { allocatedCost: 1100, totalCost: 1100 } },
    ]);
    expect(allocation['quarter']).toEqual({ value: 90.6, inputs: { allocatedCost: 2900, totalCost: 3200 } });
    expect(allocation['thresholds']).toEqual({ better: 'higher', walk: 90, run: 95, unit: '%' });
    expect(allocation['stage']).toBe('walk');

    const unit = kpiOf(out, 'unit_cost');
    expect(unit['quarter']).toEqual({
      value: null,
      inputs: {
        byProductLine: [
          { productLine: 'checkout', allInCost: 2600, units: 3000, unitCost: 0.87, monthsWithUnits: 3 },
        ],
      },
    });
    expect((unit['months'] as Json[])[2]?.['inputs']).toEqual({
      byProductLine: [
        { productLine: 'checkout', allInCost: 1000, units: 1000, unitCost: 1 },
        { productLine: 'search-ai', allInCost: 100, units: null, unitCost: null },
      ],
    });
    expect(kpiOf(out, 'unit_cost_coverage')).toMatchObject({
      quarter: { value: 89.7, inputs: { costWithUnits: 2600, allInCost: 2900 } },
      stage: 'walk',
    });

    const coverage = kpiOf(out, 'commitment_coverage');
    expect(monthValues(coverage)).toEqual([66.7, 75, 80]);
    expect((coverage['months'] as Json[])[0]?.['inputs']).toEqual({
      coveredCost: 600,
      onDemandEligibleCost: 300,
      unusedCost: 100,
      usageCost: 1100,
      byProvider: [
        {
          provider: 'AWS',
          currency: 'USD',
          coveragePct: 66.7,
          utilisationPct: 85.7,
          coveredCost: 600,
          onDemandEligibleCost: 300,
          unusedCost: 100,
          usageCost: 1100,
        },
      ],
    });
    expect(coverage['quarter']).toEqual({
      value: 74.1,
      inputs: { coveredCost: 2000, onDemandEligibleCost: 700, unusedCost: 200, usageCost: 3200 },
    });
    expect(kpiOf(out, 'commitment_utilisation')).toMatchObject({
      quarter: { value: 90.9, inputs: { coveredCost: 2000, unusedCost: 200 } },
      stage: 'walk',
    });
    const waste = kpiOf(out, 'waste');
    expect(monthValues(waste)).toEqual([9.1, 10, 0]);
    expect(waste).toMatchObject({
      quarter: { value: 6.3, inputs: { unusedCost: 200, usageCost: 3200 } },
      stage: 'crawl',
    });

    expect(kpiOf(out, 'anomaly_hours_to_detect')).toMatchObject({
      quarter: { value: 13.5, inputs: { anomalies: 2, measured: 2 } },
      stage: 'run',
    });
    expect(monthValues(kpiOf(out, 'anomaly_hours_to_detect'))).toEqual([7, 20, null]);
    expect(kpiOf(out, 'anomaly_hours_to_acknowledge')).toMatchObject({
      quarter: { value: 2.5, inputs: { anomalies: 2, measured: 1 } },
      thresholds: null,
      stage: null,
    });
    expect(kpiOf(out, 'anomaly_hours_to_resolve')).toMatchObject({ quarter: { value: 65 }, stage: 'run' });

    const forecast = kpiOf(out, 'forecast_error');
    expect(forecast['months']).toEqual([
      {
        month: '2026-07',
        status: 'closed',
        value: 10,
        inputs: { forecast: 1000, actual: 1100, variance: 100, variancePct: 10 },
      },
      {
        month: '2026-08',
        status: 'closed',
        value: 16.7,
        inputs: { forecast: 1200, actual: 1000, variance: -200, variancePct: -16.7 },
      },
      { month: '2026-09', status: 'closed', value: null, inputs: {} },
    ]);
    expect(forecast).toMatchObject({
      quarter: { value: 13.6, inputs: { months: 2, forecast: 2200, absVariance: 300 } },
      stage: 'walk',
    });
    expect(kpiOf(out, 'action_completion')).toMatchObject({
      quarter: { value: 50, inputs: { raised: 4, done: 2 } },
      stage: 'walk',
    });
    expect(monthValues(kpiOf(out, 'action_completion'))).toEqual([50, 100, 0]);

    expect((out['capabilities'] as Json[]).map((c) => [c['id'], c['stage']])).toEqual([
      ['allocation', 'walk'],
      ['forecasting', 'walk'],
      ['commitments', 'walk'],
      ['waste', 'crawl'],
      ['anomalies', 'run'],
      ['unit-economics', 'walk'],
      ['accountability', 'walk'],
    ]);
    expect(out['focus']).toEqual({
      capability: 'waste',
      name: 'Waste',
      stage: 'crawl',
      kpi: 'waste',
      value: 6.25,
      nextStageAt: 5,
    });
  });

  it('prints the same as text, each KPI with its definition and inputs', async () => {
    const r = await runFinops(['kpis', '--quarter', KPI_QUARTER], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'finops kpis — 2026-Q3 (2026-07, 2026-08, 2026-09), USD, cost metric EffectiveCost',
    );
    expect(r.stdout).toContain('Allocation coverage (allocation_coverage)  [walk: walk ≥ 90%, run ≥ 95%]');
    expect(r.stdout).toMatch(/ {2}2026-07 {2}81\.8%\n {6}allocatedCost 900 · totalCost 1100\n/);
    expect(r.stdout).toContain(
      '      provider AWS · currency USD · coveragePct 66.67 · utilisationPct 85.71',
    );
    expect(r.stdout).toContain(
      'Suggested focus: Waste (at crawl): waste (unused commitments) is 6.3%; walk at ≤ 5.0%.',
    );
  });

  it.each([['2026-Q5'], ['2026Q4'], ['q4']])(
    '--quarter %s is bad input: exit 2, one line saying what is expected',
    async (q) => {
      const r = await runFinops(['kpis', '--quarter', q, '--json'], env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `finops kpis: --quarter "${q}" is not a quarter: expected YYYY-Qn with n 1 to 4, e.g. 2026-Q4\n`,
      );
    },
  );

  it('an unknown option is bad input with the usage', async () => {
    const r = await runFinops(['kpis', '--month', '2026-07'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^finops kpis: .*--month.*\(usage: finops kpis \[--quarter YYYY-Qn\] \[--json\]\)\n$/,
    );
  });

  it('a quarter still running: the open month has no forecast error yet (no actual to judge it against)', async () => {
    let stdout = '';
    const code = await runCli(
      ['kpis', '--quarter', KPI_QUARTER, '--json'],
      env,
      { stdout: (t) => (stdout += t), stderr: () => undefined, isTty: false },
      () => new Date('2026-08-20T10:00:00Z'),
    );
    expect(code).toBe(0);
    const forecast = kpiOf(JSON.parse(stdout) as Json, 'forecast_error');
    expect(forecast['months']).toEqual([
      {
        month: '2026-07',
        status: 'closed',
        value: 10,
        inputs: { forecast: 1000, actual: 1100, variance: 100, variancePct: 10 },
      },
      { month: '2026-08', status: 'in-progress', value: null, inputs: {} },
      { month: '2026-09', status: 'not-started', value: null, inputs: {} },
    ]);
    expect(forecast).toMatchObject({ quarter: { value: 10 }, stage: 'run' });
  });

  it('without --quarter: the current quarter in config.timezone, months not begun left empty', async () => {
    let stdout = '';
    let stderr = '';
    // 31 Dec 23:30 UTC is already 1 January in Berlin: the current quarter is 2027-Q1.
    const code = await runCli(
      ['kpis', '--json'],
      env,
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTty: false },
      () => new Date('2026-12-31T23:30:00Z'),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Json;
    expect(out['quarter']).toBe('2027-Q1');
    const allocation = kpiOf(out, 'allocation_coverage');
    expect(allocation['months']).toEqual([
      { month: '2027-01', status: 'in-progress', value: null, inputs: {} },
      { month: '2027-02', status: 'not-started', value: null, inputs: {} },
      { month: '2027-03', status: 'not-started', value: null, inputs: {} },
    ]);
    expect((out['capabilities'] as Json[]).every((c) => c['stage'] === null)).toBe(true);
    expect(out['focus']).toBeNull();
  });
});
