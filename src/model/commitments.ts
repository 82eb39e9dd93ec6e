/**
 * Commitment coverage, utilisation and waste (issue 13 §2), per provider and billing currency of
 * one month. Pure: grouped cost in, figures out. The definitions (docs/methodology.md,
 * "Commitment coverage and utilisation"):
 *
 * - every figure is a sum of **EffectiveCost** (amortised) over rows of ChargeCategory `Usage`
 *   that are not corrections, whatever `model.cost_metric` says: in the BilledCost view a fully
 *   covered resource costs 0 and the commitment's cost sits on its Purchase row, so coverage could
 *   not be measured there. Purchase, Tax, Credit and Adjustment rows are left out (a Purchase's
 *   EffectiveCost is 0 anyway; counting its BilledCost too would count the commitment twice);
 * - **covered** = CommitmentDiscountStatus `Used`; **unused** = `Unused` (the commitment's idle
 *   part, which FOCUS books as Usage on the commitment itself); **on demand** = no commitment
 *   status and PricingCategory `Standard` or null (a provider that does not fill the column bills
 *   at its standard rate). Spot (`Dynamic`) and `Other` pricing are not on-demand: commitments
 *   do not cover them;
 * - **eligible services** are those whose ServiceCategory is in
 *   `commitments.eligible_service_categories`, plus any service that had covered usage that month
 *   (a commitment that covered it proves it can be covered);
 * - coverage % = covered / (covered + on-demand cost of eligible services) × 100;
 * - utilisation % = covered / (covered + unused) × 100;
 * - waste = unused; waste % = unused / all usage cost × 100 (all `Usage` rows, any pricing).
 * Percentages are null when their denominator is 0.
 */

import { type Amount, formatAmount, parseAmount } from './allocation.ts';

export const COMMITMENT_COST_KINDS = ['used', 'unused', 'on-demand', 'other'] as const;
/** How a group of Usage cost relates to commitments; `other` = spot, `Other` pricing. */
export type CommitmentCostKind = (typeof COMMITMENT_COST_KINDS)[number];

/** Σ EffectiveCost of one month's Usage rows, grouped. */
export interface CommitmentCostGroup {
  provider: string;
  currency: string;
  serviceCategory: string;
  serviceName: string;
  kind: CommitmentCostKind;
  /** Exact decimal text (SQL numeric): summed exactly here, a number only at the end. */
  cost: string;
}

export interface CommitmentFigures {
  provider: string;
  currency: string;
  /** Σ EffectiveCost of usage a commitment covered (`Used`). */
  coveredCost: number;
  /** Σ EffectiveCost of on-demand usage of eligible services. */
  onDemandEligibleCost: number;
  /** covered / (covered + onDemandEligible) × 100. */
  coveragePct: number | null;
  /** Σ EffectiveCost of the commitments' idle part (`Unused`): waste. */
  unusedCost: number;
  /** covered / (covered + unused) × 100. */
  utilisationPct: number | null;
  /** Σ EffectiveCost of every Usage row (any pricing): the base of waste %. */
  usageCost: number;
  /** unused / usageCost × 100. */
  wastePct: number | null;
  /** The eligible services that had on-demand usage, `ServiceName` sorted. */
  eligibleServices: string[];
}

const toNumber = (a: Amount): number => Number(formatAmount(a));

/** Something to say about commitments: covered, idle or coverable cost. */
const relatesToCommitments = (f: CommitmentFigures): boolean =>
  f.coveredCost !== 0 || f.unusedCost !== 0 || f.onDemandEligibleCost !== 0;

const pctOf = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

/** One provider × currency's figures from its groups (which must all be of it). */
function figuresOf(
  provider: string,
  currency: string,
  groups: readonly CommitmentCostGroup[],
  eligibleCategories: ReadonlySet<string>,
): CommitmentFigures {
  const service = (g: CommitmentCostGroup) => JSON.stringify([g.provider, g.serviceName]);
  const coveredServices = new Set(groups.filter((g) => g.kind === 'used').map(service));
  const eligible = (g: CommitmentCostGroup) =>
    eligibleCategories.has(g.serviceCategory) || coveredServices.has(service(g));
  let covered = 0n;
  let onDemandEligible = 0n;
  let unused = 0n;
  let usage = 0n;
  const services = new Set<string>();
  for (const g of groups) {
    const cost = parseAmount(g.cost);
    usage += cost;
    if (g.kind === 'used') covered += cost;
    else if (g.kind === 'unused') unused += cost;
    else if (g.kind === 'on-demand' && eligible(g)) {
      onDemandEligible += cost;
      services.add(g.serviceName);
    }
  }
  const coveredCost = toNumber(covered);
  const onDemandEligibleCost = toNumber(onDemandEligible);
  const unusedCost = toNumber(unused);
  const usageCost = toNumber(usage);
  return {
    provider,
    currency,
    coveredCost,
    onDemandEligibleCost,
    coveragePct: pctOf(coveredCost, coveredCost + onDemandEligibleCost),
    unusedCost,
    utilisationPct: pctOf(coveredCost, coveredCost + unusedCost),
    usageCost,
    wastePct: pctOf(unusedCost, usageCost),
    eligibleServices: [...services].sort(),
  };
}

/**
 * Figures per provider × currency, sorted by provider then currency. A provider appears when it
 * has covered, unused or eligible on-demand cost; one with only other usage has nothing to say
 * about commitments and is left out.
 */
export function commitmentFiguresOf(
  groups: readonly CommitmentCostGroup[],
  eligibleServiceCategories: readonly string[],
): CommitmentFigures[] {
  const categories = new Set(eligibleServiceCategories);
  const byKey = new Map<string, CommitmentCostGroup[]>();
  for (const g of groups) {
    const key = JSON.stringify([g.provider, g.currency]);
    const list = byKey.get(key);
    if (list) list.push(g);
    else byKey.set(key, [g]);
  }
  return [...byKey.entries()]
    .map(([key, list]) => {
      const [provider, currency] = JSON.parse(key) as [string, string];
      return figuresOf(provider, currency, list, categories);
    })
    .filter(relatesToCommitments)
    .sort((a, b) =>
      a.provider === b.provider ? a.currency.localeCompare(b.currency) : a.provider.localeCompare(b.provider),
    );
}

/**
 * Every provider of one currency as one (the organisation's figure): the same rules over all of
 * that currency's groups, so the percentages come from the sums, never from averaging providers.
 * null when nothing of that currency relates to commitments.
 */
export function combinedCommitmentFigures(
  groups: readonly CommitmentCostGroup[],
  eligibleServiceCategories: readonly string[],
  currency: string,
): CommitmentFigures | null {
  const f = figuresOf(
    'all providers',
    currency,
    groups.filter((g) => g.currency === currency),
    new Set(eligibleServiceCategories),
  );
  return relatesToCommitments(f) ? f : null;
}
