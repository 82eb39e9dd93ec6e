import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { backends, createTestDb } from '../support/db.ts';

describe.each(backends())('database on %s', (backend) => {
  it('creates every table and pins the JS types of numeric, bigint, date and timestamptz', async () => {
    const h = await createTestDb(backend);
    try {
      const tables = await sql<{
        tablename: string;
      }>`select tablename from pg_tables where schemaname = current_schema() order by 1`.execute(h.db);
      expect(tables.rows.map((r) => r.tablename)).toEqual(
        expect.arrayContaining([
          'action_event',
          'action_item',
          'anomaly',
          'cost_daily',
          'gh_pull_request',
          'job_run',
          'pd_incident',
          'posted_message',
          'revenue',
          'snapshot',
        ]),
      );
      const r = await sql<{ d: unknown; n: unknown; b: unknown; t: unknown }>`
        select date '2026-10-31' as d, 12.345::numeric as n, 9007199254740::bigint as b, timestamptz '2026-10-31T23:30:00Z' as t`.execute(
        h.db,
      );
      expect(r.rows[0]).toEqual({
        d: '2026-10-31',
        n: 12.345,
        b: 9007199254740,
        t: new Date('2026-10-31T23:30:00Z'),
      });
    } finally {
      await h.close();
    }
  });

  it('is safe to migrate twice, even concurrently', async () => {
    const h = await createTestDb(backend);
    try {
      const [a, b] = await Promise.all([migrateToLatest(h.db), migrateToLatest(h.db)]);
      expect([...a, ...b]).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
