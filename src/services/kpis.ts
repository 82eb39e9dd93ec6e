/**
 * The FinOps KPI set of a quarter (issue 13 §4–5): each KPI month by month with its definition and
 * the inputs (numerators and denominators) that make it, so finance can reconcile every figure; the
 * quarter's value (sums of the inputs, or the median over the quarter's anomalies, never an average
 * of monthly percentages); the crawl / walk / run stage of each capability and the one suggested
 * focus (model/kpi-review.ts). `finops kpis` prints it, the quarterly KPI review posts it.
 *
 * Every piece comes from the code that already makes it: allocation coverage and unit cost from the
 * month's snapshot, anomaly times from services/anomaly-kpis.ts, the action log's completion from
 * services/action-items.ts, commitments from services/commitments.ts, forecast accuracy from
 * services/forecast.ts.
 */
import { InputError } from '../lib/errors.ts';
import { monthOf } from '../lib/dates.ts';
import { median } from '../model/stats.ts';
import type { CommitmentFigures } from '../model/commitments.ts';
import {
  capabilityStages,
  isQuarter,
  type Kpi,
  KPI_THRESHOLDS,
  type KpiId,
  type KpiInputs,
  type KpiMonth,
  type MonthStatus,
  type Quarter,
  quarterMonths,
  quarterOfMonth,
  type QuarterKpis,
  stageOf,
  suggestedFocus,
} from '../model/kpi-review.ts';
import type { Snapshot } from '../model/types.ts';
import { actionItemKpis } from './action-items.ts';
import { anomalyResponseTimes } from './anomaly-kpis.ts';
import { ensureSnapshot } from './build-snapshot.ts';
import { commitmentsByMonth, type MonthCommitments } from './commitments.ts';
import type { ServiceDeps } from './deps.ts';
import { forecastAccuracy } from './forecast.ts';

const pctOf = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The quarter asked for, or the current one (in config.timezone); a bad one is bad input. */
export function resolveQuarter(deps: Pick<ServiceDeps, 'config' | 'now'>, q: string | undefined): Quarter {
  if (q === undefined) return quarterOfMonth(monthOf(deps.now(), deps.config.timezone));
  if (!isQuarter(q))
    throw new InputError(
      'bad_quarter',
      `--quarter ${JSON.stringify(q)} is not a quarter: expected YYYY-Qn with n 1 to 4, e.g. 2026-Q4`,
    );
  return q;
}

interface MonthData {
  month: string;
  status: MonthStatus;
  snapshot: Snapshot | null;
  durations: Awaited<ReturnType<typeof anomalyResponseTimes>>;
  actions: { items: number; done: number } | null;
  commitments: MonthCommitments | null;
  forecast: Awaited<ReturnType<typeof forecastAccuracy>>['org'];
}

async function readMonth(
  deps: ServiceDeps,
  month: string,
  status: MonthStatus,
  commitments: MonthCommitments | undefined,
): Promise<MonthData> {
  if (status === 'not-started')
    return {
      month,
      status,
      snapshot: null,
      durations: [],
      actions: null,
      commitments: null,
      forecast: null,
    };
  const [{ snapshot }, durations, actions, forecast] = await Promise.all([
    ensureSnapshot(deps, month),
    anomalyResponseTimes(deps, month),
    actionItemKpis(deps, { now: deps.now(), month }),
    forecastAccuracy(deps.db, deps.config, month),
  ]);
  return {
    month,
    status,
    snapshot,
    durations,
    actions: { items: actions.total.items, done: actions.total.done },
    commitments: commitments ?? null,
    // A month still running has no actual to judge its forecast against yet.
    forecast: status === 'closed' ? forecast.org : null,
  };
}

/** Builds one KPI: each month's value and inputs, the quarter's, the stage by its thresholds. */
function kpi(
  head: Pick<Kpi, 'id' | 'name' | 'unit' | 'definition'>,
  months: readonly MonthData[],
  ofMonth: (m: MonthData) => { value: number | null; inputs: KpiInputs } | null,
  ofQuarter: (measured: ReadonlyArray<MonthData>) => { value: number | null; inputs: KpiInputs },
): Kpi {
  const thresholds = head.id in KPI_THRESHOLDS ? KPI_THRESHOLDS[head.id as KpiId] : null;
  const rows = months.map((m): KpiMonth => {
    const r = m.status === 'not-started' ? null : ofMonth(m);
    return { month: m.month, status: m.status, value: r?.value ?? null, inputs: r?.inputs ?? {} };
  });
  const quarter = ofQuarter(months.filter((m) => m.status !== 'not-started'));
  return {
    ...head,
    months: rows,
    quarter,
    thresholds,
    stage: thresholds ? stageOf(quarter.value, thresholds) : null,
  };
}

