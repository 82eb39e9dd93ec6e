import { DateTime } from 'luxon';
import { addDays } from '../../lib/dates.ts';
import type { Amount } from '../../model/allocation.ts';

/**
 * What the AI vendors' cost APIs come down to before allocation: one amount per UTC day,
 * project or workspace, line item and currency. Pure.
 */

/** FOCUS `ServiceCategory` of every row the AI vendors' cost APIs give. */
export const AI_VENDOR_SERVICE_CATEGORY = 'AI and Machine Learning';

export interface AiCostLine {
  /** The UTC day of the 1d bucket (both vendors' buckets start at 00:00 UTC). */
  day: string;
  /** OpenAI project id or Anthropic workspace id; null where the vendor gives none. */
  subAccountId: string | null;
  /** `OpenAI gpt-4o-2024-08-06, input`, `Anthropic Claude Sonnet 4 Usage - Input Tokens`. */
  serviceName: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** Exact, in units of 10^-18 of the currency (model/allocation.ts). */
  amount: Amount;
}

/** Whole UTC days, `start` inclusive, `end` exclusive (`YYYY-MM-DD` each). */
export interface DayWindow {
  start: string;
  end: string;
}

export function utcDay(d: DateTime | Date): string {
  const dt = d instanceof Date ? DateTime.fromJSDate(d, { zone: 'utc' }) : d.setZone('utc');
  return dt.toFormat('yyyy-MM-dd');
}

export function dayStart(day: string): DateTime {
  return DateTime.fromISO(day, { zone: 'utc' }).startOf('day');
}

/** Every day of the window, in order. */
export function windowDays(w: DayWindow): string[] {
  const out: string[] = [];
  for (let d = w.start; d < w.end; d = addDays(d, 1)) out.push(d);
  return out;
}

/** `usd` → `USD`; anything that is not three letters is refused by the caller. */
export function normaliseCurrency(c: string): string | null {
  const t = c.trim();
  return /^[A-Za-z]{3}$/.test(t) ? t.toUpperCase() : null;
}
