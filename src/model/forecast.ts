/**
 * The month-end forecast of cloud + AI cost, and how far the actual landed from it (issue 13.3).
 * Pure: daily amounts in, figures with their inputs out; no clock (the "through" day is a
 * parameter), no I/O. docs/methodology.md ("Forecast against actual") states the same rule.
 *
 *   forecast = month to date + median daily cost of the trailing 28 days × days left in the month
 *
 * - the days so far are the month's days up to and including `through` (the last day of cost the
 *   run can see: the day before the run, or the last day with ingested cost if that is earlier);
 * - the trailing window is the 28 days ending on `through` (it reaches back into the month before
 *   early in a month); a day without cost counts as 0;
 * - days left = days in the month − the day of the month of `through` (all of them when `through`
 *   is before the month).
 * The median, not the mean, so a one-off day (a purchase, a spike already alerted as an anomaly)
 * does not carry over into every remaining day.
 */
import { addDays, daysBetween } from '../lib/dates.ts';
import { median } from './stats.ts';

/** Days of the trailing window whose median daily cost is projected over the days left. */
export const FORECAST_WINDOW_DAYS = 28;
/** Services named as what drives a forecast above last month. */
export const FORECAST_DRIVERS = 3;

/** Daily amounts of one subject (a product line, the organisation, one service): day → cost. */
export type DailyCost = ReadonlyMap<string, number>;

export interface ForecastFigures {
  month: string;
  /** Last day of cost used (`YYYY-MM-DD`). */
  through: string;
  daysInMonth: number;
  /** Days of the month up to and including `through`. */
  daysElapsed: number;
  daysLeft: number;
  monthToDate: number;
  /** First day of the trailing window (its last is `through`). */
  windowFrom: string;
  medianDaily: number;
  forecast: number;
}

export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y as number, m as number, 0)).getUTCDate();
}

/** The month-end forecast of one subject from its daily cost, as of `through`. */
export function forecastMonth(month: string, through: string, daily: DailyCost): ForecastFigures {
  const first = `${month}-01`;
  const total = daysInMonth(month);
  const last = `${month}-${String(total).padStart(2, '0')}`;
  if (through > last) throw new RangeError(`the forecast of ${month} cannot use cost through ${through}`);
  const daysElapsed = through < first ? 0 : daysBetween(first, through) + 1;
  let monthToDate = 0;
  for (let i = 0; i < daysElapsed; i++) monthToDate += daily.get(addDays(first, i)) ?? 0;
  const windowFrom = addDays(through, -(FORECAST_WINDOW_DAYS - 1));
  const window: number[] = [];
  for (let i = 0; i < FORECAST_WINDOW_DAYS; i++) window.push(daily.get(addDays(windowFrom, i)) ?? 0);
  const medianDaily = median(window) ?? 0;
  const daysLeft = total - daysElapsed;
  return {
    month,
    through,
    daysInMonth: total,
    daysElapsed,
    daysLeft,
    monthToDate,
    windowFrom,
    medianDaily,
    forecast: monthToDate + medianDaily * daysLeft,
  };
}

export interface ForecastDriver {
  service: string;
  forecast: number;
  lastMonth: number;
  /** forecast − lastMonth. */
  change: number;
}

/**
 * What drives a forecast: each service forecast by the same rule, against its cost last month;
 * the `top` largest increases (only increases; ties by name). Service forecasts need not add up
 * to the subject's (a median of sums is not a sum of medians).
 */
export function forecastDrivers(
  month: string,
  through: string,
  byService: ReadonlyMap<string, DailyCost>,
  lastMonthByService: ReadonlyMap<string, number>,
  top = FORECAST_DRIVERS,
): ForecastDriver[] {
  const names = new Set([...byService.keys(), ...lastMonthByService.keys()]);
  const out: ForecastDriver[] = [];
  for (const service of names) {
    const forecast = forecastMonth(month, through, byService.get(service) ?? new Map()).forecast;
    const lastMonth = lastMonthByService.get(service) ?? 0;
    out.push({ service, forecast, lastMonth, change: forecast - lastMonth });
  }
  return out
    .filter((d) => d.change > 0)
    .sort((a, b) => b.change - a.change || a.service.localeCompare(b.service))
    .slice(0, top);
}

export interface ForecastChange {
  /** forecast − last month. */
  change: number;
  /** change / last month × 100; null when last month had no cost (nothing to compare with). */
  changePct: number | null;
  /** The forecast exceeds last month by more than `alertPct` percent (never without a last month). */
  alert: boolean;
}

export function forecastChange(forecast: number, lastMonth: number, alertPct: number): ForecastChange {
  const change = forecast - lastMonth;
  if (lastMonth <= 0) return { change, changePct: null, alert: false };
  const changePct = (change / lastMonth) * 100;
  return { change, changePct, alert: changePct > alertPct };
}

export interface ForecastAccuracyFigures {
  forecast: number;
  actual: number;
  /** actual − forecast: positive when the month cost more than forecast. */
  variance: number;
  /** variance / forecast × 100; null when the forecast was 0. */
  variancePct: number | null;
}

export function forecastAccuracyOf(forecast: number, actual: number): ForecastAccuracyFigures {
  const variance = actual - forecast;
  return { forecast, actual, variance, variancePct: forecast !== 0 ? (variance / forecast) * 100 : null };
}
