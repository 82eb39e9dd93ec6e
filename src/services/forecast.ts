/**
 * Forecast against actual (issue 13.3) as use cases:
 * - `planForecast`: the month-end forecast of cloud + AI cost of each product line and of the
 *   organisation, as of a moment, from cost_daily (report currency, the configured metric), by the
 *   rule of model/forecast.ts, with last month's actual and the services that drive it;
 * - `runMidMonthForecast`: the mid-month job's work: stores the forecasts (cost_forecast, one per
 *   month and subject) and posts an alert to the owning team's channel for each product line whose
 *   forecast exceeds last month by more than `forecast.alert_pct` (once per month and product line,
 *   claimed in posted_message; each alert isolated);
 * - `forecastAccuracy`: a month's stored forecasts against its actual cost, per product line and for
 *   the organisation (the review and the quarterly KPIs read it).
 */
import { type ForecastAlertView, renderForecastAlert } from '../blocks/forecast.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import type { Config } from '../config/schema.ts';
import type { Db } from '../db/connect.ts';
import { lastCostDayOnOrBefore, readDailyCostByService } from '../db/repos/cost-daily.ts';
import {
  readMonthForecasts,
  replaceMonthForecasts,
  type StoredForecast,
} from '../db/repos/cost-forecasts.ts';
import { readMonthCosts } from '../db/repos/model-inputs.ts';
import { addDays, addMonths, dayOf, monthOf } from '../lib/dates.ts';
import { errorLine } from '../lib/errors.ts';
import {
  type DailyCost,
  daysInMonth,
  FORECAST_WINDOW_DAYS,
  type ForecastAccuracyFigures,
  type ForecastChange,
  type ForecastDriver,
  type ForecastFigures,
  forecastAccuracyOf,
  forecastChange,
  forecastDrivers,
  forecastMonth,
} from '../model/forecast.ts';
import { sendOnce } from './action-notify.ts';
import type { Messenger, ServiceDeps } from './deps.ts';

type ForecastDeps = Pick<ServiceDeps, 'db' | 'config' | 'logger'>;

export interface ForecastSubject {
  /** null: the organisation (every cost in the report currency, unallocated included). */
  productLine: string | null;
  figures: ForecastFigures;
  /** Last month's actual cloud + AI cost. */
  lastMonth: number;
  change: ForecastChange;
  drivers: ForecastDriver[];
}

export interface ForecastPlan {
  month: string;
  /** The local day of the run. */
  madeOn: string;
  currency: string;
  /** Last day of cost used; null when no cost is ingested (then there are no subjects). */
  through: string | null;
  /** The organisation first, then every configured product line in config order. */
  subjects: ForecastSubject[];
}

const lastDayOf = (month: string) => `${month}-${String(daysInMonth(month)).padStart(2, '0')}`;

function addTo(map: Map<string, number>, key: string, v: number): void {
  map.set(key, (map.get(key) ?? 0) + v);
}

/**
 * The forecasts as of `at`: the month `at` falls in (config.timezone), from the cost through the
 * day before `at` or the last day with ingested cost if that is earlier. Reads only.
 */