/**
 * A KPI that is one snapshot figure as a share of another (`part` / `whole` × 100): each month's
 * from its snapshot, the quarter's from the sums over its months with a snapshot.
 */
function shareKpi<P extends string, W extends string>(
  head: Pick<Kpi, 'id' | 'name' | 'unit' | 'definition'>,
  months: readonly MonthData[],
  inputsOf: (s: Snapshot | null) => Record<P | W, number> | null,
  part: P,
  whole: W,
): Kpi {
  const share = (p: number, w: number) => ({ value: pctOf(p, w), inputs: { [part]: p, [whole]: w } });
  return kpi(
    head,
    months,
    (m) => {
      const i = inputsOf(m.snapshot);
      return i ? share(i[part], i[whole]) : null;
    },
    (ms) => {
      const all = ms.map((m) => inputsOf(m.snapshot)).filter((x) => x !== null);
      return share(sum(all.map((x) => x[part])), sum(all.map((x) => x[whole])));
    },
  );
}

function allocationInputs(s: Snapshot | null): { allocatedCost: number; totalCost: number } | null {
  if (!s?.hasData) return null;
  const allocatedCost = sum(s.productLines.map((p) => p.cloudCost + p.aiCost + p.ciCost));
  const u = s.unallocated;
  return { allocatedCost, totalCost: allocatedCost + u.cloudCost + u.aiCost + u.ciCost };
}

function unitInputs(s: Snapshot | null) {
  if (!s?.hasData) return null;
  const lines = s.productLines.map((p) => ({
    productLine: p.id,
    allInCost: p.allInCost,
    units: p.units,
    unitCost: p.unitCost,
  }));
  return {
    costWithUnits: sum(lines.filter((l) => l.unitCost !== null).map((l) => l.allInCost)),
    allInCost: sum(lines.map((l) => l.allInCost)),
    byProductLine: lines,
  };
}

function commitmentInputs(f: CommitmentFigures) {
  return {
    coveredCost: f.coveredCost,
    onDemandEligibleCost: f.onDemandEligibleCost,
    unusedCost: f.unusedCost,
    usageCost: f.usageCost,
  };
}

const org = (m: MonthData): CommitmentFigures | null => m.commitments?.organisation ?? null;

/** The quarter's sums of the organisation's commitment inputs (config currency). */
function commitmentQuarter(ms: readonly MonthData[]) {
  const figures = ms.map(org).filter((f): f is CommitmentFigures => f !== null);
  const total = (k: 'coveredCost' | 'onDemandEligibleCost' | 'unusedCost' | 'usageCost') =>
    sum(figures.map((f) => f[k]));
  return {
    coveredCost: total('coveredCost'),
    onDemandEligibleCost: total('onDemandEligibleCost'),
    unusedCost: total('unusedCost'),
    usageCost: total('usageCost'),
  };
}

type DurationKey = 'hoursToDetect' | 'hoursToAcknowledge' | 'hoursToResolve';

function anomalyKpi(
  id: 'anomaly_hours_to_detect' | 'anomaly_hours_to_acknowledge' | 'anomaly_hours_to_resolve',
  name: string,
  definition: string,
  key: DurationKey,
  months: readonly MonthData[],
): Kpi {
  const measured = (m: MonthData) =>
    m.durations.map((d) => d[key]).filter((h): h is number => h !== null && h !== undefined);
  return kpi(
    { id, name, unit: 'h', definition },
    months,
    (m) => ({
      value: median(measured(m)),
      inputs: { anomalies: m.durations.length, measured: measured(m).length },
    }),
    (ms) => {
      const all = ms.flatMap(measured);
      return {
        value: median(all),
        inputs: { anomalies: sum(ms.map((m) => m.durations.length)), measured: all.length },
      };
    },
  );
}

