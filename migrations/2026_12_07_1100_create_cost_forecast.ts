import { type Kysely, sql } from 'kysely';

/**
 * `cost_forecast`: the month-end forecast of cloud + AI cost made mid-month (the `cost-forecast`
 * job, day 15 by default), one row per month and product line, and one for the organisation
 * (product_line null). The inputs of the rule are kept beside the figure, so the forecast explains
 * itself and the next review can show how far the actual landed from it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cost_forecast')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('month', 'text', (c) => c.notNull()) // YYYY-MM forecast
    .addColumn('product_line', 'text') // null = the organisation (every cost, unallocated included)
    .addColumn('made_on', 'date', (c) => c.notNull()) // local day of the run
    .addColumn('through_day', 'date', (c) => c.notNull()) // last day of cost the forecast used
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('cost_metric', 'text', (c) => c.notNull())
    .addColumn('month_to_date', 'numeric', (c) => c.notNull())
    .addColumn('median_daily', 'numeric', (c) => c.notNull())
    .addColumn('window_from', 'date', (c) => c.notNull())
    .addColumn('days_left', 'integer', (c) => c.notNull())
    .addColumn('forecast', 'numeric', (c) => c.notNull())
    .addColumn('last_month_actual', 'numeric', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One forecast per month and subject; the organisation's row has no product line.
  await sql`CREATE UNIQUE INDEX cost_forecast_month_subject_idx ON cost_forecast (month, (coalesce(product_line, '')))`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
