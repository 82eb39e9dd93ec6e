import { type Kysely, sql, type Transaction } from 'kysely';
import { addMonths } from '../../lib/dates.ts';
import type { CommitmentCostGroup, CommitmentCostKind } from '../../model/commitments.ts';
import type { Database } from '../schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;

export interface MonthCommitmentCostGroup extends CommitmentCostGroup {
  /** `YYYY-MM` of the UTC charge day (FOCUS ChargePeriodStart), as every cost month is. */
  month: string;
}

/**
 * Σ EffectiveCost of the Usage rows (corrections left out) of the months `fromMonth`…`toMonth`
 * (inclusive), grouped by month, provider, billing currency, service and how the cost relates to
 * commitments (model/commitments.ts says why these rows and this column). Sums are SQL numeric.
 */
export async function readCommitmentCosts(
  db: Conn,
  fromMonth: string,
  toMonth: string,
): Promise<MonthCommitmentCostGroup[]> {
  const kind = sql<CommitmentCostKind>`case
    when commitment_status = 'Used' then 'used'
    when commitment_status = 'Unused' then 'unused'
    when commitment_status is null and (pricing_category is null or lower(pricing_category) = 'standard') then 'on-demand'
    else 'other' end`;
  const month = sql<string>`to_char(day, 'YYYY-MM')`;
  const rows = await db
    .selectFrom('costDaily')
    .select([
      month.as('month'),
      'provider',
      'billingCurrency',
      'serviceCategory',
      'serviceName',
      kind.as('kind'),
      sql<string>`sum(effective_cost)::text`.as('cost'),
    ])
    .where('chargeCategory', '=', 'Usage')
    .where('isCorrection', '=', false)
    .where('day', '>=', `${fromMonth}-01`)
    .where('day', '<', `${addMonths(toMonth, 1)}-01`)
    .groupBy([month, 'provider', 'billingCurrency', 'serviceCategory', 'serviceName', kind])
    .orderBy(month)
    .orderBy('provider')
    .orderBy('serviceName')
    .execute();
  return rows.map((r) => ({
    month: r.month,
    provider: r.provider,
    currency: r.billingCurrency,
    serviceCategory: r.serviceCategory,
    serviceName: r.serviceName,
    kind: r.kind,
    cost: r.cost,
  }));
}
