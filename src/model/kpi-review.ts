/**
 * The quarterly KPI review's rules (issue 13 §4), pure: the crawl / walk / run stage of each
 * capability from its quarter's KPI by documented thresholds, and the one suggested focus for the
 * next quarter. docs/methodology.md ("The quarterly KPI review") lists every threshold; the tests
 * pin them. The thresholds for allocation (90 / 95 %) are the issue's; those for forecasting
 * follow the FinOps Foundation maturity model's variance goals (15 % walk, 12 % run); the others
 * are this project's choices, named here so they are changed in one place.
 */

import { isWeekend } from './action-items.ts';

export const MATURITY_STAGES = ['crawl', 'walk', 'run'] as const;
export type MaturityStage = (typeof MATURITY_STAGES)[number];

/** `higher`: the value must reach the threshold (coverage); `lower`: stay at or under it (hours, error). */
export interface StageThresholds {
  better: 'higher' | 'lower';
  walk: number;
  run: number;
  unit: '%' | 'h';
}

/** The stage a value sits at; null when there is no value (nothing measured). */
export function stageOf(value: number | null, t: StageThresholds): MaturityStage | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (t.better === 'higher') return value >= t.run ? 'run' : value >= t.walk ? 'walk' : 'crawl';
  return value <= t.run ? 'run' : value <= t.walk ? 'walk' : 'crawl';
}

const rank = (s: MaturityStage): number => MATURITY_STAGES.indexOf(s);

/** The lower of several stages (a capability is as mature as its weakest KPI); null when none is measured. */
export function lowestStage(stages: ReadonlyArray<MaturityStage | null>): MaturityStage | null {
  const measured = stages.filter((s): s is MaturityStage => s !== null);
  if (measured.length === 0) return null;
  return measured.reduce((a, b) => (rank(b) < rank(a) ? b : a));
}

export const KPI_IDS = [
  'allocation_coverage',
  'unit_cost_coverage',
  'commitment_coverage',
  'commitment_utilisation',
  'anomaly_hours_to_detect',
  'anomaly_hours_to_resolve',
  'forecast_error',
  'action_completion',
  'waste',
] as const;
export type KpiId = (typeof KPI_IDS)[number];

/** The thresholds each stage-deciding KPI is judged by, on its quarter value. */
export const KPI_THRESHOLDS: Record<KpiId, StageThresholds> = {
  allocation_coverage: { better: 'higher', walk: 90, run: 95, unit: '%' },
  unit_cost_coverage: { better: 'higher', walk: 50, run: 90, unit: '%' },
  commitment_coverage: { better: 'higher', walk: 70, run: 80, unit: '%' },
  commitment_utilisation: { better: 'higher', walk: 90, run: 95, unit: '%' },
  anomaly_hours_to_detect: { better: 'lower', walk: 48, run: 24, unit: 'h' },
  anomaly_hours_to_resolve: { better: 'lower', walk: 168, run: 72, unit: 'h' },
  forecast_error: { better: 'lower', walk: 15, run: 12, unit: '%' },
  action_completion: { better: 'higher', walk: 50, run: 80, unit: '%' },
  waste: { better: 'lower', walk: 5, run: 2, unit: '%' },
};

/**
 * The capabilities, in the order ties are broken when choosing the focus: allocation first,
 * because every other number is only as good as the share of cost it can be attributed to.
 */
export const CAPABILITIES = [
  { id: 'allocation', name: 'Cost allocation', kpis: ['allocation_coverage'] },
  { id: 'forecasting', name: 'Forecasting', kpis: ['forecast_error'] },
  {
    id: 'commitments',
    name: 'Commitment discounts',
    kpis: ['commitment_coverage', 'commitment_utilisation'],
  },
  { id: 'waste', name: 'Waste', kpis: ['waste'] },
  {
    id: 'anomalies',
    name: 'Anomaly management',
    kpis: ['anomaly_hours_to_detect', 'anomaly_hours_to_resolve'],
  },
  { id: 'unit-economics', name: 'Unit economics', kpis: ['unit_cost_coverage'] },
  { id: 'accountability', name: 'Accountability (action log)', kpis: ['action_completion'] },
] as const satisfies ReadonlyArray<{ id: string; name: string; kpis: readonly KpiId[] }>;
export type CapabilityId = (typeof CAPABILITIES)[number]['id'];

export interface CapabilityStage {
  id: CapabilityId;
  name: string;
  /** Null: none of its KPIs had data this quarter (not measured, never the focus). */
  stage: MaturityStage | null;
  /** Each of its KPIs with its quarter value and stage. */
  kpis: Array<{ id: KpiId; value: number | null; stage: MaturityStage | null }>;
}

