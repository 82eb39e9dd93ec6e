import type { Config } from '../config/schema.ts';

/**
 * Cost allocation to product lines, as SPEC §5. Pure: rules and rows in, allocated rows out.
 *
 * 1. **Direct**: a row belongs to the first product line (in config order) whose `cost` rules it
 *    matches: any of its tag key=value pairs, or its sub-account id.
 * 2. **Shared**: otherwise, the first `shared_costs` entry it matches (tags, sub-accounts or
 *    service names) splits it over every product line: `proportional` to each product line's
 *    directly allocated cost in the same scope (one provider's billing period) and currency,
 *    `even` in equal parts. Each measure is split by its own direct totals (BilledCost by
 *    direct BilledCost, EffectiveCost by direct EffectiveCost, row counts by direct rows), so
 *    whichever `cost_metric` a reader picks sees one consistent view. Negative direct totals
 *    (refunds) weigh nothing; when no product line has a positive direct total the split is even.
 * 3. **None**: otherwise the row stays unallocated (product line null), reported, never dropped.
 *
 * Amounts are exact: integers of 10^-18 currency units, split by largest remainder so that the
 * parts always add up to the whole.
 */

/** An amount in units of 10^-18 of its billing currency. */
export type Amount = bigint;
export const AMOUNT_DECIMALS = 18;
const UNIT = 10n ** BigInt(AMOUNT_DECIMALS);

/** ServiceCategory of AI cost (FOCUS 1.0–1.2); every other category is cloud cost. */
export const AI_SERVICE_CATEGORY = 'AI and Machine Learning';
export type CostKind = 'ai' | 'cloud';
export type CostMetric = Config['model']['cost_metric'];
export type Allocation = 'direct' | 'shared' | 'none';

export function costKind(serviceCategory: string): CostKind {
  return serviceCategory === AI_SERVICE_CATEGORY ? 'ai' : 'cloud';
}

/**
 * The one cost a reader uses: `cost_daily` keeps both sums, the config's `model.cost_metric`
 * picks one. Never add one metric's rows to the other's.
 */
export function costOf(row: { billedCost: number; effectiveCost: number }, metric: CostMetric): number {
  return metric === 'BilledCost' ? row.billedCost : row.effectiveCost;
}

/** `'-12.50'`, `'8e-07'`, `'.5'` → Amount. Digits beyond 18 decimals are rounded half away from zero. */
export function parseAmount(text: string): Amount {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === ''))
    throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  let digits = BigInt(`${intPart}${frac}` || '0');
  const shift = exp + AMOUNT_DECIMALS;
  if (shift >= 0) digits *= 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    const q = digits / div;
    digits = (digits % div) * 2n >= div ? q + 1n : q;
  }
  return negative ? -digits : digits;
}

/** Amount → plain decimal text without trailing zeros (`'-12.5'`, `'0'`), as Postgres numeric takes it. */
export function formatAmount(a: Amount): string {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  const int = abs / UNIT;
  const frac = (abs % UNIT).toString().padStart(AMOUNT_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Splits `amount` in proportion to `weights` (non-negative) so that the parts sum to it exactly. */
export function splitAmount(amount: Amount, weights: readonly bigint[]): Amount[] {
  let w = weights.map((x) => (x > 0n ? x : 0n));
  let total = w.reduce((s, x) => s + x, 0n);
  if (total === 0n) {
    w = weights.map(() => 1n);
    total = BigInt(w.length);
  }
  if (total === 0n) return [];
  const sign = amount < 0n ? -1n : 1n;
  const abs = amount * sign;
  const parts = w.map((x) => (abs * x) / total);
  const rems = w.map((x) => (abs * x) % total);
  let left = abs - parts.reduce((s, x) => s + x, 0n);
  const order = rems
    .map((r, i) => [r, i] as const)
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] > b[0] ? -1 : 1));
  for (const [, i] of order) {
    if (left === 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left--;
  }
  return parts.map((p) => p * sign);
}

export interface CostMatch {
  tags: ReadonlyArray<{ key: string; value: string }>;
  subAccounts: ReadonlySet<string>;
  serviceNames: ReadonlySet<string>;
}

export interface AllocationRules {
  /** In config order: the first match wins. */
  productLines: ReadonlyArray<{ id: string; match: CostMatch }>;
  sharedCosts: ReadonlyArray<{ match: CostMatch; split: 'proportional' | 'even' }>;
}

export function compileAllocationRules(
  config: Pick<Config, 'product_lines' | 'shared_costs'>,
): AllocationRules {
  const tags = (t: Record<string, string>) => Object.entries(t).map(([key, value]) => ({ key, value }));
  return {
    productLines: config.product_lines.map((p) => ({
      id: p.id,
      match: { tags: tags(p.cost.tags), subAccounts: new Set(p.cost.sub_accounts), serviceNames: new Set() },
    })),
    sharedCosts: config.shared_costs.map((s) => ({
      match: {
        tags: tags(s.match.tags),
        subAccounts: new Set(s.match.sub_accounts),
        serviceNames: new Set(s.match.service_names),
      },
      split: s.split,
    })),
  };
}

