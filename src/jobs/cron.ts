import { DateTime } from 'luxon';
import cron, { type ParsedFields } from 'node-cron';

/**
 * Cron expressions as node-cron 4 reads them, in a time zone.
 *
 * node-cron ANDs day-of-month with day-of-week: `0 9 1 * 1` fires only on a 1st that is also a
 * Monday (next: 2027-02-01, 2027-03-01, 2027-11-01), where standard cron fires on every 1st and
 * every Monday. `describeCron` says so whenever both fields are restricted, and next/previous run
 * times are computed with node-cron's own matcher so `finops jobs list` shows what will really happen.
 */

export interface CronCheck {
  /** One line per problem, empty when the expression is valid. */
  errors: string[];
  /** Set when both day-of-month and day-of-week are restricted (node-cron requires both). */
  andNote: string | undefined;
}

export function checkCron(expr: string): CronCheck {
  const detailed = cron.validateDetailed(expr);
  if (!detailed.valid || !detailed.fields) {
    const errors = detailed.errors.map((e) => `${e.field}: ${e.message}`);
    return {
      errors: errors.length > 0 ? errors : [`invalid cron expression ${JSON.stringify(expr)}`],
      andNote: undefined,
    };
  }
  return { errors: [], andNote: andNote(expr, detailed.fields) };
}

function andNote(expr: string, fields: ParsedFields): string | undefined {
  const domAll = fields.dayOfMonth.length === 31 && fields.dayOfMonth.every((d) => typeof d === 'number');
  const dows = new Set(fields.dayOfWeek.map((d) => (typeof d === 'number' ? d % 7 : d)));
  const dowAll = dows.size === 7 && [...dows].every((d) => typeof d === 'number');
  if (domAll || dowAll) return undefined;
  return `"${expr}" runs only on days matching BOTH its day-of-month and its day-of-week (node-cron ANDs them; standard cron ORs them)`;
}

/** The slots are searched this far ahead or back: `0 0 29 2 1` (a 29 February that is a Monday) recurs within 28 years. */
const SEARCH_DAYS = 366 * 30;

/** The next `count` fire times strictly after `from`, as node-cron would fire them in `timezone`. */
export function nextRuns(expr: string, timezone: string, from: Date, count = 1): Date[] {
  return withWalker(expr, timezone, (step) => {
    const out: Date[] = [];
    let cursor: Date | undefined = from;
    while (out.length < count && cursor) {
      cursor = step(cursor, 1);
      if (cursor) out.push(cursor);
    }
    return out;
  });
}

export function nextRun(expr: string, timezone: string, from: Date): Date | undefined {
  return nextRuns(expr, timezone, from, 1)[0];
}

/** The latest fire time at or before `at` (the tick a run "as of" `at` belongs to). */
export function previousRun(expr: string, timezone: string, at: Date): Date | undefined {
  // Ticks fall on whole seconds: the walk starts one second later and goes strictly backwards.
  return withWalker(expr, timezone, (step) =>
    step(new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000), -1),
  );
}

type Step = (from: Date, dir: 1 | -1) => Date | undefined;

/**
 * Walks local days and the expression's (hour, minute, second) tuples the way node-cron's own walker
 * does, so the times agree with what the running task fires: node-cron's `match` decides; a wall
 * time that occurs twice (autumn fall-back) fires once, at its later instant; a wall time that does
 * not exist (spring gap) is shifted forward and fires only if the shifted time matches too; on the
 * first day only wall times after `from`'s wall time count.
 */
function withWalker<T>(expr: string, timezone: string, use: (step: Step) => T): T {
  const fields = cron.parse(expr);
  const task = cron.createTask(expr, () => undefined, { timezone });
  const times: [number, number, number][] = [];
  for (const h of fields.hour)
    for (const m of fields.minute) for (const s of fields.second) times.push([h, m, s]);
  times.sort((a, b) => secondsOfDay(a) - secondsOfDay(b));
  const months = new Set(fields.month);
  const step: Step = (from, dir) => {
    const ordered = dir === 1 ? times : [...times].reverse();
    const first = ordered[0];
    if (!first) return undefined;
    const fromMs = Math.floor(from.getTime() / 1000) * 1000;
    const start = DateTime.fromMillis(fromMs, { zone: timezone });
    const fromSec = start.hour * 3600 + start.minute * 60 + start.second;
    for (let i = 0; i < SEARCH_DAYS; i++) {
      const day = start.startOf('day').plus({ days: dir * i });
      if (!months.has(day.month)) continue;
      // One match at the day's first time rules out days, months and weekdays that never match
      // (unless that time fell in a DST gap and was shifted to another hour).
      const probe = wallTime(day, first);
      if (!probe.shifted && !task.match(probe.at)) continue;
      for (const t of ordered) {
        if (i === 0 && dir * (secondsOfDay(t) - fromSec) <= 0) continue;
        const { at } = wallTime(day, t);
        if (dir * (at.getTime() - fromMs) > 0 && task.match(at)) return at;
      }
    }
    return undefined;
  };
  try {
    return use(step);
  } finally {
    void task.destroy();
  }
}

function secondsOfDay([h, m, s]: [number, number, number]): number {
  return h * 3600 + m * 60 + s;
}

/** A wall time on `day` as an instant: the later one when it occurs twice, shifted forward in a gap. */
function wallTime(
  day: DateTime,
  [hour, minute, second]: [number, number, number],
): { at: Date; shifted: boolean } {
  const dt = day.set({ hour, minute, second, millisecond: 0 });
  const shifted = dt.hour !== hour || dt.minute !== minute;
  const later = DateTime.fromMillis(dt.toMillis() + 3_600_000, { zone: day.zone });
  const twice = !shifted && later.hour === hour && later.minute === minute && later.day === dt.day;
  return { at: (twice ? later : dt).toJSDate(), shifted };
}