/** Each capability's stage from the quarter values of the KPIs (null = not measured). */
export function capabilityStages(quarterValues: Readonly<Record<KpiId, number | null>>): CapabilityStage[] {
  return CAPABILITIES.map((c) => {
    const kpis = c.kpis.map((id) => {
      const value = quarterValues[id];
      return { id, value, stage: stageOf(value, KPI_THRESHOLDS[id]) };
    });
    return { id: c.id, name: c.name, stage: lowestStage(kpis.map((k) => k.stage)), kpis };
  });
}

export interface SuggestedFocus {
  capability: CapabilityId;
  name: string;
  stage: MaturityStage;
  /** The KPI that holds it back (its weakest), to name in the suggestion. */
  kpi: KpiId;
  value: number;
  /** The value it must reach for the next stage; null at run. */
  nextStageAt: number | null;
}

/**
 * The one focus for next quarter: the weakest capability (lowest stage; ties go to the earlier
 * one in CAPABILITIES), named with its weakest KPI and what that KPI must reach for the next
 * stage. Null when nothing was measured.
 */
export function suggestedFocus(stages: readonly CapabilityStage[]): SuggestedFocus | null {
  let best: CapabilityStage | null = null;
  for (const c of stages) {
    if (c.stage === null) continue;
    if (best === null || rank(c.stage) < rank(best.stage as MaturityStage)) best = c;
  }
  if (best === null || best.stage === null) return null;
  const weakest = best.kpis.find((k) => k.stage === best.stage && k.value !== null);
  if (!weakest || weakest.value === null) return null;
  const t = KPI_THRESHOLDS[weakest.id];
  return {
    capability: best.id,
    name: best.name,
    stage: best.stage,
    kpi: weakest.id,
    value: weakest.value,
    nextStageAt: best.stage === 'crawl' ? t.walk : best.stage === 'walk' ? t.run : null,
  };
}

// ── the KPI set ──────────────────────────────────────────────────────────────

export type MonthStatus = 'closed' | 'in-progress' | 'not-started';

/** Numerators, denominators and counts, by name, so finance can reconcile the value. */
export type KpiInputs = Record<string, unknown>;

export interface KpiMonth {
  month: string;
  status: MonthStatus;
  /** null: nothing to measure (no data, no denominator, a month not begun). */
  value: number | null;
  inputs: KpiInputs;
}

export interface Kpi {
  id: KpiId | 'unit_cost' | 'anomaly_hours_to_acknowledge';
  name: string;
  unit: '%' | 'h' | 'currency';
  definition: string;
  months: KpiMonth[];
  quarter: { value: number | null; inputs: KpiInputs };
  /** The thresholds its stage is judged by; null for KPIs shown for context only. */
  thresholds: StageThresholds | null;
  stage: MaturityStage | null;
}

export interface QuarterKpis {
  quarter: Quarter;
  months: string[];
  currency: string;
  costMetric: string;
  /** The instant the figures were read (open months change until they close). */
  asOf: string;
  kpis: Kpi[];
  capabilities: CapabilityStage[];
  focus: SuggestedFocus | null;
}

// ── quarters ─────────────────────────────────────────────────────────────────

/** `YYYY-Qn`. */
export type Quarter = string;

const QUARTER_RE = /^(\d{4})-Q([1-4])$/;

export function isQuarter(s: string): boolean {
  return QUARTER_RE.test(s);
}

/** The quarter a month (`YYYY-MM`) is in. */
export function quarterOfMonth(month: string): Quarter {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

/** The three months of a quarter, oldest first. */
export function quarterMonths(q: Quarter): [string, string, string] {
  const m = QUARTER_RE.exec(q);
  if (!m) throw new RangeError(`not a quarter: ${JSON.stringify(q)} (expected YYYY-Qn)`);
  const first = (Number(m[2]) - 1) * 3 + 1;
  const mm = (n: number) => `${m[1]}-${String(n).padStart(2, '0')}`;
  return [mm(first), mm(first + 1), mm(first + 2)];
}

export function previousQuarter(q: Quarter): Quarter {
  const m = QUARTER_RE.exec(q);
  if (!m) throw new RangeError(`not a quarter: ${JSON.stringify(q)} (expected YYYY-Qn)`);
  const n = Number(m[2]);
  return n === 1 ? `${Number(m[1]) - 1}-Q4` : `${m[1]}-Q${n - 1}`;
}

/**
 * The first working day (Monday to Friday, as the action log's reminders count them; there is no
 * holiday calendar) of a quarter: `YYYY-MM-01`, `-02` or `-03`.
 */
export function firstWorkingDay(q: Quarter): string {
  const [first] = quarterMonths(q);
  for (let d = 1; d <= 3; d++) {
    const day = `${first}-0${d}`;
    if (!isWeekend(day)) return day;
  }
  // Unreachable: of three consecutive days at most two fall on a weekend.
  throw new Error(`no working day in the first three days of ${q}`);
}
