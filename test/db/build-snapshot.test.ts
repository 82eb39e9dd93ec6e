import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { readSnapshot } from '../../src/db/repos/snapshots.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { toReportJson } from '../../src/model/report-json.ts';
import {
  computeSnapshotData,
  ensureSnapshot,
  freezeMonth,
  rebuildSnapshot,
  type SnapshotDeps,
} from '../../src/services/build-snapshot.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { expectedOctober, SNAPSHOT_CONFIG_YAML, seedOctober } from '../support/snapshot-seed.ts';

describe.each(backends())('monthly snapshots on %s', (backend) => {
  let h: TestDb;
  let clock = new Date('2026-11-03T09:00:00Z');
  const base = parseConfigText(SNAPSHOT_CONFIG_YAML);
  const deps = (config: Config = base.config, configHash = base.hash): SnapshotDeps => ({
    db: h.db,
    config,
    configHash,
    now: () => clock,
    logger: createLogger({ level: 'silent' }),
  });

  beforeAll(async () => {
    h = await createTestDb(backend);
    await seedOctober(h.db);
  });
  afterAll(async () => {
    await h.close();
  });

  it('builds October from the raw tables exactly as worked out by hand', async () => {
    const { snapshot, source } = await ensureSnapshot(deps(), '2026-10');
    expect(source).toBe('built');
    expect(JSON.parse(JSON.stringify(toReportJson(snapshot)))).toEqual(expectedOctober(base.hash));
    expect(snapshot.inputCounts).toMatchObject({
      costRows: 4,
      costRowsOtherCurrency: 1,
      revenueRows: 1,
      incidents: 1,
      mergeCommitsExcluded: 1,
      duplicateCommitsExcluded: 1,
      botActivitiesExcluded: 2,
    });
    const stored = await readSnapshot(h.db, '2026-10');
    expect(stored?.status).toBe('open');
    expect(stored?.modelVersion).toBe('1');
    expect(stored?.configHash).toBe(base.hash);
    // The explanation keeps where the hours came from.
    const review = stored!.explain['checkout']!.review;
    expect(review.topPullRequests.map((p) => [p.repo, p.number, p.hours])).toEqual([
      ['acme/checkout', 1, 1.5],
    ]);
    expect(review.people).toBe(2);
    expect(stored!.explain['checkout']!.incident.topIncidents).toEqual([
      { id: 'Q1', number: 7, title: 'Checkout 500s', hours: 1 },
    ]);
  });

  it('uses the configured cost metric: BilledCost, never mixed with EffectiveCost', async () => {
    const billed = parseConfigText(`${SNAPSHOT_CONFIG_YAML}\nmodel: { cost_metric: BilledCost }\n`);
    const data = await computeSnapshotData(deps(billed.config, billed.hash), '2026-10');
    const checkout = data.productLines[0]!;
    expect([checkout.cloudCost, checkout.aiCost]).toEqual([1800, 500]);
  });

  it('rebuilds an open month on every run, freezes it, and then a rate change leaves it alone', async () => {
    await h.db.updateTable('revenue').set({ revenue: 20_000 }).where('month', '=', '2026-10').execute();
    const again = await ensureSnapshot(deps(), '2026-10');
    expect(toReportJson(again.snapshot).productLines[0]!.revenue).toBe(20_000);

    clock = new Date('2026-11-04T09:00:00Z');
    const frozen = await freezeMonth(deps(), '2026-10');
    expect(frozen.status).toBe('frozen');
    expect(frozen.frozenAt?.toISOString()).toBe('2026-11-04T09:00:00.000Z');

    const dearer = parseConfigText(
      SNAPSHOT_CONFIG_YAML.replace('mid: 100, senior: 120', 'mid: 200, senior: 240'),
    );
    const read = await ensureSnapshot(deps(dearer.config, dearer.hash), '2026-10');
    expect(read.source).toBe('stored');
    expect(toReportJson(read.snapshot).productLines[0]!.laborCost.review).toBe(170);
    expect(read.snapshot.configHash).toBe(base.hash);
  });

  it('changes a frozen month only through a rebuild, which records who, when, why and the difference', async () => {
    const dearer = parseConfigText(
      SNAPSHOT_CONFIG_YAML.replace('mid: 100, senior: 120', 'mid: 200, senior: 240'),
    );
    clock = new Date('2026-11-05T10:00:00Z');
    const r = await rebuildSnapshot(deps(dearer.config, dearer.hash), '2026-10', {
      actor: 'cli:finops-lead',
      reason: 'rate card corrected by HR',
    });
    expect(r.before?.status).toBe('frozen');
    expect(r.after.status).toBe('frozen');
    expect(toReportJson(r.after).productLines[0]!.laborCost.review).toBe(340);
    expect(r.changes).toContainEqual({ path: 'checkout.laborCost.review', before: 170, after: 340 });
    expect(r.changes).toContainEqual({ path: 'configHash', before: base.hash, after: dearer.hash });
    expect(r.changes.some((c) => c.path.startsWith('checkout.hours.'))).toBe(false);

    const audit = await h.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('subject', '=', 'snapshot:2026-10')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'cli:finops-lead', kind: 'snapshot.rebuilt' });
    expect(audit[0]!.at.toISOString()).toBe('2026-11-05T10:00:00.000Z');
    const details = audit[0]!.details as { reason: string; wasFrozen: boolean; changes: unknown[] };
    expect(details.reason).toBe('rate card corrected by HR');
    expect(details.wasFrozen).toBe(true);
    expect(details.changes).toContainEqual({ path: 'checkout.laborCost.review', before: 170, after: 340 });

    await expect(rebuildSnapshot(deps(), '2026-10', { actor: 'x', reason: '  ' })).rejects.toThrow(
      /needs a reason/,
    );
  });

  it('a month with no data says so and is not stored; a bad month is bad input', async () => {
    const { snapshot } = await ensureSnapshot(deps(), '2027-03');
    expect(snapshot.hasData).toBe(false);
    expect(await readSnapshot(h.db, '2027-03')).toBeNull();
    await expect(ensureSnapshot(deps(), '2026-13')).rejects.toMatchObject({
      kind: 'input',
      code: 'bad_month',
    });
  });

  it('drift is measured against the stored prior snapshot when there is one', async () => {
    // November has only the 1 Nov cost row; October (frozen, revenue 20,000) is its reference.
    const nov = await ensureSnapshot(deps(), '2026-11');
    const checkout = nov.snapshot.productLines[0]!;
    expect(checkout.cloudCost).toBe(777);
    expect(checkout.drift.grossMarginPp).toBeNull(); // no November revenue
    expect(checkout.driftVsTrailing3?.months).toEqual(['2026-10', '2026-09']);
  });
});