/** The tag keys the rules look at, each with the values they compare it against (in first-seen order). */
export function referencedTags(rules: AllocationRules): Array<{ key: string; values: string[] }> {
  const byKey = new Map<string, Set<string>>();
  const all = [...rules.productLines.map((p) => p.match), ...rules.sharedCosts.map((s) => s.match)];
  for (const m of all) {
    for (const t of m.tags) {
      const values = byKey.get(t.key) ?? new Set<string>();
      values.add(t.value);
      byKey.set(t.key, values);
    }
  }
  return [...byKey].map(([key, values]) => ({ key, values: [...values] }));
}

/** What a rule can look at. `tags` holds at least every key the rules reference (null when absent). */
export interface AllocationSubject {
  subAccountId: string | null;
  serviceName: string;
  tags: Readonly<Record<string, string | null>>;
}

function matches(m: CostMatch, row: AllocationSubject): boolean {
  if (row.subAccountId !== null && m.subAccounts.has(row.subAccountId)) return true;
  if (m.serviceNames.has(row.serviceName)) return true;
  return m.tags.some((t) => row.tags[t.key] === t.value);
}

/** The product line a row belongs to directly, or null. */
export function matchProductLine(rules: AllocationRules, row: AllocationSubject): string | null {
  return rules.productLines.find((p) => matches(p.match, row))?.id ?? null;
}

/** Index (into `shared_costs`) of the first shared-cost rule a row matches, or null. */
export function matchSharedCost(rules: AllocationRules, row: AllocationSubject): number | null {
  const i = rules.sharedCosts.findIndex((s) => matches(s.match, row));
  return i < 0 ? null : i;
}

/** Where a row goes, decided once per distinct subject (sub-account, service, tag values). */
export interface AllocationVerdict {
  /** The product line it belongs to directly, or null. */
  directLine: string | null;
  /** Otherwise the index of the shared-cost rule it matches, or null (unallocated). */
  sharedRule: number | null;
}

export function allocationVerdict(rules: AllocationRules, row: AllocationSubject): AllocationVerdict {
  const directLine = matchProductLine(rules, row);
  return { directLine, sharedRule: directLine === null ? matchSharedCost(rules, row) : null };
}

export interface AllocatableCostRow extends AllocationVerdict {
  /** Rows of one scope (one provider's billing period) weigh each other's proportional splits. */
  scope: string;
  billingCurrency: string;
  billedCost: Amount;
  effectiveCost: Amount;
  rowCount: number;
}

/** A row's allocation, or one product line's part of a shared row. */
export interface AllocatedPart<R extends AllocatableCostRow> {
  row: R;
  productLine: string | null;
  allocation: Allocation;
  billedCost: Amount;
  effectiveCost: Amount;
  rowCount: number;
}

interface Totals {
  billed: bigint;
  effective: bigint;
  rows: bigint;
}

/**
 * Allocates every row: a direct or unallocated row comes back as one part, a shared row as one
 * part per product line that receives something (in config order). For every scope and currency
 * the sums of billed cost, effective cost and rows are unchanged.
 */
export function allocateCostRows<R extends AllocatableCostRow>(
  rows: readonly R[],
  rules: AllocationRules,
): Array<AllocatedPart<R>> {
  const ids = rules.productLines.map((p) => p.id);
  const scopeOf = (row: R) => `${row.scope}\u0000${row.billingCurrency}`;
  const direct = new Map<string, Map<string, Totals>>();
  for (const row of rows) {
    if (row.directLine === null) continue;
    const byLine = direct.get(scopeOf(row)) ?? new Map<string, Totals>();
    direct.set(scopeOf(row), byLine);
    const t = byLine.get(row.directLine) ?? { billed: 0n, effective: 0n, rows: 0n };
    t.billed += row.billedCost;
    t.effective += row.effectiveCost;
    t.rows += BigInt(row.rowCount);
    byLine.set(row.directLine, t);
  }

  const out: Array<AllocatedPart<R>> = [];
  const whole = (row: R, productLine: string | null, allocation: Allocation): AllocatedPart<R> => ({
    row,
    productLine,
    allocation,
    billedCost: row.billedCost,
    effectiveCost: row.effectiveCost,
    rowCount: row.rowCount,
  });
  for (const row of rows) {
    if (row.directLine !== null) {
      out.push(whole(row, row.directLine, 'direct'));
      continue;
    }
    const rule = row.sharedRule === null ? undefined : rules.sharedCosts[row.sharedRule];
    if (!rule || ids.length === 0) {
      out.push(whole(row, null, 'none'));
      continue;
    }
    const byLine = direct.get(scopeOf(row));
    const weights = (pick: (t: Totals) => bigint) =>
      ids.map((id) => {
        if (rule.split === 'even') return 1n;
        const t = byLine?.get(id);
        return t ? pick(t) : 0n;
      });
    const billed = splitAmount(
      row.billedCost,
      weights((t) => t.billed),
    );
    const effective = splitAmount(
      row.effectiveCost,
      weights((t) => t.effective),
    );
    const counts = splitAmount(
      BigInt(row.rowCount),
      weights((t) => t.rows),
    );
    ids.forEach((id, k) => {
      const b = billed[k] ?? 0n;
      const e = effective[k] ?? 0n;
      const c = counts[k] ?? 0n;
      if (b === 0n && e === 0n && c === 0n) return;
      out.push({
        row,
        productLine: id,
        allocation: 'shared',
        billedCost: b,
        effectiveCost: e,
        rowCount: Number(c),
      });
    });
  }
  return out;
}
