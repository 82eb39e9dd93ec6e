import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Read-only views of `cost_daily` for the weekly allocation hygiene and the month-end forecast:
 * the one configured cost metric (never both), summed in SQL numeric, every charge category
 * included (as the review counts cloud and AI cost). Days are UTC cost days.
 */
type Conn = Kysely<Database> | Transaction<Database>;
export type CostMetricName = 'BilledCost' | 'EffectiveCost';

const columnOf = (metric: CostMetricName) =>
  metric === 'BilledCost' ? sql.ref('billed_cost') : sql.ref('effective_cost');

/** Cost per (day, currency, allocated or not) from `from` to `to` inclusive. */
export async function readAllocationByDay(
  db: Conn,
  range: { from: string; to: string },
  metric: CostMetricName,
): Promise<Array<{ day: string; currency: string; unallocated: boolean; cost: number }>> {
  const rows = await db
    .selectFrom('costDaily')
    .select([
      'day',
      'billingCurrency as currency',
      sql<boolean>`allocation = 'none'`.as('unallocated'),
      sql<number>`sum(${columnOf(metric)})`.as('cost'),
    ])
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['day', 'billingCurrency', sql`allocation = 'none'`])
    .orderBy('day')
    .execute();
  return rows.map((r) => ({
    day: r.day,
    currency: r.currency,
    unallocated: r.unallocated,
    cost: Number(r.cost),
  }));
}

/** Unallocated cost per (currency, provider, sub-account, service) from `from` to `to` inclusive. */
export async function readUnallocatedSpend(
  db: Conn,
  range: { from: string; to: string },
  metric: CostMetricName,
): Promise<
  Array<{ currency: string; provider: string; subAccount: string | null; service: string; cost: number }>
> {
  const rows = await db
    .selectFrom('costDaily')
    .select([
      'billingCurrency as currency',
      'provider',
      'subAccountId as subAccount',
      'serviceName as service',
      sql<number>`sum(${columnOf(metric)})`.as('cost'),
    ])
    .where('allocation', '=', 'none')
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['billingCurrency', 'provider', 'subAccountId', 'serviceName'])
    .execute();
  return rows.map((r) => ({ ...r, cost: Number(r.cost) }));
}

/** Cost per (day, product line, service) in one currency from `from` to `to` inclusive. */
export async function readDailyCostByService(
  db: Conn,
  range: { from: string; to: string },
  currency: string,
  metric: CostMetricName,
): Promise<Array<{ day: string; productLine: string | null; service: string; cost: number }>> {
  const rows = await db
    .selectFrom('costDaily')
    .select([
      'day',
      'productLine',
      'serviceName as service',
      sql<number>`sum(${columnOf(metric)})`.as('cost'),
    ])
    .where('billingCurrency', '=', currency)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['day', 'productLine', 'serviceName'])
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ ...r, cost: Number(r.cost) }));
}

/** The last day with any ingested cost on or before `day`, or null. */
export async function lastCostDayOnOrBefore(db: Conn, day: string): Promise<string | null> {
  const r = await db
    .selectFrom('costDaily')
    .select((eb) => eb.fn.max('day').as('last'))
    .where('day', '<=', day)
    .executeTakeFirst();
  return r?.last ?? null;
}
