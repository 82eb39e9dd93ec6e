import { type Kysely, sql } from 'kysely';

/**
 * An ephemeral /finops answer, kept so its "Share in channel" button posts exactly the same
 * blocks, from whichever replica receives the click. Rows are short-lived (pruned after a week).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shared_answer')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('blocks', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('shared_answer_created_idx').on('shared_answer').column('created_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
