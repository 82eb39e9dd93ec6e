/**
 * What the local preview stands on, on every backend: the rolled-back sandbox the real services
 * run in (their own transactions become savepoints), and the demo's snapshots being a pure
 * function of the seed (the raw rows are digested by test/db/demo.test.ts; this goes one step
 * further, to the snapshot JSON the review is rendered from).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { withRollback } from '../../src/db/sandbox.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { ensureSnapshot } from '../../src/services/build-snapshot.ts';
import { demoConfig } from '../../src/services/demo/config.ts';
import { seedDemo } from '../../src/services/demo/seed.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

const NOW = new Date('2026-11-05T10:00:00Z');
const SLOW = 300_000;

const messages = async (db: Db) =>
  (await db.selectFrom('postedMessage').select(['scope', 'messageKey']).orderBy('id').execute()).map(
    (r) => `${r.scope}/${r.messageKey}`,
  );

const insert = (db: Db, key: string) =>
  db.insertInto('postedMessage').values({ scope: 'test', messageKey: key, channelId: 'C1' }).execute();

describe.each(backends())('the preview sandbox on %s', (backend) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await createTestDb(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('undoes every change, nested transactions included, and returns what the work returned', async () => {
    await insert(h.db, 'before');
    const seen = await withRollback(h.db, async (db) => {
      await insert(db, 'outer');
      await db.deleteFrom('postedMessage').where('messageKey', '=', 'before').execute();
      const inner = await db.transaction().execute(async (trx) => {
        await insert(trx, 'inner');
        return messages(trx);
      });
      return { inner, all: await messages(db) };
    });
    expect(seen.inner).toEqual(['test/outer', 'test/inner']);
    expect(seen.all).toEqual(['test/outer', 'test/inner']);
    expect(await messages(h.db)).toEqual(['test/before']);
    await h.db.deleteFrom('postedMessage').execute();
  });

  it('a failing inner transaction undoes only its own work, as outside the sandbox', async () => {
    const seen = await withRollback(h.db, async (db) => {
      await insert(db, 'kept');
      const failed = await db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (trx) => {
          await insert(trx, 'lost');
          throw new Error('refused');
        })
        .catch((e: Error) => e.message);
      return { failed, all: await messages(db) };
    });
    expect(seen).toEqual({ failed: 'refused', all: ['test/kept'] });
    expect(await messages(h.db)).toEqual([]);
  });

  it('passes an error of the work itself on, and still leaves nothing behind', async () => {
    const err = await withRollback(h.db, async (db) => {
      await insert(db, 'x');
      await sql`select 1/0`.execute(db);
    }).catch((e: Error) => e);
    expect(String(err)).toMatch(/division by zero/);
    expect(await messages(h.db)).toEqual([]);
  });
});

describe.each(backends())('the demo snapshots on %s', (backend) => {
  const dbs: TestDb[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.close();
  });

  /** Seeds the demo, builds every month oldest first (as the preview does), returns the snapshots' JSON. */
  async function demoSnapshots(seed: number): Promise<Record<string, string>> {
    const h = await createTestDb(backend);
    dbs.push(h);
    const r = await seedDemo({ db: h.db, now: () => NOW }, { seed, endMonth: '2026-10' });
    const { config, hash } = demoConfig();
    const deps = {
      db: h.db,
      config,
      configHash: hash,
      now: () => NOW,
      logger: createLogger({ level: 'silent' }),
    };
    const out: Record<string, string> = {};
    for (let i = 0; i < r.months; i++) {
      const month = `2026-${String(5 + i).padStart(2, '0')}`;
      await ensureSnapshot(deps, month);
    }
    const rows = await h.db.selectFrom('snapshot').select(['month', 'data']).orderBy('month').execute();
    for (const row of rows) out[row.month] = JSON.stringify(row.data);
    return out;
  }

  it(
    'are the same JSON for the same seed, month by month, and differ for another seed',
    async () => {
      const a = await demoSnapshots(42);
      const b = await demoSnapshots(42);
      expect(Object.keys(a)).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
      expect(b).toEqual(a);
      const other = await demoSnapshots(7);
      expect(other['2026-10']).not.toBe(a['2026-10']);
    },
    SLOW,
  );
});
