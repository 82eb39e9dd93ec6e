import { DateTime } from 'luxon';
import { addDays, type Day, daysBetween } from '../../lib/dates.ts';
import type { Rng } from './random.ts';

const MINUTE = 60_000;
/** A short pause between two blocks of work, so sessions read like a person's day. */
const BREAK_MINUTES = 10;

/** The days of the demo with their local-noon instant (DST-safe conversion of local working time). */
export class DemoDays {
  readonly days: Day[];
  readonly weekend: boolean[];
  private readonly noonMs: number[];
  private readonly startMs: number[];

  constructor(
    readonly first: Day,
    readonly last: Day,
    readonly timezone: string,
  ) {
    const n = daysBetween(first, last) + 1;
    this.days = Array.from({ length: n }, (_, i) => addDays(first, i));
    this.noonMs = [];
    this.startMs = [];
    this.weekend = [];
    for (const d of this.days) {
      const local = DateTime.fromISO(d, { zone: timezone });
      this.startMs.push(local.startOf('day').toMillis());
      this.noonMs.push(local.set({ hour: 12 }).toMillis());
      this.weekend.push(local.weekday >= 6);
    }
  }

  get length(): number {
    return this.days.length;
  }

  /** UTC ms of a local minute-of-day (valid from 03:00 on, which is all working time needs). */
  at(dayIndex: number, minuteOfDay: number): number {
    return (this.noonMs[dayIndex] as number) + (minuteOfDay - 720) * MINUTE;
  }

  /** Index of the local day containing `ms`, or -1 / length when outside. */
  indexOf(ms: number): number {
    if (ms < (this.startMs[0] as number)) return -1;
    let lo = 0;
    let hi = this.startMs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.startMs[mid] as number) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  minuteOf(dayIndex: number, ms: number): number {
    return Math.floor((ms - (this.noonMs[dayIndex] as number)) / MINUTE) + 720;
  }

  /** End of the last day, UTC ms. */
  endMs(): number {
    return DateTime.fromISO(this.last, { zone: this.timezone }).plus({ days: 1 }).startOf('day').toMillis();
  }
}

/**
 * One engineer's working time: weekdays, a personal start time between 08:00 and 10:00, a lunch
 * break, a daily stand-up and a few meetings, a vacation or two. `place` finds the first free
 * slot for a block of work, so the blocks of several pull requests never overlap.
 */
export class WorkCalendar {
  /** Per day: [morning start, lunch start, lunch end, day end] in local minutes, or null (off). */
  private readonly windows: Array<[number, number, number, number] | null>;
  /** Per day: busy intervals [start, end) in local minutes, sorted. */
  private readonly busy: Array<Array<[number, number]>>;

  constructor(
    private readonly days: DemoDays,
    rng: Rng,
    opts: { standupMinute: number; vacationDays: Set<number> },
  ) {
    const start = 480 + 15 * rng.int(0, 8);
    const lunch = start + 210 + 15 * rng.int(0, 2);
    const end = start + 540 + 15 * rng.int(-1, 2);
    this.windows = [];
    this.busy = [];
    for (let i = 0; i < days.length; i++) {
      const off = days.weekend[i] || opts.vacationDays.has(i);
      this.windows.push(off ? null : [start, lunch, lunch + 60, end]);
      const meetings: Array<[number, number]> = [];
      if (!off) {
        meetings.push([opts.standupMinute, opts.standupMinute + 15]);
        const n = rng.int(0, 2);
        for (let k = 0; k < n; k++) {
          const s = rng.chance(0.5) ? rng.int(start + 60, lunch - 60) : rng.int(lunch + 60, end - 90);
          const m = 15 * Math.round(s / 15);
          meetings.push([m, m + 30 * rng.int(1, 2)]);
        }
      }
      meetings.sort((a, b) => a[0] - b[0]);
      this.busy.push(meetings);
    }
  }

  isWorking(dayIndex: number): boolean {
    return this.windows[dayIndex] != null;
  }

  /**
   * The start (UTC ms) of the first free block of `minutes` at or after `earliestMs` within
   * working time, marked busy; null when none is left before the end of the demo.
   */
  place(earliestMs: number, minutes: number): number | null {
    let day = Math.max(0, this.days.indexOf(earliestMs));
    let from = earliestMs < this.days.at(day, 0) ? 0 : this.days.minuteOf(day, earliestMs);
    for (; day < this.days.length; day++, from = 0) {
      const w = this.windows[day];
      if (!w) continue;
      const [s, l1, l2, e] = w;
      for (const [ws, we] of [
        [s, l1],
        [l2, e],
      ] as const) {
        const len = Math.min(minutes, we - ws);
        const slot = this.fit(day, Math.max(ws, from), we, len);
        if (slot !== null) {
          this.mark(day, slot, slot + len);
          return this.days.at(day, slot);
        }
      }
    }
    return null;
  }

  private fit(day: number, from: number, until: number, len: number): number | null {
    let cand = from;
    for (const [bs, be] of this.busy[day] as Array<[number, number]>) {
      if (be + BREAK_MINUTES <= cand) continue;
      if (bs >= cand + len + BREAK_MINUTES) break;
      cand = be + BREAK_MINUTES;
    }
    return cand + len <= until ? cand : null;
  }

  private mark(day: number, s: number, e: number): void {
    const list = this.busy[day] as Array<[number, number]>;
    let i = 0;
    while (i < list.length && (list[i] as [number, number])[0] < s) i++;
    list.splice(i, 0, [s, e]);
  }
}
