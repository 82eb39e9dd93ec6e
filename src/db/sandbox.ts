import { sql, type Transaction } from 'kysely';
import type { Db } from './connect.ts';
import type { Database } from './schema.ts';

/**
 * Runs `fn` against a database in which every change is undone afterwards: one transaction that
 * is always rolled back. The local preview uses it to run the real services (post the review,
 * alert an anomaly, raise and remind an action item) through a recording messenger without
 * leaving a trace: no posted_message claims, no frozen snapshot, no job run, nothing to
 * duplicate when it runs again.
 *
 * Services open transactions of their own (`db.transaction().execute(…)`), which Kysely refuses
 * inside a transaction; in the sandbox each becomes a savepoint, so a failing inner transaction
 * still undoes only its own work, as it would outside.
 *
 * Everything must go through the `Db` handed to `fn`: on PGlite (one connection) a query on the
 * outer handle would wait for the sandbox to end.
 */
export async function withRollback<T>(db: Db, fn: (sandbox: Db) => Promise<T>): Promise<T> {
  const rollback = Symbol('rollback');
  let result: { value: T } | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      result = { value: await fn(nestable(trx)) };
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  if (!result) throw new Error('the sandbox ended without a result');
  return result.value;
}

let savepoints = 0;

/** The transaction, with `transaction()` answered by savepoints instead of an error. */
function nestable(trx: Transaction<Database>): Db {
  const handle: Db = new Proxy(trx, {
    get(target, prop) {
      if (prop === 'transaction') return () => savepointBuilder(handle);
      // Kysely keeps its state in #private fields: methods must run on the real object.
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as Db;
  return handle;
}

interface SavepointBuilder {
  execute<R>(cb: (trx: Db) => Promise<R>): Promise<R>;
  setIsolationLevel(level: string): SavepointBuilder;
  setAccessMode(mode: string): SavepointBuilder;
}

function savepointBuilder(handle: Db): SavepointBuilder {
  const builder: SavepointBuilder = {
    async execute(cb) {
      const name = sql.id(`preview_sp_${++savepoints}`);
      await sql`savepoint ${name}`.execute(handle);
      try {
        const r = await cb(handle);
        await sql`release savepoint ${name}`.execute(handle);
        return r;
      } catch (err) {
        await sql`rollback to savepoint ${name}`.execute(handle);
        throw err;
      }
    },
    // The outer transaction's settings hold; a savepoint cannot change them.
    setIsolationLevel: () => builder,
    setAccessMode: () => builder,
  };
  return builder;
}
