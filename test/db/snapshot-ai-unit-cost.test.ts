import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { readSnapshot, readSnapshotFigures } from '../../src/db/repos/snapshots.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { toReportJson } from '../../src/model/report-json.ts';
import { ensureSnapshot } from '../../src/services/build-snapshot.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { SNAPSHOT_CONFIG_YAML, seedOctober } from '../support/snapshot-seed.ts';

/** Issue 12: `aiUnitCost` in every report, also of snapshots stored before it existed. */
describe.each(backends())('AI cost per unit of stored snapshots (%s)', (backend) => {
  let h: TestDb;
  const base = parseConfigText(SNAPSHOT_CONFIG_YAML);
  beforeEach(async () => {
    h = await createTestDb(backend);
    await seedOctober(h.db);
  });
  afterEach(async () => {
    await h.close();
  });

  it('a snapshot stored without aiUnitCost reads with it, worked out from its own AI cost and units', async () => {
    const deps = {
      db: h.db,
      config: base.config,
      configHash: base.hash,
      now: () => new Date('2026-11-03T09:00:00Z'),
      logger: createLogger({ level: 'silent' }),
    };
    await ensureSnapshot(deps, '2026-10');
    // As an older version stored it: the key absent from every product line.
    await sql`update snapshot set data = jsonb_set(data, '{productLines}',
      (select jsonb_agg(p - 'aiUnitCost') from jsonb_array_elements(data -> 'productLines') p))`.execute(
      h.db,
    );
    const raw = await sql<{ n: number }>`select count(*)::int as n from snapshot,
      jsonb_array_elements(data -> 'productLines') p where p ? 'aiUnitCost'`.execute(h.db);
    expect(raw.rows[0]?.n).toBe(0);

    const s = await readSnapshot(h.db, '2026-10');
    // checkout: AI 500 over 500 units; search has no units.
    expect(s?.productLines.map((p) => [p.id, p.aiUnitCost])).toEqual([
      ['checkout', 1],
      ['search', null],
    ]);
    expect(toReportJson(s!).productLines.map((p) => p.aiUnitCost)).toEqual([1, null]);
    const figures = await readSnapshotFigures(h.db, ['2026-10']);
    expect(figures.get('2026-10')?.map((p) => p.aiUnitCost)).toEqual([1, null]);
  });
});