export async function planForecast(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  at: Date,
): Promise<ForecastPlan> {
  const { config } = deps;
  const month = monthOf(at, config.timezone);
  const madeOn = dayOf(at, config.timezone);
  const currency = config.currency;
  const through = await lastCostDayOnOrBefore(deps.db, addDays(madeOn, -1));
  if (through === null) return { month, madeOn, currency, through, subjects: [] };

  const prior = addMonths(month, -1);
  const priorFrom = `${prior}-01`;
  const priorTo = lastDayOf(prior);
  const windowFrom = addDays(through, -(FORECAST_WINDOW_DAYS - 1));
  const rows = await readDailyCostByService(
    deps.db,
    { from: [windowFrom, priorFrom].sort()[0] as string, to: [through, priorTo].sort()[1] as string },
    currency,
    config.model.cost_metric,
  );

  // Per subject ('' = the organisation): daily totals, daily per service, last month per service.
  interface Acc {
    daily: Map<string, number>;
    byService: Map<string, Map<string, number>>;
    lastMonthByService: Map<string, number>;
    lastMonth: number;
  }
  const accs = new Map<string, Acc>();
  const accOf = (key: string): Acc => {
    let a = accs.get(key);
    if (!a) {
      a = { daily: new Map(), byService: new Map(), lastMonthByService: new Map(), lastMonth: 0 };
      accs.set(key, a);
    }
    return a;
  };
  for (const r of rows) {
    for (const key of r.productLine === null ? [''] : ['', r.productLine]) {
      const a = accOf(key);
      addTo(a.daily, r.day, r.cost);
      let s = a.byService.get(r.service);
      if (!s) {
        s = new Map();
        a.byService.set(r.service, s);
      }
      addTo(s, r.day, r.cost);
      if (r.day >= priorFrom && r.day <= priorTo) {
        a.lastMonth += r.cost;
        addTo(a.lastMonthByService, r.service, r.cost);
      }
    }
  }
  const subjectOf = (productLine: string | null): ForecastSubject => {
    const a = accOf(productLine ?? '');
    const figures = forecastMonth(month, through, a.daily);
    return {
      productLine,
      figures,
      lastMonth: a.lastMonth,
      change: forecastChange(figures.forecast, a.lastMonth, config.forecast.alert_pct),
      drivers: forecastDrivers(
        month,
        through,
        a.byService as ReadonlyMap<string, DailyCost>,
        a.lastMonthByService,
      ),
    };
  };
  return {
    month,
    madeOn,
    currency,
    through,
    subjects: [subjectOf(null), ...config.product_lines.map((p) => subjectOf(p.id))],
  };
}

export interface ForecastAlertOutcome {
  productLine: string;
  /** The channel as configured, or its id once resolved. */
  channel: string;
  state: 'posted' | 'already' | 'uncertain' | 'would-post' | 'no-slack' | 'failed';
  error?: string;
  message: RenderedMessage;
}

export interface ForecastRun {
  plan: ForecastPlan;
  /** The forecasts were stored (not in a dry run, not without cost). */
  stored: boolean;
  alerts: ForecastAlertOutcome[];
  failures: string[];
}

/** The alert of one product line: in its team's channel, or review.channel with a note. */
function alertFor(
  config: Config,
  plan: ForecastPlan,
  s: ForecastSubject,
): { channelRef: string; view: ForecastAlertView } {
  const pl = config.product_lines.find((p) => p.id === s.productLine);
  const name = pl?.name ?? s.productLine ?? 'Organisation';
  const team = config.teams.find((t) => t.id === pl?.team);
  const routingNote = team?.channel
    ? null
    : `Team "${pl?.team ?? '?'}" (owner of ${name}) has no channel in finops.yml, so this alert is posted here.`;
  return {
    channelRef: team?.channel ?? config.review.channel,
    view: {
      month: plan.month,
      productLine: { id: s.productLine ?? '', name },
      currency: plan.currency,
      costMetric: config.model.cost_metric,
      figures: s.figures,
      lastMonth: s.lastMonth,
      change: s.change,
      alertPct: config.forecast.alert_pct,
      drivers: s.drivers,
      routingNote,
    },
  };
}

/**
 * The mid-month run as of `at`: plan, store (replacing an earlier run of the month), and alert the
 * owning teams. A dry run stores and posts nothing and returns the alerts it would post.
 */