/** The KPI set of `quarter` as of `deps.now()`. */
export async function quarterKpis(deps: ServiceDeps, quarter: Quarter): Promise<QuarterKpis> {
  const months = quarterMonths(quarter);
  const current = monthOf(deps.now(), deps.config.timezone);
  const statusOf = (m: string): MonthStatus =>
    m < current ? 'closed' : m === current ? 'in-progress' : 'not-started';
  const begun = months.filter((m) => statusOf(m) !== 'not-started');
  const commitments =
    begun.length > 0 ? await commitmentsByMonth(deps, begun[0] as string, begun.at(-1) as string) : [];
  // One month at a time: the snapshots may be built (and stored) here, and PGlite has one connection.
  const data: MonthData[] = [];
  for (const m of months)
    data.push(
      await readMonth(
        deps,
        m,
        statusOf(m),
        commitments.find((c) => c.month === m),
      ),
    );

  const c = deps.config.currency;
  const metric = deps.config.model.cost_metric;
  const kpis: Kpi[] = [
    shareKpi(
      {
        id: 'allocation_coverage',
        name: 'Allocation coverage',
        unit: '%',
        definition: `Cloud + AI + CI cost (${metric}, ${c}) that a product line's cost rule or a shared-cost split claims, as a share of all of it: allocatedCost / totalCost × 100. The same figure as coverage.costAllocatedPct of finops report.`,
      },
      data,
      allocationInputs,
      'allocatedCost',
      'totalCost',
    ),
    kpi(
      {
        id: 'unit_cost',
        name: 'Unit cost',
        unit: 'currency',
        definition: `Per product line: all-in cost (labour + cloud + AI + CI, ${c}) / units from the revenue file; null without units. Shown per product line (units differ between them), so it has no organisation value and no stage.`,
      },
      data,
      (m) => {
        const i = unitInputs(m.snapshot);
        return i ? { value: null, inputs: { byProductLine: i.byProductLine } } : null;
      },
      (ms) => {
        const byLine = new Map<string, { allInCost: number; units: number; months: number }>();
        for (const m of ms)
          for (const l of unitInputs(m.snapshot)?.byProductLine ?? []) {
            if (l.units === null || l.unitCost === null) continue;
            const acc = byLine.get(l.productLine) ?? { allInCost: 0, units: 0, months: 0 };
            acc.allInCost += l.allInCost;
            acc.units += l.units;
            acc.months += 1;
            byLine.set(l.productLine, acc);
          }
        return {
          value: null,
          inputs: {
            byProductLine: [...byLine.entries()].map(([productLine, a]) => ({
              productLine,
              allInCost: a.allInCost,
              units: a.units,
              unitCost: a.units === 0 ? null : a.allInCost / a.units,
              monthsWithUnits: a.months,
            })),
          },
        };
      },
    ),
    shareKpi(
      {
        id: 'unit_cost_coverage',
        name: 'Unit cost coverage',
        unit: '%',
        definition:
          'All-in cost of the product lines that have a unit cost (units reported) as a share of all product lines’ all-in cost: costWithUnits / allInCost × 100.',
      },
      data,
      unitInputs,
      'costWithUnits',
      'allInCost',
    ),
    kpi(
      {
        id: 'commitment_coverage',
        name: 'Commitment coverage',
        unit: '%',
        definition: `EffectiveCost of Usage rows (corrections left out) in ${c}: coveredCost (CommitmentDiscountStatus Used) / (coveredCost + onDemandEligibleCost) × 100, on-demand = no commitment status and PricingCategory Standard or null, of services in commitments.eligible_service_categories or with covered usage. Per provider in byProvider.`,
      },
      data,
      (m) => {
        const f = org(m);
        return {
          value: f?.coveragePct ?? null,
          inputs: {
            ...(f ? commitmentInputs(f) : {}),
            byProvider: (m.commitments?.byProvider ?? []).map((p) => ({
              provider: p.provider,
              currency: p.currency,
              coveragePct: p.coveragePct,
              utilisationPct: p.utilisationPct,
              ...commitmentInputs(p),
            })),
          },
        };
      },
      (ms) => {
        const q = commitmentQuarter(ms);
        return { value: pctOf(q.coveredCost, q.coveredCost + q.onDemandEligibleCost), inputs: q };
      },
    ),
    kpi(
      {
        id: 'commitment_utilisation',
        name: 'Commitment utilisation',
        unit: '%',
        definition: `EffectiveCost of Usage rows in ${c}: coveredCost (Used) / (coveredCost + unusedCost (Unused)) × 100.`,
      },
      data,
      (m) => {
        const f = org(m);
        return f
          ? { value: f.utilisationPct, inputs: { coveredCost: f.coveredCost, unusedCost: f.unusedCost } }
          : null;
      },
      (ms) => {
        const q = commitmentQuarter(ms);
        return {
          value: pctOf(q.coveredCost, q.coveredCost + q.unusedCost),
          inputs: { coveredCost: q.coveredCost, unusedCost: q.unusedCost },
        };
      },
    ),
    kpi(
      {
        id: 'waste',
        name: 'Waste (unused commitments)',
        unit: '%',
        definition: `Unused commitment cost (EffectiveCost of Usage rows with CommitmentDiscountStatus Unused, ${c}) as a share of all usage cost (EffectiveCost of every Usage row): unusedCost / usageCost × 100.`,
      },
      data,
      (m) => {
        const f = org(m);
        return f ? { value: f.wastePct, inputs: { unusedCost: f.unusedCost, usageCost: f.usageCost } } : null;
      },
      (ms) => {
        const q = commitmentQuarter(ms);
        return {
          value: pctOf(q.unusedCost, q.usageCost),
          inputs: { unusedCost: q.unusedCost, usageCost: q.usageCost },
        };
      },
    ),
    anomalyKpi(
      'anomaly_hours_to_detect',
      'Anomaly median time to detect',
      'Median over the cost anomalies that began in the period (suppressed left out) of the hours from the end of the first anomalous charge day (UTC) to the alert, or to detection when no alert went out.',
      'hoursToDetect',
      data,
    ),
    anomalyKpi(
      'anomaly_hours_to_acknowledge',
      'Anomaly median time to acknowledge',
      'Median of the hours from the alert (or detection) to the Acknowledge click, over the anomalies that began in the period and were acknowledged.',
      'hoursToAcknowledge',
      data,
    ),
    anomalyKpi(
      'anomaly_hours_to_resolve',
      'Anomaly median time to resolve',
      'Median of the hours from the alert (or detection) to the Resolve click, over the anomalies that began in the period and were resolved.',
      'hoursToResolve',
      data,
    ),
    kpi(
      {
        id: 'forecast_error',
        name: 'Forecast error',
        unit: '%',
        definition:
          'The organisation’s mid-month forecast of cloud + AI cost against the month’s actual: |actual − forecast| / forecast × 100 (variance = actual − forecast, signed, in the inputs). Closed months only (a running month has no actual yet). The quarter: Σ |variance| / Σ forecast × 100 over the months with a stored forecast.',
      },
      data,
      (m) => {
        const f = m.forecast;
        return f
          ? {
              value: f.forecast === 0 ? null : (Math.abs(f.variance) / f.forecast) * 100,
              inputs: {
                forecast: f.forecast,
                actual: f.actual,
                variance: f.variance,
                variancePct: f.variancePct,
              },
            }
          : null;
      },
      (ms) => {
        const fs = ms.map((m) => m.forecast).filter((f) => f !== null);
        const absVariance = sum(fs.map((f) => Math.abs(f.variance)));
        const forecast = sum(fs.map((f) => f.forecast));
        return {
          value: fs.length === 0 ? null : pctOf(absVariance, forecast),
          inputs: { months: fs.length, forecast, absVariance },
        };
      },
    ),
    kpi(
      {
        id: 'action_completion',
        name: 'Action completion rate',
        unit: '%',
        definition:
          'Action items raised in the period that are done (as of now), as a share of the items raised in it: done / raised × 100.',
      },
      data,
      (m) =>
        m.actions
          ? {
              value: pctOf(m.actions.done, m.actions.items),
              inputs: { raised: m.actions.items, done: m.actions.done },
            }
          : null,
      (ms) => {
        const raised = sum(ms.map((m) => m.actions?.items ?? 0));
        const done = sum(ms.map((m) => m.actions?.done ?? 0));
        return { value: pctOf(done, raised), inputs: { raised, done } };
      },
    ),
  ];

  const quarterValues = Object.fromEntries(kpis.map((k) => [k.id, k.quarter.value])) as Record<
    KpiId,
    number | null
  >;
  const capabilities = capabilityStages(quarterValues);
  return {
    quarter,
    months: [...months],
    currency: c,
    costMetric: metric,
    asOf: deps.now().toISOString(),
    kpis,
    capabilities,
    focus: suggestedFocus(capabilities),
  };
}
