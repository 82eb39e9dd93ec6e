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
    throw new FinopsError(
      'migration_failed',
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      'runtime',
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
