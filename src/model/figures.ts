import type { Config } from '../config/schema.ts';
import { computeEffort, type EffortOptions } from './effort.ts';
import type {
  ActivityInput,
  CostInput,
  MonthFigures,
  ProductLineFigures,
  RevenueInput,
  UnallocatedFigures,
} from './types.ts';

/**
 * A month's base figures: the effort model's hours and labour cost, cloud and AI cost as
 * allocated at ingestion, CI cost, revenue and units, per configured product line in config
 * order, plus what nothing claims. Cost of a product line the config no longer has is
 * unallocated.
 */
export function computeMonthFigures(
  activity: ActivityInput,
  costs: readonly CostInput[],
  revenue: readonly RevenueInput[],
  config: Config,
  opts: EffortOptions,
): MonthFigures {
  const effort = computeEffort(activity, config, opts);
  const known = new Set(config.product_lines.map((p) => p.id));
  const cloud = new Map<string | null, number>();
  const ai = new Map<string | null, number>();
  // Sorted so the float sums do not depend on the order rows arrive in.
  const plKey = (c: CostInput) => c.productLine ?? '';
  const sortedCosts = [...costs].sort(
    (a, b) =>
      (plKey(a) < plKey(b) ? -1 : plKey(a) > plKey(b) ? 1 : 0) ||
      Number(a.ai) - Number(b.ai) ||
      a.amount - b.amount,
  );
  for (const c of sortedCosts) {
    const pl = c.productLine !== null && known.has(c.productLine) ? c.productLine : null;
    const m = c.ai ? ai : cloud;
    m.set(pl, (m.get(pl) ?? 0) + c.amount);
  }
  const revenueOf = new Map(revenue.map((r) => [r.productLine, r]));

  const productLines: ProductLineFigures[] = config.product_lines.map((pl) => {
    const e = effort.byProductLine.get(pl.id)!;
    const r = revenueOf.get(pl.id);
    return {
      id: pl.id,
      hours: e.hours,
      laborCost: e.laborCost,
      cloudCost: cloud.get(pl.id) ?? 0,
      aiCost: ai.get(pl.id) ?? 0,
      ciCost: e.ciCost,
      revenue: r ? r.revenue : null,
      units: r ? r.units : null,
      seniorReviewHours: e.seniorReviewHours,
      people: e.people,
    };
  });
  const u = effort.byProductLine.get(null)!;
  const unallocated: UnallocatedFigures = {
    hours: u.hours,
    laborCost: u.laborCost,
    cloudCost: cloud.get(null) ?? 0,
    aiCost: ai.get(null) ?? 0,
    ciCost: u.ciCost,
  };
  return {
    month: opts.month,
    currency: config.currency,
    productLines,
    unallocated,
    people: effort.people,
    explain: effort.explain,
    counts: effort.counts,
  };
}
