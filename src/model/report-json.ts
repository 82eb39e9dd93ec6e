import { STAGES } from '../config/schema.ts';
import { round, round1, round2 } from '../lib/money.ts';
import type { ReportJson, SnapshotData, StageRecord } from './types.ts';

/**
 * SPEC §9 exactly, plus `aiUnitCost` (issue 12): every configured product line in config order (or the ones asked for), hours
 * and money to 2 decimals, percentages to 1 decimal. The margin drivers are rounded so that the
 * printed parts add up to the printed drift (largest remainder), as a waterfall must.
 */
export function toReportJson(s: SnapshotData, productLineIds?: readonly string[]): ReportJson {
  const wanted = productLineIds ? new Set(productLineIds) : null;
  const stages2 = (r: StageRecord): StageRecord => {
    const out = {} as StageRecord;
    for (const st of STAGES) out[st] = round2(r[st]);
    return out;
  };
  const stages1 = (r: StageRecord): StageRecord => {
    const out = {} as StageRecord;
    for (const st of STAGES) out[st] = round1(r[st]);
    return out;
  };
  const nullable = (v: number | null, f: (x: number) => number) => (v === null ? null : f(v));
  const total = (r: StageRecord) => STAGES.reduce((a, st) => a + r[st], 0);
  return {
    month: s.month,
    currency: s.currency,
    modelVersion: s.modelVersion,
    configHash: s.configHash,
    productLines: s.productLines
      .filter((p) => wanted === null || wanted.has(p.id))
      .map((p) => {
        const stageSharePp: Partial<StageRecord> = {};
        for (const st of STAGES) {
          const v = p.drift.stageSharePp[st];
          if (v !== undefined) stageSharePp[st] = round1(v);
        }
        return {
          id: p.id,
          hours: stages2(p.hours),
          laborCost: stages2(p.laborCost),
          cloudCost: round2(p.cloudCost),
          aiCost: round2(p.aiCost),
          ciCost: round2(p.ciCost),
          allInCost: round2(p.allInCost),
          cogs: round2(p.cogs),
          revenue: nullable(p.revenue, round2),
          units: nullable(p.units, round2),
          grossMarginPct: nullable(p.grossMarginPct, round1),
          unitCost: nullable(p.unitCost, round2),
          aiUnitCost: nullable(p.aiUnitCost, round2),
          stageShare: stages1(p.stageShare),
          seniorReviewSharePct: round1(p.seniorReviewSharePct),
          drift: {
            grossMarginPp: nullable(p.drift.grossMarginPp, round1),
            byDriverPp:
              p.drift.grossMarginPp === null
                ? {}
                : roundToTotal(p.drift.byDriverPp, p.drift.grossMarginPp, 1),
            stageSharePp,
            flags: [...p.drift.flags],
          },
        };
      }),
    unallocated: {
      hours: round2(total(s.unallocated.hours)),
      laborCost: round2(total(s.unallocated.laborCost)),
      cloudCost: round2(s.unallocated.cloudCost),
      aiCost: round2(s.unallocated.aiCost),
      ciCost: round2(s.unallocated.ciCost),
    },
    coverage: {
      costAllocatedPct: round1(s.coverage.costAllocatedPct),
      hoursAllocatedPct: round1(s.coverage.hoursAllocatedPct),
      peopleMappedPct: round1(s.coverage.peopleMappedPct),
    },
  };
}

/**
 * Rounds each part to `decimals` so that the rounded parts sum exactly to the rounded total:
 * parts are rounded half away from zero, then the difference (in units of the last decimal) is
 * given to the parts whose rounding moved them furthest, ties in key order.
 */
export function roundToTotal(
  parts: Readonly<Record<string, number>>,
  total: number,
  decimals: number,
): Record<string, number> {
  const f = 10 ** decimals;
  const keys = Object.keys(parts);
  if (keys.length === 0) return {};
  const scaled = keys.map((k) => parts[k]! * f);
  const base = keys.map((k) => Math.round(round(parts[k]!, decimals) * f));
  const target = Math.round(round(total, decimals) * f);
  let diff = target - base.reduce((a, b) => a + b, 0);
  const order = keys.map((_, i) => i);
  while (diff !== 0) {
    const up = diff > 0;
    // The part rounded furthest in the opposite direction of the correction goes first.
    order.sort((a, b) => {
      const ea = scaled[a]! - base[a]!;
      const eb = scaled[b]! - base[b]!;
      return (up ? eb - ea : ea - eb) || a - b;
    });
    const i = order[0]!;
    base[i]! += up ? 1 : -1;
    diff += up ? -1 : 1;
  }
  const out: Record<string, number> = {};
  keys.forEach((k, i) => {
    out[k] = base[i]! / f || 0;
  });
  return out;
}
