import { DateTime } from 'luxon';

/** `YYYY-MM`. */
export type Month = string;
/** `YYYY-MM-DD`. */
export type Day = string;

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isMonth(s: string): boolean {
  return MONTH_RE.test(s);
}

export function isDay(s: string): boolean {
  return DAY_RE.test(s) && DateTime.fromISO(s, { zone: 'utc' }).isValid;
}

export function isValidTimezone(tz: string): boolean {
  return DateTime.local().setZone(tz).isValid;
}

/** The month (`YYYY-MM`) an instant falls in, in `timezone`. */
export function monthOf(at: Date, timezone: string): Month {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM');
}

/** The calendar day (`YYYY-MM-DD`) of an instant in `timezone`. */
export function dayOf(at: Date, timezone: string): Day {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM-dd');
}

/** [start, end) of a month in `timezone`, as UTC instants. */
export function monthBounds(month: Month, timezone: string): { start: Date; end: Date } {
  const start = DateTime.fromFormat(month, 'yyyy-MM', { zone: timezone }).startOf('month');
  return { start: start.toJSDate(), end: start.plus({ months: 1 }).toJSDate() };
}

export function addMonths(month: Month, n: number): Month {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: 'utc' }).plus({ months: n }).toFormat('yyyy-MM');
}

export function addDays(day: Day, n: number): Day {
  return DateTime.fromISO(day, { zone: 'utc' }).plus({ days: n }).toFormat('yyyy-MM-dd');
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: Day, b: Day): number {
  return Math.round(
    DateTime.fromISO(b, { zone: 'utc' }).diff(DateTime.fromISO(a, { zone: 'utc' }), 'days').days,
  );
}

/** The month before the one containing `now` in `timezone` (the last closed month). */
export function lastClosedMonth(now: Date, timezone: string): Month {
  return addMonths(monthOf(now, timezone), -1);
}

/** UTC calendar day of an instant. */
export function utcDay(at: Date): Day {
  return at.toISOString().slice(0, 10);
}
