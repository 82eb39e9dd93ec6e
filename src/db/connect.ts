import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import {
  CamelCasePlugin,
  type Kysely as KyselyType,
  Kysely,
  type KyselyPlugin,
  PostgresDialect,
  type QueryResult,
  type UnknownRow,
} from 'kysely';
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
   * A pooled connection that broke (Postgres restarted, a failover, an operator's
   * pg_terminate_backend), whether it sat idle in the pool or was lent out to a query or a
   * transaction. Called once per connection. The query it was running fails with the error,
   * the pool drops the connection and the next query opens a new one.
   */
  onConnectionError?: (err: Error) => void;
}

/**
 * Settings of the embedded database (PGlite: Postgres compiled to WebAssembly, running inside
 * this process, so every buffer it touches is this process's memory and is never given back).
 * Postgres's default `shared_buffers` of 128 MB is sized for a server; here it made a PGlite
 * process 100 MB larger (`finops migrate` on an existing database: 427 MB → 322 MB at 16 MB)
 * for no measurable speed: pages beyond the cache come back from the operating system's file
 * cache (or PGlite's in-memory file system) at memory speed. Reading and writing 141,000
 * cost_daily rows took the same CPU at 16 MB as at 128 MB. Lowering `work_mem`,
 * `maintenance_work_mem`, `temp_buffers` or `wal_buffers` as well changed nothing measurable
 * (docs/performance.md, FOCUS cost ingestion). Passed as `-c` start parameters, so the data
 * directory's own postgresql.conf is left as initdb wrote it.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '16MB' };

/** PGLITE_SETTINGS as `-c name=value` start parameters, after PGlite's own. */
const pgliteStartParams = (): string[] => [
  ...PGlite.defaultStartParams,
  ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
];

/**
 * For a short command that opens the embedded database once (`finops ingest focus`): V8 then
 * compiles PGlite's WebAssembly with its baseline compiler only, never re-compiling hot functions
 * with the optimising one. On the 2-million-row FOCUS ingestion that made the process 40 MB
 * smaller at its peak and opening the database half as costly (0.6 s of CPU instead of 1.1 s),
 * while writing 141,000 rows took the same CPU. Long-running processes (`finops start`) keep
 * V8's default. Call before the first PGlite of the process is created; it changes nothing for
 * Postgres.
 */
export function compileEmbeddedDatabaseForShortRun(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/**
 * Creates the embedded database's data directory if it has none yet (no PG_VERSION), in a worker
 * thread that then ends. PGlite's initdb grows its WebAssembly memory to about 700 MB, and a
 * WebAssembly memory never shrinks: done in this thread, a first `finops start` held ≈ 680 MB for
 * its whole life, against ≈ 310 MB when it opens a directory that exists. The worker's memory is
 * returned when it exits. Costs one extra open of the new directory (≈ 0.7 s), once.
 */
export async function createEmbeddedDataDir(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  const unusable = (why: string) =>
    new Error(
      `could not create the embedded database in ${dir}: ${why} (set FINOPS_DATA_DIR to a writable directory, or DATABASE_URL to use Postgres)`,
    );
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw unusable(err instanceof Error ? err.message : String(err));
  }
  // The CommonJS build, so the worker needs no loader: it runs the same under tsx, vitest and dist/.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const worker = new Worker(
    `const { parentPort, workerData: w } = require('node:worker_threads');
     const { PGlite } = require(w.entry);
     (async () => {
       const db = new PGlite(w.dir, { startParams: w.startParams });
       await db.waitReady;
       await db.close();
     })().then(() => parentPort.postMessage({}), (err) => parentPort.postMessage({ error: String(err?.message ?? err) }));`,
    {
      eval: true,
      workerData: {
        entry,
        dir,
        startParams: pgliteStartParams(),
      },
    },
  );
  // The worker reports once; it is then ended here (PGlite may leave handles that would keep it).
  const outcome = await new Promise<{ error?: string }>((resolve) => {
    worker.once('message', (m: { error?: string }) => resolve(m));
    worker.once('error', (err) => resolve({ error: err.message }));
    worker.once('exit', (code) => resolve({ error: `initdb ended with code ${code}` }));
  });
  await worker.terminate();
  if (outcome.error !== undefined || !existsSync(path.join(dir, 'PG_VERSION'))) {
    throw unusable(outcome.error ?? 'initdb wrote no PG_VERSION');
  }
}

export function kyselyFor(pool: pg.Pool, extra: readonly KyselyPlugin[] = []): Db {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin(), ...extra],
  });
}

/** How long PGlite statements may keep the thread before the event loop gets a turn. */
export const PGLITE_SLICE_MS = 10;

/**
 * Embedded PGlite runs each statement synchronously on this thread and hands back its result
 * through promises only: a burst of queries (32 slash commands in hand, each reading a few
 * tables) then runs as one long chain of microtasks during which Node reads no socket, and
 * Slack's requests waited seconds for their ack (load benchmark: p99 4.3 s). Once statements have
 * kept the thread for PGLITE_SLICE_MS without a turn of the event loop, the next result waits for
 * one (setImmediate), so sockets are served between statements (p99 ack ≈ 65 ms under the same
 * load). Postgres needs none of this: its statements run elsewhere.
 */
class YieldBetweenStatements implements KyselyPlugin {
  #lastTurn = performance.now();
  transformQuery: KyselyPlugin['transformQuery'] = (args) => args.node;
  async transformResult(args: { result: QueryResult<UnknownRow> }): Promise<QueryResult<UnknownRow>> {
    if (performance.now() - this.#lastTurn >= PGLITE_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#lastTurn = performance.now();
    }
    return args.result;
  }
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
    // pg emits a broken connection's error as an 'error' event: the pool listens only while the
    // connection is idle, so one lent out (a query in flight, a transaction between statements)
    // would end the process with an unhandled 'error' event. Every connection gets a listener of
    // its own for its whole life; the pool's is then redundant but must exist (it rethrows
    // without one).
    pool.on('connect', (client) => {
      let reported = false;
      client.on('error', (err) => {
        if (reported) return;
        reported = true;
        opts.onConnectionError?.(err);
      });
    });
    pool.on('error', () => {});
    const db = kyselyFor(pool);
    return { db, backend: 'postgres', close: () => db.destroy() };
  }
  let pglite: PGliteInterface | undefined = opts.pglite;
  const owned = pglite === undefined;
  if (!pglite) {
    if (opts.pgliteDir) await createEmbeddedDataDir(opts.pgliteDir);
    // Created here (not by createPgConfig) so close() really ends it: see API notes on hanging processes.
    const startParams = pgliteStartParams();
    pglite = opts.pgliteDir ? new PGlite(opts.pgliteDir, { startParams }) : new PGlite({ startParams });
  }
  const instance = pglite;
  const pool = new pg.Pool(createPgConfig(instance) as pg.PoolConfig);
  const db = kyselyFor(pool, [new YieldBetweenStatements()]);
  return {
    db,
    backend: 'pglite',
    close: async () => {
      await db.destroy();
      if (owned) await instance.close();
    },
  };
}
