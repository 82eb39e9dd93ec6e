import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export type Backend = 'pglite' | 'postgres';

/** PGlite always; real Postgres too when TEST_DATABASE_URL is set. Use with describe.each. */
export function backends(): Backend[] {
  return process.env['TEST_DATABASE_URL'] ? ['pglite', 'postgres'] : ['pglite'];
}

let template: Promise<PGlite> | undefined;

/** One migrated PGlite per worker; each test database is a clone of it (≈1 s instead of initdb's ≈3 s). */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const p = new PGlite();
    const h = await connect({ pglite: p });
    await migrateToLatest(h.db);
    await h.close();
    return p;
  })();
  return template;
}

export interface TestDb extends DbHandle {
  /** A connection string for child processes (postgres only). */
  url: string | undefined;
}

/** A fresh, migrated database of its own for one test file or test. Close it when done. */
export async function createTestDb(backend: Backend = 'pglite'): Promise<TestDb> {
  if (backend === 'postgres') {
    const adminUrl = process.env['TEST_DATABASE_URL'];
    if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
    const name = `finops_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const h = await connect({ databaseUrl: url.toString(), poolSize: 5 });
    await migrateToLatest(h.db);
    return {
      ...h,
      url: url.toString(),
      close: async () => {
        await h.close();
        const a = new pg.Client({ connectionString: adminUrl });
        await a.connect();
        // pg's pool reports "ended" before its sockets are gone: wait until the server sees no
        // session on the database, so dropping it never kills a connection a test still holds
        // (FATAL 57P01 surfacing as an unhandled error). FORCE only as a last resort.
        for (let i = 0; i < 100; i++) {
          const r = await a.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
            name,
          ]);
          if ((r.rows[0] as { n: number }).n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const clone = await (await pgliteTemplate()).clone();
  const h = await connect({ pglite: clone });
  return {
    ...h,
    url: undefined,
    close: async () => {
      await h.close();
      await clone.close();
    },
  };
}
