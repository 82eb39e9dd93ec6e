import { mkdirSync } from 'node:fs';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { CamelCasePlugin, type Kysely as KyselyType, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = KyselyType<Database>;

/**
 * Type parsers pinned once, for both backends (PGlite is reached through the same `pg` client):
 * int8 and numeric become numbers (counts and money fit comfortably in a double at our scale;
 * sums happen in SQL numeric), `date` stays the 'YYYY-MM-DD' string (pg would make a local-time
 * Date and shift the day), timestamptz becomes a Date.
 */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(DATE, (v) => v);

export interface DbHandle {
  db: Db;
  backend: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Postgres connection string; absent → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent → in memory. */
  pgliteDir?: string | undefined;
  /** An existing PGlite instance (tests clone a migrated template). */
  pglite?: PGliteInterface;
  /** Postgres schema to use as search_path (tests isolate per schema). */
  schema?: string;
  poolSize?: number;
  /**
   * A pooled connection that broke while idle (Postgres restarted, a failover, an operator's
   * pg_terminate_backend). The pool drops it and the next query opens a new one; without a
   * listener pg's Pool would rethrow it as an unhandled 'error' event and end the process.
   */
  onConnectionError?: (err: Error) => void;
}

export function kyselyFor(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}

export async function connect(opts: ConnectOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      // Names the bot's sessions in pg_stat_activity (unless the URL names them otherwise).
      application_name: 'finops-review',
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    pool.on('error', (err) => opts.onConnectionError?.(err));
    const db = kyselyFor(pool);
    return { db, backend: 'postgres', close: () => db.destroy() };
  }
  let pglite: PGliteInterface | undefined = opts.pglite;
  const owned = pglite === undefined;
  if (!pglite) {
    if (opts.pgliteDir) mkdirSync(opts.pgliteDir, { recursive: true });
    // Created here (not by createPgConfig) so close() really ends it: see API notes on hanging processes.
    pglite = opts.pgliteDir ? new PGlite(opts.pgliteDir) : new PGlite();
  }
  const instance = pglite;
  const pool = new pg.Pool(createPgConfig(instance) as pg.PoolConfig);
  const db = kyselyFor(pool);
  return {
    db,
    backend: 'pglite',
    close: async () => {
      await db.destroy();
      if (owned) await instance.close();
    },
  };
}
