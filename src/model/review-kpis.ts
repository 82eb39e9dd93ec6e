import { addDays, type Day } from '../lib/dates.ts';
import { median } from './stats.ts';

/**
 * The anomaly KPIs of a month for the review and `/finops kpis` (issue 9 §4): how many anomalies
 * began in the month and the median hours
 * - to detect: from the end of the first anomalous charge day (UTC, as FOCUS charge days are) to
 *   the alert (or, when no alert went out, to detection) — the earliest the day's cost is final;
 * - to acknowledge and to resolve: from the alert (or detection) to the person's click.
 * Pure: rows in, numbers out. Suppressed anomalies (never alerted, by design) are left out.
 */
export interface AnomalyTimes {
  firstDay: Day;
  status: string;
  detectedAt: Date;
  alertedAt: Date | null;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export interface AnomalyKpiFigures {
  count: number;
  medianHoursToDetect: number | null;
  medianHoursToAcknowledge: number | null;
  medianHoursToResolve: number | null;
}

const HOUR_MS = 3_600_000;

/** Hours from `from` to `to`, never negative (a click recorded before the alert counts as 0). */
const hoursBetween = (from: Date, to: Date): number => Math.max(0, (to.getTime() - from.getTime()) / HOUR_MS);

/** KPIs of the anomalies whose first anomalous day is in `month` (`YYYY-MM`). */
export function anomalyKpisOf(rows: readonly AnomalyTimes[], month: string): AnomalyKpiFigures {
  const inMonth = rows.filter((r) => r.firstDay.startsWith(`${month}-`) && r.status !== 'suppressed');
  const detect: number[] = [];
  const ack: number[] = [];
  const resolve: number[] = [];
  for (const r of inMonth) {
    const alerted = r.alertedAt ?? r.detectedAt;
    const dayEnd = new Date(`${addDays(r.firstDay, 1)}T00:00:00Z`);
    detect.push(hoursBetween(dayEnd, alerted));
    if (r.acknowledgedAt) ack.push(hoursBetween(alerted, r.acknowledgedAt));
    if (r.resolvedAt) resolve.push(hoursBetween(alerted, r.resolvedAt));
  }
  return {
    count: inMonth.length,
    medianHoursToDetect: median(detect),
    medianHoursToAcknowledge: median(ack),
    medianHoursToResolve: median(resolve),
  };
}
