import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db.ts';
import { backends } from '../support/db.ts';
import { runFinops } from '../support/cli.ts';
import { focusCsv, SAMPLE, tempDir, writeCsv } from './focus-support.ts';

/** The real `finops` binary: what it prints, and exit 2 for bad files with nothing stored. */

describe.each(backends())('finops ingest focus | revenue (%s)', (backend) => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let t: TestDb | undefined;
  let env: Record<string, string>;
  let n = 0;

  beforeEach(async () => {
    const dataDir = tmp.file(`data-${++n}`);
    const exports = tmp.file(`exports-${n}`);
    mkdirSync(`${exports}/2026/10`, { recursive: true });
    const configFile = tmp.file(`finops-${n}.yml`);
    writeFileSync(
      configFile,
      JSON.stringify({
        timezone: 'Europe/Berlin',
        rates: [
          { effective_from: '2024-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } },
        ],
        teams: [{ id: 'data' }],
        product_lines: [
          { id: 'peoria', team: 'data', cost: { tags: { business_unit: 'PeoriaData' } } },
          { id: 'search', team: 'data' },
        ],
        sources: { focus: { paths: [`${exports}/**/*.csv*`] }, revenue: { path: tmp.file('revenue.csv') } },
      }),
    );
    env = { FINOPS_CONFIG: configFile, FINOPS_DATA_DIR: dataDir };
    if (backend === 'postgres') {
      t = await createTestDb('postgres');
      env['DATABASE_URL'] = t.url as string;
    }
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('ingests the files named, prints what it stored, and says so when a re-run replaces it', async () => {
    const first = await runFinops(['ingest', 'focus', SAMPLE], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = first.stdout.split('\n');
    expect(out[0]).toBe('read 1 file, 1,000 rows:');
    expect(out[1]).toMatch(/focus_sample_1\.0\.csv {2}csv {2}1,000 rows {2}sha256 e91e5ac7edf0$/);
    expect(out).toContain('stored 4 cost sources (each replaces what earlier ingests stored for it):');
    expect(first.stdout).toContain(
      'AWS · account 1234567890123 · period 2024-09-01: 942 rows → 709 daily rows; USD billed 18.01, effective 13.00\n',
    );
    expect(first.stdout).toContain(
      'allocation of EffectiveCost in USD: direct 16.00 · shared 0.00 · unallocated -1.02',
    );

    const again = await runFinops(['ingest', 'focus', SAMPLE], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'effective 13.00; replaced 942 rows from focus_sample_1.0.csv (same content)',
    );
  });

  it('exits 2 with file, line and column for a malformed row, and stores nothing', async () => {
    const bad = writeCsv(tmp.file(`bad-${n}.csv`), focusCsv([{}, { BilledCost: '12,5' }]));
    const r = await runFinops(['ingest', 'focus', bad], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `finops ingest: ${bad} line 3, column BilledCost: value "12,5" is not a number (FOCUS numbers are plain decimals like 12.5 or 1.2E-5: no currency sign, no thousands separator) (the whole file was rejected, nothing was stored)\n`,
    );
    const missing = writeCsv(tmp.file(`missing-${n}.csv`), 'BilledCost,ServiceName\n1,x\n');
    const m = await runFinops(['ingest', 'focus', missing], env);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(
      'is not a FOCUS cost export: missing columns EffectiveCost, BillingCurrency, BillingPeriodStart, ChargePeriodStart, ChargeCategory, ServiceCategory, ProviderName',
    );
  });

  it('with Postgres out of reach: a bad file is still refused for itself, a good one says the database cannot be opened', async () => {
    const away = { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/finops' };
    const missing = writeCsv(tmp.file(`missing-${n}.csv`), 'BilledCost,ServiceName\n1,x\n');
    const bad = await runFinops(['ingest', 'focus', missing], away);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${missing} is not a FOCUS cost export`);
    const good = await runFinops(['ingest', 'focus', SAMPLE], away);
    expect(good.code).toBe(1);
    expect(good.stdout).toBe('');
    expect(good.stderr).toContain(
      'finops ingest: could not open the database: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('reads sources.focus.paths by default (csv and csv.gz) and exits 2 when nothing matches', async () => {
    const none = await runFinops(['ingest', 'focus'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^finops ingest: no file matches sources\.focus\.paths/);
    const dir = tmp.file(`exports-${n}/2026/10`);
    writeCsv(`${dir}/part-1.csv`, focusCsv([{ BilledCost: '1', EffectiveCost: '1' }]));
    writeCsv(
      `${dir}/part-2.csv.gz`,
      focusCsv([{ BilledCost: '2', EffectiveCost: '2', SubAccountId: '9' }]),
      true,
    );
    const r = await runFinops(['ingest', 'focus'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read 2 files, 2 rows:');
    expect(r.stdout).toContain('part-2.csv.gz  csv.gz  1 row');
    expect(r.stdout).toContain(
      'AWS · account 123456789012 · period 2026-10-01: 2 rows → 2 daily rows; USD billed 3.00, effective 3.00\n',
    );
  });

  it('ingests revenue, and exits 2 naming the line of an unknown product line or a bad month', async () => {
    writeFileSync(
      tmp.file('revenue.csv'),
      'month,product_line,revenue,units\n2026-10,peoria,1000,10\n2026-10,search,500,\n',
    );
    const ok = await runFinops(['ingest', 'revenue'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      `read ${tmp.file('revenue.csv')}: 2 line(s)\n  2026-10: replaced peoria, search (revenue USD 1,500.00)\n`,
    );
    const bad = tmp.file(`rev-bad-${n}.csv`);
    writeFileSync(bad, 'month,product_line,revenue\n2026-10,peoria,1\n2026-10,checkout,2\n');
    const r = await runFinops(['ingest', 'revenue', bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `finops ingest: ${bad} line 3: unknown product line "checkout" (product lines in the config: peoria, search)\n`,
    );
    writeFileSync(bad, 'month,product_line,revenue\n2026/10,peoria,1\n');
    const m = await runFinops(['ingest', 'revenue', bad], env);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe(`finops ingest: ${bad} line 2: month "2026/10" is not YYYY-MM\n`);
  });
});
