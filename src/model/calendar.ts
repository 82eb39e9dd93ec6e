import { DateTime } from 'luxon';

/**
 * Calendar days in a time zone for a range of instants, precomputed once so that the model can
 * place hundreds of thousands of events in their day and month without a time-zone conversion
 * each (DST days are 23 or 25 hours long; the table knows). Instants outside the range fall back
 * to luxon.
 */
export interface Calendar {
  /** `YYYY-MM-DD` of an instant (ms) in the time zone. */
  dayOf(ms: number): string;
  /** The first midnight after an instant (ms), in the time zone. */
  nextMidnight(ms: number): number;
}

export function createCalendar(timezone: string, fromMs: number, toMs: number): Calendar {
  const starts: number[] = [];
  const labels: string[] = [];
  let d = DateTime.fromMillis(fromMs, { zone: timezone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(toMs, { zone: timezone }).startOf('day').plus({ days: 2 });
  while (d <= last) {
    starts.push(d.toMillis());
    labels.push(d.toFormat('yyyy-MM-dd'));
    d = d.plus({ days: 1 });
  }
  const first = starts[0]!;
  const end = starts[starts.length - 1]!;
  // Index of the day containing ms (starts[i] <= ms < starts[i+1]).
  const find = (ms: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    dayOf(ms) {
      if (ms < first || ms >= end) return DateTime.fromMillis(ms, { zone: timezone }).toFormat('yyyy-MM-dd');
      return labels[find(ms)]!;
    },
    nextMidnight(ms) {
      if (ms < first || ms >= end) {
        return DateTime.fromMillis(ms, { zone: timezone }).startOf('day').plus({ days: 1 }).toMillis();
      }
      return starts[find(ms) + 1]!;
    },
  };
}
