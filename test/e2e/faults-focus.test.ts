/**
 * `finops ingest focus` SIGKILLed while it stores (on Postgres, where the test can look while the
 * child runs): whatever the kill interrupted, every cost source is there whole or not at all — never
 * part of a file — and the run again ends with exactly the rows of an uninterrupted ingest. The kill
 * comes when the process says it is storing (its progress line), a re-issued export replacing an
 * earlier one, so "not at all" means the earlier export's rows, untouched.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { createTestDb } from '../support/db.ts';
import { spawnFinops } from '../support/finops-process.ts';
import { SAMPLE } from '../ingest/focus-support.ts';

const CONFIG = `
timezone: Europe/Berlin
rates:
  - effective_from: 2024-01-01
    levels: { mid: 100 }
senior_levels: []
teams:
  - { id: platform }
product_lines:
  - { id: checkout, team: platform, cost: { tags: { application: checkout } } }
`;

/** Stored cost without ids and ingestion times: what an uninterrupted run and a resumed one must share. */
async function dumpCost(db: Db) {
  const strip = (rows: Array<Record<string, unknown>>) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !/^id$|Id$|At$/.test(k))));
  const sources = await db.selectFrom('costSource').selectAll().orderBy('sourceKey').execute();
  const daily = await db
    .selectFrom('costDaily')
    .innerJoin('costSource', 'costSource.id', 'costDaily.sourceId')
    .select(['costSource.sourceKey'])
    .selectAll('costDaily')
    .execute();
  const sorted = strip(daily as Array<Record<string, unknown>>)
    .map((r) => JSON.stringify(r))
    .sort();
  return { sources: strip(sources as Array<Record<string, unknown>>), daily: sorted };
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('a SIGKILLed `finops ingest focus` (Postgres)', () => {
  it('leaves each cost source whole or untouched; run again, exactly an uninterrupted ingest', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-faults-focus-'));
    writeFileSync(path.join(dir, 'finops.yml'), CONFIG);
    // The same export issued twice (a re-issue replaces what the first one stored).
    const file = path.join(dir, 'export.csv');
    copyFileSync(SAMPLE, file);
    const [ref, db] = [await createTestDb('postgres'), await createTestDb('postgres')];
    const env = (url: string) => ({
      FINOPS_CONFIG: path.join(dir, 'finops.yml'),
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: url,
      LOG_LEVEL: 'info',
    });
    const ingest = (url: string) => spawnFinops(['ingest', 'focus', file], env(url));
    try {
      for (let i = 0; i < 2; i++) {
        const clean = ingest(ref.url as string);
        expect((await clean.exit).code, clean.stderr).toBe(0);
      }
      const expected = await dumpCost(ref.db);
      expect(expected.sources.length).toBe(4);

      expect((await ingest(db.url as string).exit).code).toBe(0);
      const before = await dumpCost(db.db);
      const killed = ingest(db.url as string);
      await killed.waitFor(/allocating and storing the daily cost/);
      killed.proc.kill('SIGKILL');
      expect((await killed.exit).signal).toBe('SIGKILL');
      // Whole or untouched: the rows of each source are the first ingest's (the same content).
      expect((await dumpCost(db.db)).daily).toEqual(before.daily);

      const again = ingest(db.url as string);
      expect((await again.exit).code, again.stderr).toBe(0);
      expect(await dumpCost(db.db)).toEqual(expected);
    } finally {
      await ref.close();
      await db.close();
    }
  });
});
