import { sql } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Db } from '../db/connect.ts';
import {
  type Allocation,
  type AllocatableCostRow,
  type AllocatedPart,
  formatAmount,
} from '../model/allocation.ts';

/**
 * Allocated daily cost rows and their write to `cost_daily`, shared by the FOCUS ingestion and
 * the AI vendors' ingestion. Kept apart from ingest-focus.ts so that code which only writes rows
 * (the AI vendors' daily job, /finops sync) does not load DuckDB.
 */

export interface CurrencyTotals {
  billed: string;
  effective: string;
}

export interface AllocationSummary {
  currency: string;
  direct: string;
  shared: string;
  none: string;
}

/** A staged group ready for allocation: its cost_daily key, verdict and exact amounts. */
export interface StagedRow extends AllocatableCostRow {
  day: string;
  provider: string;
  subAccountId: string | null;
  region: string | null;
  serviceCategory: string;
  serviceName: string;
  chargeCategory: string;
  isCorrection: boolean;
  pricingCategory: string | null;
  commitmentStatus: string | null;
}

/** One cost_daily row: a staged group's allocation, or the folded shared parts of one key. */
export type DailyRow = AllocatedPart<StagedRow>;

/**
 * Rows per INSERT: one array parameter per column, unnested by the database, so both backends
 * take a batch in one round trip. Arrays rather than one JSON document: Postgres parses them for
 * less, and embedded PGlite (whose memory is this process's and never shrinks) peaks lower.
 */
const INSERT_BATCH = 2000;

/**
 * Deletes cost sources by key with their daily rows, inside the caller's transaction (the
 * restatement of a FOCUS ingest or an AI vendor's day). cost_daily has no foreign key to cascade
 * (migration 2026_12_07_1500): its rows go first, here, and nowhere else.
 */
export async function deleteCostSources(trx: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const ids = trx.selectFrom('costSource').select('id').where('sourceKey', 'in', keys);
  await trx.deleteFrom('costDaily').where('sourceId', 'in', ids).execute();
  await trx.deleteFrom('costSource').where('sourceKey', 'in', keys).execute();
}

/** Writes the rows of one cost source (FOCUS, or an AI vendor's day: services/ingest-ai-costs.ts). */
export async function insertDaily(trx: Db, sourceId: number, rows: readonly DailyRow[]): Promise<void> {
  let inFlight: Promise<unknown> | undefined;
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    // Built while the previous batch is in the database: the client's share overlaps the server's.
    const batch = rows.slice(i, i + INSERT_BATCH);
    const column = (pick: (r: DailyRow) => string | number | boolean | null) => arrayLiteral(batch.map(pick));
    const columns = [
      column((r) => r.row.day),
      column((r) => r.row.provider),
      column((r) => r.row.subAccountId),
      column((r) => r.row.region),
      column((r) => r.row.serviceCategory),
      column((r) => r.row.serviceName),
      column((r) => r.row.chargeCategory),
      column((r) => r.row.isCorrection),
      column((r) => r.row.billingCurrency),
      column((r) => r.row.pricingCategory),
      column((r) => r.row.commitmentStatus),
      column((r) => r.productLine),
      column((r) => r.allocation),
      column((r) => formatAmount(r.billedCost)),
      column((r) => formatAmount(r.effectiveCost)),
      column((r) => r.rowCount),
    ];
    await inFlight;
    const [day, provider, sub, region, category, service, charge, correction, currency, pricing] = columns;
    const [commitment, line, allocation, billed, effective, count] = columns.slice(10);
    const query = sql`
      INSERT INTO cost_daily (source_id, day, provider, sub_account_id, region, service_category,
        service_name, charge_category, is_correction, billing_currency, pricing_category,
        commitment_status, product_line, allocation, billed_cost, effective_cost, row_count)
      SELECT ${sourceId}, * FROM unnest(${day}::date[], ${provider}::text[], ${sub}::text[],
        ${region}::text[], ${category}::text[], ${service}::text[], ${charge}::text[],
        ${correction}::boolean[], ${currency}::text[], ${pricing}::text[], ${commitment}::text[],
        ${line}::text[], ${allocation}::text[], ${billed}::numeric[], ${effective}::numeric[],
        ${count}::integer[])
    `.execute(trx);
    query.catch(() => undefined); // awaited on the next turn or after the loop; never unhandled meanwhile
    inFlight = query;
    // Let the query reach the connection before the next batch is built.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await inFlight;
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** A Postgres array literal (`{"a",NULL,"b"}`): pg's own encoding, done here so that it can overlap. */
function arrayLiteral(values: ReadonlyArray<string | number | boolean | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v !== 'string') out += String(v);
    else out += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/** Per billing currency, in `metric`: how much of the rows landed direct, shared, unallocated. */
export function summarizeAllocation(daily: Map<string, DailyRow[]>, metric: Config['model']['cost_metric']) {
  const by = new Map<string, Record<Allocation, bigint>>();
  for (const rows of daily.values()) {
    for (const r of rows) {
      const t = by.get(r.row.billingCurrency) ?? { direct: 0n, shared: 0n, none: 0n };
      t[r.allocation] += metric === 'BilledCost' ? r.billedCost : r.effectiveCost;
      by.set(r.row.billingCurrency, t);
    }
  }
  return [...by]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({
      currency,
      direct: formatAmount(t.direct),
      shared: formatAmount(t.shared),
      none: formatAmount(t.none),
    }));
}

export const money = (amount: string) => {
  const n = Number(amount);
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
};
export const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
