import { DateTime } from 'luxon';
import { lastClosedMonth, monthOf } from '../lib/dates.ts';

/**
 * Period keys: what "once" means for a scheduled job. Two runs of one job with the same key are
 * one run (the unique `job_run (job, period_key)`). Every key is computed in the configured
 * timezone, so a tick at 00:30 Berlin on the 1st belongs to the new month even though it is still
 * the previous day in UTC.
 */
export const PERIOD_KINDS = ['previous-month', 'month', 'day', 'iso-week', 'hour'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** `YYYY-MM` of the month before the one `at` falls in: the month a review run on the 2nd is about. */
export function previousMonthKey(at: Date, timezone: string): string {
  return lastClosedMonth(at, timezone);
}

/** `YYYY-MM` of the month `at` falls in. */
export function monthKey(at: Date, timezone: string): string {
  return monthOf(at, timezone);
}

/** `YYYY-MM-DD`, the calendar day of `at`. */
export function dayKey(at: Date, timezone: string): string {
  return local(at, timezone).toFormat('yyyy-MM-dd');
}

/**
 * `YYYY-Www`, the ISO week (Monday first) with its ISO week-year: 2026-12-31 is in `2026-W53`,
 * 2027-01-01 too, and 2024-12-30 is in `2025-W01`.
 */
export function isoWeekKey(at: Date, timezone: string): string {
  return local(at, timezone).toFormat("kkkk-'W'WW");
}

/**
 * `YYYY-MM-DDTHH±hh:mm`, the local hour with its UTC offset. The offset keeps the two 02:00 hours
 * of the autumn DST change apart (`2026-10-25T02+02:00`, then `2026-10-25T02+01:00`).
 */
export function hourKey(at: Date, timezone: string): string {
  return local(at, timezone).toFormat("yyyy-MM-dd'T'HHZZ");
}

export function periodKeyOf(kind: PeriodKind, at: Date, timezone: string): string {
  switch (kind) {
    case 'previous-month':
      return previousMonthKey(at, timezone);
    case 'month':
      return monthKey(at, timezone);
    case 'day':
      return dayKey(at, timezone);
    case 'iso-week':
      return isoWeekKey(at, timezone);
    case 'hour':
      return hourKey(at, timezone);
  }
}

function local(at: Date, timezone: string): DateTime {
  const dt = DateTime.fromJSDate(at, { zone: timezone });
  if (!dt.isValid) throw new RangeError(`cannot place ${String(at)} in time zone "${timezone}"`);
  return dt;
}
