import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { listAnomalies } from '../../src/db/repos/anomalies.ts';
import { detectAnomaliesJob } from '../../src/jobs/detect-anomalies.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { planCostAnomalies, recordCostAnomalies } from '../../src/services/detect-anomalies.ts';
import { anomalyTestConfig, daily, insertCostRows, oct } from '../support/anomaly-cost.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

describe.each(backends())('cost anomaly detection on %s', (backend) => {
  let h: TestDb;
  let clock = new Date('2026-10-16T07:30:00Z');
  const deps = (extra: Record<string, unknown> = {}) => ({
    db: h.db,
    config: validateConfig(anomalyTestConfig(extra)).config,
    now: () => clock,
    logger: silentLogger,
  });

  beforeEach(async () => {
    h = await createTestDb(backend);
    clock = new Date('2026-10-16T07:30:00Z');
  });
  afterEach(async () => {
    await h.close();
  });

  it('reads only the configured cost metric', async () => {
    // EffectiveCost jumps on day 15 (amortised commitment), BilledCost stays flat
    await insertCostRows(
      h.db,
      daily(1, 20, { cost: 0, billed: 100, effective: 100 }).map((r) =>
        r.day === oct(15) ? { ...r, effective: 400 } : r,
      ),
    );
    const effective = await planCostAnomalies(deps());
    expect(effective.planned.map((p) => [p.detection.firstDay, p.detection.actual])).toEqual([
      [oct(15), 400],
    ]);
    const billed = await planCostAnomalies(deps({ model: { cost_metric: 'BilledCost' } }));
    expect(billed.planned).toEqual([]);
  });

  it('leaves purchases, credits, adjustments and corrections out, in any letter case', async () => {
    await insertCostRows(h.db, [
      ...daily(1, 30, { cost: 100 }),
      { day: oct(15), cost: 5000, chargeCategory: 'Purchase' },
      { day: oct(16), cost: 5000, chargeCategory: 'purchase' },
      ...daily(1, 14, { cost: -90, chargeCategory: 'Credit' }),
      { day: oct(20), cost: 700, chargeCategory: 'Adjustment' },
      { day: oct(22), cost: 900, isCorrection: true },
    ]);
    const plan = await planCostAnomalies(deps());
    expect(plan.range).toEqual({ firstDay: oct(1), lastDay: oct(30) });
    expect(plan.planned).toEqual([]);
  });

  it('records a new anomaly with detected_at from the clock, then extends it in place', async () => {
    await insertCostRows(h.db, daily(1, 15, { cost: 100 }, { 15: 400 }));
    const first = await recordCostAnomalies(deps());
    expect(first.created).toHaveLength(1);
    expect(first.created[0]).toMatchObject({
      kind: 'cost',
      productLine: 'checkout',
      service: 'Amazon EC2',
      currency: 'USD',
      firstDay: oct(15),
      lastDay: oct(15),
      actual: 400,
      expected: 100,
      impact: 300,
      impactPct: 300,
      rootCause: [{ subAccount: '123456789012', region: 'us-east-1', increase: 300 }],
      status: 'open',
      detectedAt: new Date('2026-10-16T07:30:00Z'),
    });

    // the next day's export: the spike goes on
    await insertCostRows(h.db, [{ day: oct(16), cost: 450 }]);
    clock = new Date('2026-10-17T07:30:00Z');
    const second = await recordCostAnomalies(deps());
    expect(second.created).toEqual([]);
    expect(second.extended.map((e) => [e.previousLastDay, e.anomaly.lastDay, e.anomaly.actual])).toEqual([
      [oct(15), oct(16), 450],
    ]);
    const rows = await listAnomalies(h.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.created[0]?.id,
      firstDay: oct(15),
      lastDay: oct(16),
      actual: 450,
      impact: 350,
      detectedAt: new Date('2026-10-16T07:30:00Z'),
    });

    // nothing new: nothing written
    const third = await recordCostAnomalies(deps());
    expect([third.created.length, third.extended.length, third.restated.length, third.unchanged]).toEqual([
      0, 0, 0, 1,
    ]);
  });

  it('opens a second anomaly after a normal day closed the first', async () => {
    await insertCostRows(h.db, daily(1, 18, { cost: 100 }, { 15: 400, 16: 400, 18: 400 }));
    const r = await recordCostAnomalies(deps());
    expect(r.created.map((a) => [a.firstDay, a.lastDay])).toEqual([
      [oct(15), oct(16)],
      [oct(18), oct(18)],
    ]);
    expect(await listAnomalies(h.db)).toHaveLength(2);
  });

  it('updates restated figures of the same days (a re-issued export) without a new row', async () => {
    await insertCostRows(h.db, daily(1, 20, { cost: 100 }, { 15: 400 }), 'aws-2026-10');
    const first = await recordCostAnomalies(deps());
    await h.db.updateTable('costDaily').set({ effectiveCost: 520 }).where('day', '=', oct(15)).execute();
    const second = await recordCostAnomalies(deps());
    expect(second.restated.map((a) => [a.id, a.actual, a.impact])).toEqual([
      [first.created[0]?.id, 520, 420],
    ]);
    expect(await listAnomalies(h.db)).toHaveLength(1);
  });

  it('records anomalies of a series marked Expected as suppressed until its suppressed_until', async () => {
    await insertCostRows(h.db, [
      ...daily(1, 30, { cost: 100 }, { 15: 400, 21: 400, 29: 400 }),
      ...daily(1, 30, { cost: 100, service: 'Amazon S3' }, { 21: 400 }),
    ]);
    clock = new Date('2026-10-16T07:30:00Z');
    // what the "Expected" button leaves behind: the EC2 anomaly of day 15, suppressed until the 25th
    await h.db
      .insertInto('anomaly')
      .values({
        productLine: 'checkout',
        serviceName: 'Amazon EC2',
        currency: 'USD',
        firstDay: oct(15),
        lastDay: oct(15),
        actual: 400,
        expected: 100,
        impact: 300,
        impactPct: 300,
        rootCause: '[]',
        status: 'expected',
        detectedAt: clock,
        suppressedUntil: oct(25),
      })
      .execute();
    const r = await recordCostAnomalies(deps());
    expect(r.created.map((a) => [a.service, a.firstDay, a.status])).toEqual([
      ['Amazon EC2', oct(21), 'suppressed'],
      ['Amazon S3', oct(21), 'open'],
      ['Amazon EC2', oct(29), 'open'],
    ]);
    // the stored day-15 anomaly is the same one, seen with its root cause now
    expect(r.restated.map((a) => [a.firstDay, a.status])).toEqual([[oct(15), 'expected']]);
  });

  it('finds nothing, and says so, before any cost is ingested', async () => {
    expect(await planCostAnomalies(deps())).toEqual({ range: null, planned: [] });
    const r = await recordCostAnomalies(deps());
    expect([r.range, r.created]).toEqual([null, []]);
  });
});

