import type { Db } from '../../src/db/connect.ts';

/** One cost_daily row as the anomaly tests describe it; the rest gets plausible defaults. */
export interface CostRowSpec {
  day: string;
  productLine?: string | null;
  service?: string;
  subAccount?: string | null;
  region?: string | null;
  chargeCategory?: string;
  isCorrection?: boolean;
  currency?: string;
  /** Both metrics, unless billed/effective are given. */
  cost?: number;
  billed?: number;
  effective?: number;
}

/** October 2026 day n (1-based), continuing into November past 31. */
export function oct(n: number): string {
  return new Date(Date.UTC(2026, 9, n)).toISOString().slice(0, 10);
}

/** `spec` repeated for October days `from`..`to`, with per-day overrides of the cost. */
export function daily(
  from: number,
  to: number,
  spec: Omit<CostRowSpec, 'day'> & { cost: number },
  at: Record<number, number> = {},
): CostRowSpec[] {
  const out: CostRowSpec[] = [];
  for (let n = from; n <= to; n++) out.push({ ...spec, day: oct(n), cost: at[n] ?? spec.cost });
  return out;
}

let sources = 0;

/**
 * Inserts rows straight into cost_source + cost_daily (the FOCUS ingestion is another module's;
 * these tests only need what it stores). Returns the source id.
 */
export async function insertCostRows(
  db: Db,
  rows: readonly CostRowSpec[],
  sourceKey?: string,
): Promise<number> {
  const source = await db
    .insertInto('costSource')
    .values({
      sourceKey: sourceKey ?? `test-${process.pid}-${++sources}`,
      kind: 'focus',
      provider: 'AWS',
      totals: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('costDaily')
      .values(
        rows.slice(i, i + 500).map((r) => ({
          sourceId: source.id,
          day: r.day,
          provider: 'AWS',
          subAccountId: r.subAccount === undefined ? '123456789012' : r.subAccount,
          region: r.region === undefined ? 'us-east-1' : r.region,
          serviceCategory: 'Compute',
          serviceName: r.service ?? 'Amazon EC2',
          chargeCategory: r.chargeCategory ?? 'Usage',
          isCorrection: r.isCorrection ?? false,
          billingCurrency: r.currency ?? 'USD',
          productLine: r.productLine === undefined ? 'checkout' : r.productLine,
          allocation: r.productLine === null ? ('none' as const) : ('direct' as const),
          billedCost: r.billed ?? r.cost ?? 0,
          effectiveCost: r.effective ?? r.cost ?? 0,
          rowCount: 1,
        })),
      )
      .execute();
  }
  return source.id;
}

/** A minimal valid configuration object (SPEC §3 required keys) for validateConfig. */
export function anomalyTestConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timezone: 'Europe/Berlin',
    rates: [{ effective_from: '2026-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } }],
    teams: [{ id: 'payments', channel: '#team-payments' }, { id: 'search' }],
    product_lines: [
      { id: 'checkout', team: 'payments' },
      { id: 'search-ai', team: 'search' },
    ],
    ...extra,
  };
}
