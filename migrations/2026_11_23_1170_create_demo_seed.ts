import { type Kysely, sql } from 'kysely';

/**
 * What `finops demo` seeded, if anything: one row (id = 1) with the seed, the months covered and
 * the story's known days, so the local preview can point at the demo's review month and spike,
 * and a re-seed knows the database holds the demo rather than real data.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('demo_seed')
    .addColumn('id', 'integer', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('months', 'integer', (c) => c.notNull())
    .addColumn('first_month', 'text', (c) => c.notNull())
    .addColumn('end_month', 'text', (c) => c.notNull())
    .addColumn('rollout_month', 'text', (c) => c.notNull())
    .addColumn('spike_days', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('config_hash', 'text', (c) => c.notNull())
    .addColumn('row_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('seeded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
