import { type Config, STAGES, type Stage } from '../config/schema.ts';
import {
  type Coverage,
  type Drift,
  MODEL_VERSION,
  type MonthFigures,
  type ProductLineFigures,
  type ProductLineReport,
  type SnapshotData,
  type StageRecord,
} from './types.ts';

/**
 * Margin and drift (SPEC §6) of a product line for a month, from base figures. Pure.
 *
 * - allInCost = labour of every stage + cloud + AI + CI; cogs = cloud + AI + CI + labour of
 *   `cogs_stages`;
 * - grossMarginPct = (revenue − cogs) / revenue × 100, null without revenue (or revenue 0);
 * - unitCost = allInCost / units, null without units (or units 0);
 * - aiUnitCost = aiCost / units (cost per inference where units count inferences), likewise null;
 * - stageShare = hours of a stage / all hours × 100 (all 0 without hours);
 * - margin drift = grossMarginPct − the reference's, split exactly by driver: each COGS
 *   component c (cloud, ai, ci, each COGS stage's labour) gives −(c_m/R_m − c_ref/R_ref) × 100.
 *   Since grossMarginPct = 100 − Σ c/R × 100, the parts sum to the drift.
 */

/** A month whose figures serve as a drift reference (a stored snapshot, or base figures). */
export interface ReferenceMonth {
  month: string;
  productLines: readonly ProductLineFigures[];
}

const sum = (r: StageRecord) => STAGES.reduce((acc, s) => acc + r[s], 0);

export function cogsOf(f: ProductLineFigures, cogsStages: readonly Stage[]): number {
  let labour = 0;
  for (const s of STAGES) if (cogsStages.includes(s)) labour += f.laborCost[s];
  return f.cloudCost + f.aiCost + f.ciCost + labour;
}

export function allInCostOf(f: ProductLineFigures): number {
  return sum(f.laborCost) + f.cloudCost + f.aiCost + f.ciCost;
}

/**
 * AI cost (OpenAI, Anthropic and every FOCUS row of ServiceCategory `AI and Machine Learning`) per
 * unit of the revenue CSV, null without units (or units 0). Derived, not stored: snapshots frozen
 * before it existed get it too.
 */
export function aiUnitCostOf(f: Pick<ProductLineFigures, 'aiCost' | 'units'>): number | null {
  return f.units !== null && f.units !== 0 ? f.aiCost / f.units : null;
}

const hasRevenue = (f: ProductLineFigures): f is ProductLineFigures & { revenue: number } =>
  f.revenue !== null && f.revenue !== 0;

export function grossMarginPctOf(f: ProductLineFigures, cogsStages: readonly Stage[]): number | null {
  if (!hasRevenue(f)) return null;
  return ((f.revenue - cogsOf(f, cogsStages)) / f.revenue) * 100;
}

export function stageShareOf(hours: StageRecord): StageRecord {
  const total = sum(hours);
  const out = {} as StageRecord;
  for (const s of STAGES) out[s] = total > 0 ? (hours[s] / total) * 100 : 0;
  return out;
}

export function seniorReviewShareOf(f: ProductLineFigures): number | null {
  return f.hours.review > 0 ? (f.seniorReviewHours / f.hours.review) * 100 : null;
}

/** The drivers of margin drift, in report order: cloud, ai, ci, then each COGS stage in stage order. */
export function driverKeys(cogsStages: readonly Stage[]): string[] {
  return ['cloud', 'ai', 'ci', ...STAGES.filter((s) => cogsStages.includes(s))];
}

