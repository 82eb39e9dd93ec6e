import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle, kyselyFor, PGLITE_SLICE_MS } from '../../src/db/connect.ts';

/**
 * Embedded PGlite executes on this thread: a run of statements must not keep Node from reading
 * its sockets (Slack's requests wait for their ack meanwhile).
 */
describe('statements on embedded PGlite', () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await connect({ pglite: new PGlite() });
  });
  afterAll(async () => {
    await h?.close();
  });

  /**
   * Runs `n` statements of a few ms one after another and counts the turns the event loop took
   * meanwhile (a callback that re-queues itself with setImmediate, as socket reads would queue).
   */
  async function turnsDuring(db: DbHandle['db'], n: number): Promise<{ turns: number; ms: number }> {
    await sql`select 1`.execute(db); // connected and warm
    let running = true;
    let turns = 0;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await sql`select count(*) from generate_series(1, 20000)`.execute(db);
    running = false;
    return { turns, ms: performance.now() - t0 };
  }

  it(`give the event loop a turn once they have held the thread for ${PGLITE_SLICE_MS} ms`, async () => {
    const { turns, ms } = await turnsDuring(h.db, 100);
    // A turn at least every slice (give or take the statement that crosses it).
    expect(turns).toBeGreaterThanOrEqual(Math.floor(ms / (2 * PGLITE_SLICE_MS)));
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('without the slicing, the same run keeps the thread to its end (why the slicing exists)', async () => {
    const p = new PGlite();
    const bare = kyselyFor(new pg.Pool(createPgConfig(p) as pg.PoolConfig));
    try {
      expect((await turnsDuring(bare, 100)).turns).toBeLessThanOrEqual(1);
    } finally {
      await bare.destroy();
      await p.close();
    }
  });
});
