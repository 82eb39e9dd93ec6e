import { Migrator } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import { FinopsError } from '../lib/errors.ts';
import type { Db } from './connect.ts';

/**
 * Applies pending migrations. Kysely takes a Postgres advisory lock around the run, so two
 * processes migrating one database at once is safe: the second waits, then finds nothing to do.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    if (!failed) {
      // Nothing was tried: the database could not be reached or read (wrong DATABASE_URL, server
      // down, no permission), not a migration that broke.
      throw new FinopsError(
        'database_unreachable',
        `could not open the database: ${error instanceof Error ? error.message : String(error)} (with DATABASE_URL: check the URL and that the server accepts connections; without it: that FINOPS_DATA_DIR is usable)`,
        'runtime',
        { cause: error },
      );
    }
    throw new FinopsError(
      'migration_failed',
      `migration ${failed.migrationName} failed: ${error instanceof Error ? error.message : String(error)}`,
      'runtime',
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