export async function runMidMonthForecast(
  deps: ForecastDeps,
  messenger: Messenger | undefined,
  at: Date,
  opts: { dryRun: boolean },
): Promise<ForecastRun> {
  const { config } = deps;
  const plan = await planForecast(deps, at);
  const run: ForecastRun = { plan, stored: false, alerts: [], failures: [] };
  if (plan.through === null) return run;
  const through = plan.through;
  if (!opts.dryRun) {
    const rows: StoredForecast[] = plan.subjects.map((s) => ({
      month: plan.month,
      productLine: s.productLine,
      madeOn: plan.madeOn,
      throughDay: through,
      currency: plan.currency,
      costMetric: config.model.cost_metric,
      monthToDate: s.figures.monthToDate,
      medianDaily: s.figures.medianDaily,
      windowFrom: s.figures.windowFrom,
      daysLeft: s.figures.daysLeft,
      forecast: s.figures.forecast,
      lastMonthActual: s.lastMonth,
    }));
    await deps.db.transaction().execute((trx) => replaceMonthForecasts(trx, plan.month, rows));
    run.stored = true;
  }
  for (const s of plan.subjects) {
    if (s.productLine === null || !s.change.alert) continue;
    const { channelRef, view } = alertFor(config, plan, s);
    const message = renderForecastAlert(view);
    const base = { productLine: s.productLine, channel: channelRef, message };
    if (opts.dryRun) {
      run.alerts.push({ ...base, state: 'would-post' });
      continue;
    }
    if (!messenger) {
      run.alerts.push({ ...base, state: 'no-slack' });
      continue;
    }
    try {
      const channel = await messenger.resolveChannel(channelRef);
      const ref = { scope: `forecast:${plan.month}`, key: `alert:${s.productLine}`, channelId: channel };
      const r = await sendOnce(deps, ref, at, null, () => messenger.post(channel, message));
      run.alerts.push({ ...base, channel, state: r.state === 'sent' ? 'posted' : r.state });
    } catch (err) {
      const error = slackReason(err);
      run.alerts.push({ ...base, state: 'failed', error });
      run.failures.push(`${s.productLine} in ${channelRef}: ${error}`);
      deps.logger.warn(`could not post the forecast alert of ${s.productLine} in ${channelRef}`, { error });
    }
  }
  return run;
}

function slackReason(err: unknown): string {
  const code = (err as { slackError?: unknown }).slackError;
  return typeof code === 'string' ? code : errorLine(err);
}

export interface ForecastAccuracy {
  month: string;
  currency: string;
  costMetric: string;
  /** Day the stored forecast was made; null when none was stored for the month. */
  madeOn: string | null;
  /** The organisation (every cost, unallocated included); null without a stored forecast. */
  org: ForecastAccuracyFigures | null;
  /** Product lines with a stored forecast, in config order (then any no longer configured). */
  productLines: Array<ForecastAccuracyFigures & { productLine: string }>;
}

/**
 * A month's stored mid-month forecasts against the month's actual cloud + AI cost (the review's
 * figure: every cost of the month in the forecast's currency and metric), per product line and for
 * the organisation: variance = actual − forecast, variancePct = variance / forecast × 100.
 */
export async function forecastAccuracy(db: Db, config: Config, month: string): Promise<ForecastAccuracy> {
  const stored = await readMonthForecasts(db, month);
  const first = stored[0];
  if (!first)
    return {
      month,
      currency: config.currency,
      costMetric: config.model.cost_metric,
      madeOn: null,
      org: null,
      productLines: [],
    };
  const metric = first.costMetric === 'BilledCost' ? 'BilledCost' : 'EffectiveCost';
  const costs = await readMonthCosts(db, month, addMonths(month, 1), first.currency, metric);
  const actualOf = new Map<string, number>();
  let org = 0;
  for (const c of costs.costs) {
    org += c.amount;
    if (c.productLine !== null) actualOf.set(c.productLine, (actualOf.get(c.productLine) ?? 0) + c.amount);
  }
  const order = new Map(config.product_lines.map((p, i) => [p.id, i]));
  const lines = stored
    .filter((s): s is StoredForecast & { productLine: string } => s.productLine !== null)
    .sort(
      (a, b) =>
        (order.get(a.productLine) ?? Number.MAX_SAFE_INTEGER) -
          (order.get(b.productLine) ?? Number.MAX_SAFE_INTEGER) || a.productLine.localeCompare(b.productLine),
    )
    .map((s) => ({
      productLine: s.productLine,
      ...forecastAccuracyOf(s.forecast, actualOf.get(s.productLine) ?? 0),
    }));
  const orgStored = stored.find((s) => s.productLine === null);
  return {
    month,
    currency: first.currency,
    costMetric: first.costMetric,
    madeOn: first.madeOn,
    org: orgStored ? forecastAccuracyOf(orgStored.forecast, org) : null,
    productLines: lines,
  };
}
