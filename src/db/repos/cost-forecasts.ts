import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CostForecastTable, Database } from '../schema.ts';

/** The `cost_forecast` table: one stored mid-month forecast per month and subject. */
type Conn = Kysely<Database> | Transaction<Database>;

/** A stored forecast (numeric columns as numbers: the pinned type parsers). */
export type StoredForecast = Omit<Selectable<CostForecastTable>, 'id' | 'createdAt'>;

/**
 * Stores a month's forecasts, replacing what an earlier run of the same month stored (a re-run
 * taken over after a failure forecasts again from the same data). Call inside a transaction.
 */
export async function replaceMonthForecasts(
  trx: Conn,
  month: string,
  rows: readonly StoredForecast[],
): Promise<void> {
  await trx.deleteFrom('costForecast').where('month', '=', month).execute();
  if (rows.length === 0) return;
  await trx
    .insertInto('costForecast')
    .values(rows.map((r) => ({ ...r })))
    .execute();
}

/** The forecasts stored for a month (organisation first, then product lines by id). */
export async function readMonthForecasts(db: Conn, month: string): Promise<StoredForecast[]> {
  const rows = await db
    .selectFrom('costForecast')
    .select([
      'month',
      'productLine',
      'madeOn',
      'throughDay',
      'currency',
      'costMetric',
      'monthToDate',
      'medianDaily',
      'windowFrom',
      'daysLeft',
      'forecast',
      'lastMonthActual',
    ])
    .where('month', '=', month)
    .orderBy('productLine', (ob) => ob.asc().nullsFirst())
    .execute();
  return rows;
}
