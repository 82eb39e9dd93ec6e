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
  return walk(expr, timezone, from, count, 1);
}

export function nextRun(expr: string, timezone: string, from: Date): Date | undefined {
  return nextRuns(expr, timezone, from, 1)[0];
}

/** The latest fire time at or before `at` (the tick a run "as of" `at` belongs to). */
export function previousRun(expr: string, timezone: string, at: Date): Date | undefined {
  return walk(expr, timezone, new Date(at.getTime() + 1), 1, -1)[0];
}

/** Walks local days and the expression's (hour, minute, second) tuples; node-cron's `match` decides. */
function walk(expr: string, timezone: string, from: Date, count: number, dir: 1 | -1): Date[] {
  const fields = cron.parse(expr);
  const task = cron.createTask(expr, () => undefined, { timezone });
  try {
    const times: [number, number, number][] = [];
    for (const h of fields.hour)
      for (const m of fields.minute) for (const s of fields.second) times.push([h, m, s]);
    times.sort((a, b) => dir * (a[0] * 3600 + a[1] * 60 + a[2] - (b[0] * 3600 + b[1] * 60 + b[2])));
    const first = times[0];
    if (!first) return [];
    const start = DateTime.fromJSDate(from, { zone: timezone });
    const fromSec = start.hour * 3600 + start.minute * 60 + start.second;
    // Skipping earlier wall times of the first day is only safe when the day has no DST change.
    const steadyFirstDay = start.startOf('day').offset === start.endOf('day').offset;
    const out: Date[] = [];
    for (let i = 0; i < SEARCH_DAYS && out.length < count; i++) {
      const day = start.startOf('day').plus({ days: dir * i });
      // One match at the first time of the day rules out days, months and weekdays that never match.
      const probe = atLocal(day, first);
      if (probe && !task.match(probe.toJSDate())) continue;
      for (const t of times) {
        const sec = t[0] * 3600 + t[1] * 60 + t[2];
        if (i === 0 && steadyFirstDay && dir * (sec - fromSec) < -1) continue;
        for (const instant of instantsOf(day, t, timezone)) {
          const ms = instant.getTime();
          if (dir * (ms - from.getTime()) <= 0 || !task.match(instant)) continue;
          if (out.some((o) => o.getTime() === ms)) continue;
          out.push(instant);
        }
        if (out.length >= count) break;
      }
    }
    return out.sort((a, b) => dir * (a.getTime() - b.getTime())).slice(0, count);
  } finally {
    void task.destroy();
  }
}

/** The local wall time on `day`, or undefined when it does not exist (spring-forward gap). */
function atLocal(day: DateTime, [hour, minute, second]: [number, number, number]): DateTime | undefined {
  const dt = day.set({ hour, minute, second, millisecond: 0 });
  return dt.hour === hour && dt.minute === minute ? dt : undefined;
}

/** Both instants of a wall time that occurs twice (autumn fall-back), in time order. */
function instantsOf(day: DateTime, t: [number, number, number], timezone: string): Date[] {
  const dt = atLocal(day, t);
  if (!dt) return [];
  const out = [dt.toJSDate()];
  for (const shift of [-1, 1]) {
    const other = DateTime.fromMillis(dt.toMillis() + shift * 3_600_000, { zone: timezone });
    if (other.hour === dt.hour && other.minute === dt.minute && other.day === dt.day)
      out.push(other.toJSDate());
  }
  return out.sort((a, b) => a.getTime() - b.getTime());
}