/** Each driver's cost as a share of revenue (c / R), or null without revenue. */
function driverRatios(f: ProductLineFigures, cogsStages: readonly Stage[]): Record<string, number> | null {
  if (!hasRevenue(f)) return null;
  const R = f.revenue;
  const out: Record<string, number> = { cloud: f.cloudCost / R, ai: f.aiCost / R, ci: f.ciCost / R };
  for (const s of STAGES) if (cogsStages.includes(s)) out[s] = f.laborCost[s] / R;
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const TOLERANCE = 1e-9;

/**
 * Drift of `current` against the mean of `references` (one month for month-on-month, up to three
 * for the trailing mean). Each quantity averages only the references that have it (revenue for
 * margin, hours for the stage mix, review hours for the senior share).
 */
export function computeDrift(
  current: ProductLineFigures,
  references: readonly ProductLineFigures[],
  config: Config,
): Drift {
  const cogsStages = config.model.cogs_stages;
  const flags: string[] = [];

  let grossMarginPp: number | null = null;
  const byDriverPp: Record<string, number> = {};
  const cur = driverRatios(current, cogsStages);
  const refs = references
    .map((r) => driverRatios(r, cogsStages))
    .filter((r): r is Record<string, number> => r !== null);
  if (cur !== null && refs.length > 0) {
    grossMarginPp = 0;
    for (const k of driverKeys(cogsStages)) {
      const part = -(cur[k]! - mean(refs.map((r) => r[k]!))) * 100;
      byDriverPp[k] = part;
      grossMarginPp += part;
    }
    if (Math.abs(grossMarginPp) >= config.drift.margin_pp - TOLERANCE) flags.push('grossMarginPct');
  }

  const stageSharePp: Partial<StageRecord> = {};
  const withHours = references.filter((r) => sum(r.hours) > 0);
  if (sum(current.hours) > 0 && withHours.length > 0) {
    const now = stageShareOf(current.hours);
    const before = withHours.map((r) => stageShareOf(r.hours));
    for (const s of STAGES) {
      const pp = now[s] - mean(before.map((b) => b[s]));
      stageSharePp[s] = pp;
      if (Math.abs(pp) >= config.drift.stage_share_pp - TOLERANCE) flags.push(s);
    }
  }

  const seniorNow = seniorReviewShareOf(current);
  const seniorBefore = references.map(seniorReviewShareOf).filter((x): x is number => x !== null);
  const seniorReviewSharePp =
    seniorNow !== null && seniorBefore.length > 0 ? seniorNow - mean(seniorBefore) : null;

  return { grossMarginPp, byDriverPp, stageSharePp, seniorReviewSharePp, flags };
}

export function buildProductLineReport(
  f: ProductLineFigures,
  prior: ReferenceMonth | null,
  trailing: readonly ReferenceMonth[],
  config: Config,
): ProductLineReport {
  const pl = config.product_lines.find((p) => p.id === f.id);
  const allInCost = allInCostOf(f);
  const find = (m: ReferenceMonth) => m.productLines.find((p) => p.id === f.id);
  const priorFigures = prior ? find(prior) : undefined;
  const trailingRefs = trailing
    .map((m) => ({ month: m.month, f: find(m) }))
    .filter((x): x is { month: string; f: ProductLineFigures } => x.f !== undefined);
  const emptyDrift: Drift = {
    grossMarginPp: null,
    byDriverPp: {},
    stageSharePp: {},
    seniorReviewSharePp: null,
    flags: [],
  };
  return {
    ...f,
    name: pl?.name ?? f.id,
    team: pl?.team ?? '',
    allInCost,
    cogs: cogsOf(f, config.model.cogs_stages),
    grossMarginPct: grossMarginPctOf(f, config.model.cogs_stages),
    unitCost: f.units !== null && f.units !== 0 ? allInCost / f.units : null,
    aiUnitCost: aiUnitCostOf(f),
    stageShare: stageShareOf(f.hours),
    seniorReviewSharePct: seniorReviewShareOf(f) ?? 0,
    drift: priorFigures ? computeDrift(f, [priorFigures], config) : emptyDrift,
    driftVsTrailing3:
      trailingRefs.length > 0
        ? {
            ...computeDrift(
              f,
              trailingRefs.map((t) => t.f),
              config,
            ),
            months: trailingRefs.map((t) => t.month),
          }
        : null,
  };
}

export function computeCoverage(figures: MonthFigures): Coverage {
  let allocatedCost = 0;
  let allocatedHours = 0;
  for (const p of figures.productLines) {
    allocatedCost += p.cloudCost + p.aiCost + p.ciCost;
    allocatedHours += sum(p.hours);
  }
  const u = figures.unallocated;
  const totalCost = allocatedCost + u.cloudCost + u.aiCost + u.ciCost;
  const totalHours = allocatedHours + sum(u.hours);
  return {
    costAllocatedPct: totalCost !== 0 ? (allocatedCost / totalCost) * 100 : 0,
    hoursAllocatedPct: totalHours > 0 ? (allocatedHours / totalHours) * 100 : 0,
    peopleMappedPct: figures.people.total > 0 ? (figures.people.mapped / figures.people.total) * 100 : 0,
  };
}

export interface SnapshotMeta {
  configHash: string;
  asOf: Date;
  inputCounts: Record<string, number>;
  hasData: boolean;
}

/**
 * The snapshot body for `current`, with drift against `references`: the three months before it,
 * most recent first (`null` where a month has nothing to compare with).
 */
export function buildSnapshotData(
  current: MonthFigures,
  references: ReadonlyArray<ReferenceMonth | null>,
  config: Config,
  meta: SnapshotMeta,
): SnapshotData {
  const prior = references[0] ?? null;
  const trailing = references.slice(0, 3).filter((r): r is ReferenceMonth => r !== null);
  return {
    month: current.month,
    currency: current.currency,
    modelVersion: MODEL_VERSION,
    configHash: meta.configHash,
    asOf: meta.asOf.toISOString(),
    hasData: meta.hasData,
    productLines: current.productLines.map((f) => buildProductLineReport(f, prior, trailing, config)),
    unallocated: current.unallocated,
    coverage: computeCoverage(current),
    people: current.people,
    explain: current.explain,
    inputCounts: meta.inputCounts,
  };
}
