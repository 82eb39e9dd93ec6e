import { type Kysely, sql } from 'kysely';

/**
 * cost_daily is written in bulk (a 2-million-row FOCUS export makes ≈ 141,000 rows) and only ever
 * whole per cost source: every row is inserted in the transaction that inserts its cost_source,
 * and deleted with it (deleteCostSources, services/cost-daily-rows.ts). Two per-row costs bought
 * nothing there: the foreign key to cost_source (a lookup in cost_source for every inserted row,
 * 35–40 % of the insert's time on Postgres 15) and the surrogate `id` with its primary-key index
 * (read by nothing). Both go; the source_id index stays for the per-source delete, (day,
 * product_line) for the readers. Rows already stored are kept as they are.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE cost_daily DROP CONSTRAINT IF EXISTS cost_daily_source_id_fkey`.execute(db);
  await sql`ALTER TABLE cost_daily DROP COLUMN IF EXISTS id`.execute(db);
}
