/**
 * Labour-side spikes: a product line's weekly incident hours above `factor` × the median of its
 * trailing weeks (issue 9: above 2× the trailing 8-week median). Pure: hours in, spikes out.
 *
 * Weeks are ISO weeks (Monday to Sunday, by calendar day). A product line's weekly series runs
 * from its first week with hours to the last week of the whole input, 0 in weeks without hours,
 * so a quiet week counts in the median as the quiet week it was. A week is judged only once a
 * full trailing window exists behind it.
 */
import { dayFromEpoch, epochDay } from './anomalies.ts';
import { median as medianOfWindow } from './stats.ts';

export interface IncidentHours {
  /** null = unallocated. */
  productLine: string | null;
  /** Any calendar day `YYYY-MM-DD`: hours are summed into the ISO week containing it. */
  day: string;
  hours: number;
}

export interface LaborSpikeOptions {
  /** Spike when hours > factor × trailing median. Default 2. */
  factor?: number;
  /** Trailing weeks in the median. Default 8. */
  trailingWeeks?: number;
  /**
   * A week below this many hours is never a spike. Default 0, exactly the rule; with a median
   * of 0 any incident hour then counts, so callers that find that noisy raise it.
   */
  minHours?: number;
}

export interface LaborSpike {
  productLine: string | null;
  /** Monday of the ISO week. */
  week: string;
  hours: number;
  /** Median of the trailing weeks. */
  median: number;
  /** hours / median; null when the median is 0. */
  ratio: number | null;
}

/** Monday of the ISO week containing `day`. */
export function weekStartOf(day: string): string {
  const n = epochDay(day);
  // 1970-01-01 was a Thursday: (n + 3) mod 7 is 0 on Mondays.
  return dayFromEpoch(n - ((((n + 3) % 7) + 7) % 7));
}

/** Every spike, ordered by week, then product line (unallocated last). */
export function detectLaborSpikes(
  hours: readonly IncidentHours[],
  opts: LaborSpikeOptions = {},
): LaborSpike[] {
  const factor = opts.factor ?? 2;
  const trailing = opts.trailingWeeks ?? 8;
  const minHours = opts.minHours ?? 0;
  if (!(factor > 0) || !Number.isInteger(trailing) || trailing < 1 || !(minHours >= 0)) {
    throw new RangeError(
      `labour spike options need factor > 0, whole trailingWeeks ≥ 1, minHours ≥ 0 (got ${factor}, ${trailing}, ${minHours})`,
    );
  }
  const byLine = new Map<string | null, Map<number, number>>();
  let lastWeek = Number.NEGATIVE_INFINITY;
  for (const h of hours) {
    if (!Number.isFinite(h.hours)) throw new RangeError(`incident hours on ${h.day} are not a number`);
    const week = epochDay(weekStartOf(h.day));
    if (week > lastWeek) lastWeek = week;
    let weeks = byLine.get(h.productLine);
    if (!weeks) {
      weeks = new Map();
      byLine.set(h.productLine, weeks);
    }
    weeks.set(week, (weeks.get(week) ?? 0) + h.hours);
  }
  const out: LaborSpike[] = [];
  for (const [productLine, weeks] of byLine) {
    const firstWeek = Math.min(...weeks.keys());
    const series: number[] = [];
    for (let w = firstWeek; w <= lastWeek; w += 7) series.push(weeks.get(w) ?? 0);
    for (let i = trailing; i < series.length; i++) {
      const value = series[i] as number;
      const median = medianOfWindow(series.slice(i - trailing, i)) ?? 0;
      if (value > factor * median && value >= minHours && value > 0) {
        out.push({
          productLine,
          week: dayFromEpoch(firstWeek + 7 * i),
          hours: value,
          median,
          ratio: median > 0 ? value / median : null,
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      (a.week < b.week ? -1 : a.week > b.week ? 1 : 0) ||
      (a.productLine === b.productLine
        ? 0
        : a.productLine === null
          ? 1
          : b.productLine === null
            ? -1
            : a.productLine < b.productLine
              ? -1
              : 1),
  );
}
