import { type Kysely, sql } from 'kysely';

/**
 * A workflow run names two people: `actor` (who triggered the first attempt) and
 * `triggering_actor` (who started the latest attempt: the person who pressed re-run). Each gets its
 * own bot flag, so `actor_is_bot` describes `actor_login` and this column `triggering_actor_login`.
 * Rows stored before it are flagged from the login (GitHub Apps act as `name[bot]`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('gh_workflow_run')
    .addColumn('triggering_actor_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update gh_workflow_run set triggering_actor_is_bot = true where triggering_actor_login like '%[bot]'`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
