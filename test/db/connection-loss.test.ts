import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

/**
 * A Postgres connection the server ends (restart, failover, pg_terminate_backend) while the pool
 * has lent it out must fail that query, not the process: pg emits the broken socket as an
 * 'error' event, and an 'error' event nobody listens to ends Node.
 */
describe.skipIf(!process.env['TEST_DATABASE_URL'])('a Postgres connection lost while in use', () => {
  let base: TestDb;
  let h: DbHandle;
  let admin: pg.Client;
  const lost: string[] = [];
  let onLoss: (() => void) | undefined;
  /** Resolves when the pool next reports a lost connection. */
  const nextLoss = () => new Promise<void>((resolve) => (onLoss = resolve));
  beforeAll(async () => {
    base = await createTestDb('postgres');
    h = await connect({
      databaseUrl: base.url,
      poolSize: 3,
      onConnectionError: (err) => {
        lost.push(err.message);
        onLoss?.();
      },
    });
    admin = new pg.Client({ connectionString: base.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await h?.close();
    await base?.close();
  });

  /** Ends the pool's sessions on the server; waits until the server has seen them (the query is in). */
  async function terminateWhen(condition: string): Promise<number> {
    for (;;) {
      const r = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and ${condition}`,
      );
      if ((r.rows[0]?.n ?? 0) > 0) return r.rows[0]?.n ?? 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('fails the query in flight with the reason, reports the connection once, and serves the next query', async () => {
    lost.length = 0;
    const reported = nextLoss();
    const running = sql`select pg_sleep(30)`.execute(h.db).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    expect(await terminateWhen(`query like 'select pg_sleep%' and state = 'active'`)).toBe(1);
    expect(await running).toMatch(/terminating connection due to administrator command/);
    // The server's FATAL reaches the query; the socket's end then reports the connection.
    await reported;
    const after = await sql<{ one: number }>`select 1 as one`.execute(h.db);
    expect(after.rows).toEqual([{ one: 1 }]);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/terminat/i);
  });

  it('fails a transaction whose connection dies between its statements, and keeps nothing of it', async () => {
    lost.length = 0;
    await sql`create table if not exists lost_probe (id int primary key)`.execute(h.db);
    const outcome = await h.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into lost_probe values (1)`.execute(trx);
        // The connection is lent out to the transaction but idle between statements.
        await terminateWhen(`state = 'idle in transaction'`);
        await sql`insert into lost_probe values (2)`.execute(trx);
        return 'committed';
      })
      .then(
        (r) => r,
        (err: Error) => `failed: ${err.message}`,
      );
    expect(outcome).toMatch(/^failed: /);
    const rows = await sql<{ n: number }>`select count(*)::int as n from lost_probe`.execute(h.db);
    expect(rows.rows).toEqual([{ n: 0 }]);
    expect(lost.length).toBeGreaterThanOrEqual(1);
  });
});
