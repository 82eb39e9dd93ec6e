import { type Kysely, sql } from 'kysely';

/**
 * Labour-side spikes (issue 9): a product line's weekly incident hours above the configured factor
 * × its trailing median. One row per (product line, ISO week), unallocated included (nulls not
 * distinct), so a re-run of detection finds the spike it stored instead of storing it again.
 * Each spike is also an `anomaly` row of kind `labor` (`anomaly_id`), which carries the triage
 * record and the Slack alert bookkeeping the cost anomalies already use; this table holds what is
 * particular to a labour spike: the hours, the median, the ratio, how many people responded and
 * the incidents that made the hours (ids, numbers, titles, hours; never people).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('labor_spike')
    .addColumn('anomaly_id', 'bigint', (c) => c.primaryKey().references('anomaly.id'))
    .addColumn('product_line', 'text')
    .addColumn('week', 'date', (c) => c.notNull()) // Monday of the ISO week, in config.timezone
    .addColumn('hours', 'numeric', (c) => c.notNull())
    .addColumn('median', 'numeric', (c) => c.notNull())
    .addColumn('ratio', 'numeric') // null when the median is 0
    .addColumn('people', 'integer', (c) => c.notNull())
    .addColumn('incidents', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('labor_spike_product_line_week_uq')
    .on('labor_spike')
    .columns(['product_line', 'week'])
    .unique()
    .nullsNotDistinct()
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
