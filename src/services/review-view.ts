/**
 * The monthly review as a view-model: the month's snapshot, the organisation's totals with their
 * drift against the month before, last month's action items with their status, the month's
 * anomaly KPIs, and the stage mix of the month and up to five before it (for the chart).
 * Read-only except that `ensureSnapshot` stores the month's open snapshot, as reports do.
 */
import type {
  AnomalyKpis,
  OrgSummary,
  ReviewActionItem,
  ReviewForecastAccuracy,
  ReviewView,
  StageMixMonth,
} from '../blocks/review.ts';
import { readSnapshots } from '../db/repos/snapshots.ts';
import { addMonths } from '../lib/dates.ts';
import { allInCostOf, computeDrift, grossMarginPctOf, stageShareOf } from '../model/margin.ts';
import { hoursOf, labourOf, type OrganisationInput, organisationFigures } from '../model/organisation.ts';
import type { Snapshot } from '../model/types.ts';
import { reviewActionItems } from './action-items.ts';
import { anomalyMonthKpis } from './anomaly-kpis.ts';
import { computeMonth, ensureSnapshot, type SnapshotDeps } from './build-snapshot.ts';
import { forecastAccuracy } from './forecast.ts';
import { monthCommitments } from './commitments.ts';

/** Months of stage mix the chart shows: the reviewed month and five before it. */
export const CHART_MONTHS = 6;

export interface ReviewData {
  view: ReviewView;
  snapshot: Snapshot;
  /** Oldest first; months without any data are left out. The last one is the reviewed month. */
  stageMixHistory: StageMixMonth[];
  /** The organisation's gross margin the month before (for the waterfall), null without revenue. */
  priorGrossMarginPct: number | null;
}

export type ReviewDeps = SnapshotDeps;

/** The organisation's totals of a month (snapshot or base figures), shaped for the parent message. */
export function orgSummaryOf(
  current: OrganisationInput,
  prior: OrganisationInput | null,
  config: ReviewDeps['config'],
): OrgSummary {
  const org = organisationFigures(current);
  const drift = computeDrift(org, prior ? [organisationFigures(prior)] : [], config);
  const labour = labourOf(org);
  return {
    allInCost: allInCostOf(org),
    labour,
    cloud: org.cloudCost,
    ai: org.aiCost,
    ci: org.ciCost,
    revenue: org.revenue,
    grossMarginPct: grossMarginPctOf(org, config.model.cogs_stages),
    stageShare: stageShareOf(org.hours),
    hours: hoursOf(org),
    people: org.people,
    drift,
  };
}

/**
 * The base figures of the months before `month` (most recent first, up to `count`): stored
 * snapshots where there are any, otherwise computed from the raw tables (not stored). `null` for
 * a month with no data at all.
 */
export async function priorMonths(
  deps: ReviewDeps,
  month: string,
  count: number,
  asOf: Date,
): Promise<Array<{ month: string; figures: OrganisationInput | null }>> {
  const months = Array.from({ length: count }, (_, i) => addMonths(month, -(i + 1)));
  const stored = await readSnapshots(deps.db, months);
  const out: Array<{ month: string; figures: OrganisationInput | null }> = [];
  for (const m of months) {
    const s = stored.get(m);
    if (s) {
      out.push({ month: m, figures: s.hasData ? s : null });
      continue;
    }
    const c = await computeMonth(deps.db, deps.config, m, asOf);
    out.push({ month: m, figures: c.hasData ? c.figures : null });
  }
  return out;
}

function stageMixMonth(month: string, f: OrganisationInput, deps: ReviewDeps): StageMixMonth {
  const org = organisationFigures(f);
  const byId = new Map(f.productLines.map((p) => [p.id, p]));
  const groups: StageMixMonth['groups'] = [];
  for (const pl of deps.config.product_lines) {
    const p = byId.get(pl.id);
    if (!p) continue;
    groups.push({
      id: pl.id,
      name: pl.name ?? pl.id,
      stageShare: stageShareOf(p.hours),
      hours: hoursOf(p),
      people: p.people,
    });
  }
  groups.push({
    id: null,
    name: 'Organisation',
    stageShare: stageShareOf(org.hours),
    hours: hoursOf(org),
    people: org.people,
  });
  return { month, groups };
}

/** Last month's action items with their status (the action log's own reading of them). */
export function readReviewActionItems(
  deps: Pick<ReviewDeps, 'db' | 'config'>,
  month: string,
  now: Date,
): Promise<ReviewActionItem[]> {
  return reviewActionItems(deps, month, now);
}

/** Count and median hours to detect / acknowledge / resolve of the cost anomalies that began in `month`. */
export async function readAnomalyKpis(
  deps: Pick<ReviewDeps, 'db' | 'config'>,
  month: string,
): Promise<AnomalyKpis> {
  const k = await anomalyMonthKpis(deps, month);
  return {
    count: k.count,
    medianHoursToDetect: k.medianHoursToDetect,
    medianHoursToAcknowledge: k.medianHoursToAcknowledge,
    medianHoursToResolve: k.medianHoursToResolve,
  };
}

/**
 * The month's mid-month forecast against its actual, per product line and for the organisation;
 * null when no forecast was stored for the month (or it was made in another currency).
 */
export async function readForecastAccuracy(
  deps: Pick<ReviewDeps, 'db' | 'config'>,
  month: string,
  currency: string,
): Promise<ReviewForecastAccuracy | null> {
  const a = await forecastAccuracy(deps.db, deps.config, month);
  if (a.madeOn === null || a.currency !== currency) return null;
  return {
    madeOn: a.madeOn,
    org: a.org,
    productLines: a.productLines.map(({ productLine, ...f }) => ({ id: productLine, ...f })),
  };
}

export async function buildReviewView(
  deps: ReviewDeps,
  month: string,
  opts: { now: Date; showMargin: boolean },
): Promise<ReviewData> {
  const { snapshot } = await ensureSnapshot(deps, month);
  const prior = await priorMonths(deps, month, CHART_MONTHS - 1, opts.now);
  const priorFigures = prior[0]?.figures ?? null;
  const [actions, anomalyKpis, commitments] = await Promise.all([
    readReviewActionItems(deps, month, opts.now),
    readAnomalyKpis(deps, month),
    monthCommitments(deps, month),
  ]);
  const forecast = await readForecastAccuracy(deps, month, snapshot.currency);
  const history: StageMixMonth[] = [];
  for (const p of [...prior].reverse()) if (p.figures) history.push(stageMixMonth(p.month, p.figures, deps));
  if (snapshot.hasData) history.push(stageMixMonth(month, snapshot, deps));
  const priorOrg = priorFigures ? organisationFigures(priorFigures) : null;
  const view: ReviewView = {
    month,
    priorMonth: addMonths(month, -1),
    currency: snapshot.currency,
    hasData: snapshot.hasData,
    org: orgSummaryOf(snapshot, priorFigures, deps.config),
    productLines: snapshot.productLines,
    coverage: snapshot.coverage,
    showMargin: opts.showMargin,
    actions,
    anomalyKpis,
    commitments: commitments.byProvider,
    modelVersion: snapshot.modelVersion,
    configHash: snapshot.configHash,
    ...(forecast ? { forecastAccuracy: forecast } : {}),
  };
  return {
    view,
    snapshot,
    stageMixHistory: history,
    priorGrossMarginPct: priorOrg ? grossMarginPctOf(priorOrg, deps.config.model.cogs_stages) : null,
  };
}
