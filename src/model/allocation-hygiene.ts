/**
 * Weekly allocation hygiene (issue 13.1): the share of a week's cloud + AI cost that no rule
 * allocates (`cost_daily.allocation = 'none'`), per billing currency (never summed across
 * currencies), against `allocation.target_unallocated_pct`, its trend over the 8 weeks ending with
 * that week, and the largest unallocated spend by provider × sub-account × service: the list an
 * engineer tags from. Pure: rows in, figures out. Weeks are ISO weeks (Monday to Sunday) of the
 * UTC cost days (FOCUS ChargePeriodStart), every charge category included, as the review's
 * allocation coverage counts them.
 */
import { addDays, daysBetween } from '../lib/dates.ts';
import { weekStartOf } from './labor-spikes.ts';

/** Weeks of the trend, the reported week included. */
export const HYGIENE_WEEKS = 8;
/** Lines of unallocated spend listed (each with its "Create action item" button). */
export const HYGIENE_TOP_LINES = 10;

/** Cost of one day in one currency, split by whether any rule allocated it. */
export interface HygieneDayCost {
  day: string;
  currency: string;
  unallocated: boolean;
  cost: number;
}

/** Unallocated cost of the reported week for one provider × sub-account × service. */
export interface UnallocatedSpend {
  currency: string;
  provider: string;
  subAccount: string | null;
  service: string;
  cost: number;
}

export interface HygieneWeek {
  /** Monday. */
  from: string;
  /** Sunday. */
  to: string;
  total: number;
  unallocated: number;
  /** unallocated / total × 100; null when the week's total is not positive (no cost, or credits only). */
  sharePct: number | null;
}

export interface HygieneCurrency {
  currency: string;
  /** The reported week (the last of `trend`). */
  week: HygieneWeek;
  /** Oldest first, `HYGIENE_WEEKS` long, ending with the reported week. */
  trend: HygieneWeek[];
  /** The week's share is at or below the target; null without a share. */
  onTarget: boolean | null;
}

export interface UnallocatedLine extends UnallocatedSpend {
  /** This line's part of the week's unallocated cost in its currency, in percent. */
  shareOfUnallocatedPct: number | null;
}

export interface HygieneFigures {
  /** The reported week. */
  from: string;
  to: string;
  targetPct: number;
  /** Report currency first, then the others alphabetically; only currencies with cost in the 8 weeks. */
  currencies: HygieneCurrency[];
  /** Largest first within each currency (in `currencies` order), at most `HYGIENE_TOP_LINES`. */
  top: UnallocatedLine[];
  /** Lines of positive unallocated spend not listed. */
  moreLines: number;
}

/** The Monday of the week before the one `today` falls in: the week a Monday run reports. */
export function lastWeekOf(today: string): string {
  return addDays(weekStartOf(today), -7);
}

export function allocationHygiene(input: {
  /** Monday of the reported week. */
  weekFrom: string;
  days: readonly HygieneDayCost[];
  unallocated: readonly UnallocatedSpend[];
  targetPct: number;
  reportCurrency: string;
  top?: number;
}): HygieneFigures {
  const { weekFrom, targetPct } = input;
  if (weekStartOf(weekFrom) !== weekFrom) throw new RangeError(`${weekFrom} is not a Monday`);
  const firstFrom = addDays(weekFrom, -7 * (HYGIENE_WEEKS - 1));
  const weekTo = addDays(weekFrom, 6);

  const byCurrency = new Map<string, Array<{ total: number; unallocated: number }>>();
  for (const d of input.days) {
    const offset = daysBetween(firstFrom, d.day);
    if (offset < 0 || d.day > weekTo) continue;
    let weeks = byCurrency.get(d.currency);
    if (!weeks) {
      weeks = Array.from({ length: HYGIENE_WEEKS }, () => ({ total: 0, unallocated: 0 }));
      byCurrency.set(d.currency, weeks);
    }
    const w = weeks[Math.floor(offset / 7)] as { total: number; unallocated: number };
    w.total += d.cost;
    if (d.unallocated) w.unallocated += d.cost;
  }
  const order = (a: string, b: string) =>
    a === input.reportCurrency ? -1 : b === input.reportCurrency ? 1 : a.localeCompare(b);
  const currencies: HygieneCurrency[] = [...byCurrency.keys()].sort(order).map((currency) => {
    const trend = (byCurrency.get(currency) ?? []).map((w, i) => {
      const from = addDays(firstFrom, 7 * i);
      return {
        from,
        to: addDays(from, 6),
        total: w.total,
        unallocated: w.unallocated,
        sharePct: w.total > 0 ? (w.unallocated / w.total) * 100 : null,
      };
    });
    const week = trend[trend.length - 1] as HygieneWeek;
    return { currency, week, trend, onTarget: week.sharePct === null ? null : week.sharePct <= targetPct };
  });

  const unallocatedOf = new Map(currencies.map((c) => [c.currency, c.week.unallocated]));
  const rank = new Map(currencies.map((c, i) => [c.currency, i]));
  const lines = input.unallocated
    .filter((u) => u.cost > 0)
    .sort(
      (a, b) =>
        (rank.get(a.currency) ?? 99) - (rank.get(b.currency) ?? 99) ||
        b.cost - a.cost ||
        a.provider.localeCompare(b.provider) ||
        (a.subAccount ?? '').localeCompare(b.subAccount ?? '') ||
        a.service.localeCompare(b.service),
    );
  const max = input.top ?? HYGIENE_TOP_LINES;
  const top = lines.slice(0, max).map((u) => {
    const all = unallocatedOf.get(u.currency) ?? 0;
    return { ...u, shareOfUnallocatedPct: all > 0 ? (u.cost / all) * 100 : null };
  });
  return { from: weekFrom, to: weekTo, targetPct, currencies, top, moreLines: lines.length - top.length };
}