describe.each(backends())('detect-anomalies job on %s', (backend) => {
  it('is registered daily; records as of its tick, and a dry run writes nothing', async () => {
    const h = await createTestDb(backend);
    try {
      expect(JOBS).toContain(detectAnomaliesJob);
      const config = validateConfig(anomalyTestConfig()).config;
      expect(detectAnomaliesJob.schedule(config)).toBe('30 7 * * *');
      const at = new Date('2026-10-16T05:30:00Z');
      expect(detectAnomaliesJob.periodKey(at, config)).toBe('2026-10-16');
      await insertCostRows(h.db, daily(1, 15, { cost: 100 }, { 15: 400 }));
      const deps = {
        db: h.db,
        config,
        configHash: 'test',
        logger: silentLogger,
        now: () => new Date('2030-01-01T00:00:00Z'),
        env: {},
        dataDir: '/nonexistent',
      };
      const base = { deps, messenger: undefined, at, periodKey: '2026-10-16' };
      const dry = await detectAnomaliesJob.run({ ...base, dryRun: true });
      expect(dry.stats).toEqual({ detected: 1, new: 1, extended: 0 });
      expect(await listAnomalies(h.db)).toEqual([]);
      const real = await detectAnomaliesJob.run({ ...base, dryRun: false });
      expect(real.stats).toMatchObject({ detected: 1, new: 1 });
      expect(real.summary).toBe(
        'cost 2026-10-01..2026-10-15: 1 new, 0 extended, 0 restated anomalies (1 detected)',
      );
      expect((await listAnomalies(h.db))[0]?.detectedAt).toEqual(at);
    } finally {
      await h.close();
    }
  });
});
