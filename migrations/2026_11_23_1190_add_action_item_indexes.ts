import type { Kysely } from 'kysely';

/**
 * Indexes for the action log's reads: a person's open items (App Home, `/finops actions mine`),
 * open items by due date (reminders, overdue lists, the weekly digest), a product line's items,
 * and the items raised from an anomaly (its alert lists them).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('action_item_owner_status_idx')
    .on('action_item')
    .columns(['owner_id', 'status'])
    .execute();
  await db.schema
    .createIndex('action_item_status_due_idx')
    .on('action_item')
    .columns(['status', 'due_date'])
    .execute();
  await db.schema
    .createIndex('action_item_product_status_idx')
    .on('action_item')
    .columns(['product_line', 'status'])
    .execute();
  await db.schema.createIndex('action_item_anomaly_idx').on('action_item').column('anomaly_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
