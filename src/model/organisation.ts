import { STAGES, type Stage } from '../config/schema.ts';
import type { ProductLineFigures, SnapshotData, StageRecord } from './types.ts';

/** What the organisation's totals are made of: a snapshot, or a month's base figures. */
export type OrganisationInput = Pick<SnapshotData, 'unallocated' | 'people'> & {
  productLines: readonly ProductLineFigures[];
};

/** The id the organisation's totals carry when they are treated like one product line. */
export const ORGANISATION = '(organisation)';

/**
 * The organisation's figures for a month: every product line plus what no product line claims.
 * Revenue is the sum of the product lines that report it (null when none does), so the
 * organisation's gross margin = (Σ revenue − all COGS, unallocated included) / Σ revenue.
 * Shaped like a product line so the same margin and drift rules (SPEC §6) apply to it.
 */
export function organisationFigures(s: OrganisationInput): ProductLineFigures {
  const hours = zero();
  const laborCost = zero();
  let cloudCost = s.unallocated.cloudCost;
  let aiCost = s.unallocated.aiCost;
  let ciCost = s.unallocated.ciCost;
  let revenue: number | null = null;
  let units: number | null = null;
  let seniorReviewHours = 0;
  for (const st of STAGES) {
    hours[st] += s.unallocated.hours[st];
    laborCost[st] += s.unallocated.laborCost[st];
  }
  for (const p of s.productLines) {
    for (const st of STAGES) {
      hours[st] += p.hours[st];
      laborCost[st] += p.laborCost[st];
    }
    cloudCost += p.cloudCost;
    aiCost += p.aiCost;
    ciCost += p.ciCost;
    seniorReviewHours += p.seniorReviewHours;
    if (p.revenue !== null) revenue = (revenue ?? 0) + p.revenue;
    if (p.units !== null) units = (units ?? 0) + p.units;
  }
  return {
    id: ORGANISATION,
    hours,
    laborCost,
    cloudCost,
    aiCost,
    ciCost,
    revenue,
    units,
    seniorReviewHours,
    people: s.people.total,
  };
}

export function labourOf(f: { laborCost: StageRecord }): number {
  return STAGES.reduce((acc, st: Stage) => acc + f.laborCost[st], 0);
}

export function hoursOf(f: { hours: StageRecord }): number {
  return STAGES.reduce((acc, st: Stage) => acc + f.hours[st], 0);
}

function zero(): StageRecord {
  return { authoring: 0, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 };
}
