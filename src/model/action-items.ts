import { DateTime } from 'luxon';
import { type Day, daysBetween } from '../lib/dates.ts';
import { median } from './stats.ts';

/**
 * The action log's rules, pure: an item's status on a day, which reminder (if any) is due on a
 * day, and the KPIs (completion rate, median days to close, overdue count per team). Days are
 * `YYYY-MM-DD` in config.timezone; the caller supplies "today".
 */

export type ActionStatus = 'done' | 'open' | 'overdue';

export interface ActionItemState {
  status: 'open' | 'done';
  dueDate: Day;
  createdAt: Date;
  closedAt: Date | null;
  productLine: string | null;
}

/** Overdue = still open after its due day; an item due today is not overdue yet. */
export function actionStatusOn(item: Pick<ActionItemState, 'status' | 'dueDate'>, today: Day): ActionStatus {
  if (item.status === 'done') return 'done';
  return item.dueDate < today ? 'overdue' : 'open';
}

/** Days an open item is overdue on `today` (0 when it is not). */
export function daysOverdue(dueDate: Day, today: Day): number {
  return Math.max(0, daysBetween(dueDate, today));
}

// ── reminders ───────────────────────────────────────────────────────────────

/** The owner hears about an item this many days before it is due… */
export const REMINDER_DAYS_BEFORE_DUE = 2;
/** …on the due day, and then every this many days while it stays overdue. */
export const OVERDUE_REMINDER_EVERY_DAYS = 3;

export type ReminderKind = 'due-soon' | 'due-today' | 'overdue';

export interface ReminderDue {
  kind: ReminderKind;
  /** due-soon: days until due (2); due-today: 0; overdue: days past due (3, 6, 9…). */
  days: number;
}

/** Saturday or Sunday (ISO weekday 6 or 7). */
export function isWeekend(day: Day): boolean {
  return DateTime.fromISO(day, { zone: 'utc' }).weekday >= 6;
}

/**
 * The reminder an open item gets on `today`, if any: two days before due, on the due day, and
 * every three days while overdue. Never on a weekend: a reminder day that falls on a Saturday or
 * Sunday is skipped, not moved (moving it would bunch reminders on Mondays), so the owner hears
 * about the item on the next regular reminder day instead.
 */
export function reminderDueOn(dueDate: Day, today: Day): ReminderDue | null {
  if (isWeekend(today)) return null;
  const until = daysBetween(today, dueDate);
  if (until === REMINDER_DAYS_BEFORE_DUE) return { kind: 'due-soon', days: until };
  if (until === 0) return { kind: 'due-today', days: 0 };
  if (until < 0 && -until % OVERDUE_REMINDER_EVERY_DAYS === 0) return { kind: 'overdue', days: -until };
  return null;
}

// ── the review's look back ───────────────────────────────────────────────────

/**
 * done / open / overdue as the review shows it, as of `today`; carried over = still open and
 * raised before the reviewed month began (it stays visible until it is closed).
 */
export function reviewStatusOf(
  item: Pick<ActionItemState, 'status' | 'dueDate' | 'createdAt'>,
  today: Day,
  monthStart: Date,
): { status: ActionStatus; carriedOver: boolean } {
  const status = actionStatusOn(item, today);
  return { status, carriedOver: status !== 'done' && item.createdAt.getTime() < monthStart.getTime() };
}

// ── KPIs ────────────────────────────────────────────────────────────────────

export interface TeamActionKpis {
  /** Team id; null for items without a product line (or one the config no longer knows). */
  team: string | null;
  /** Items in the period. */
  items: number;
  done: number;
  /** done / items × 100, one decimal; null without items. */
  completionRatePct: number | null;
  /** Median of (closed − created) over the period's done items, in days, one decimal. */
  medianDaysToClose: number | null;
  /** Open items past their due day as of today (whenever they were raised). */
  overdue: number;
}

export interface ActionKpis {
  /** One row per team that has items or overdue items, in `teamOrder`, then the null team. */
  teams: TeamActionKpis[];
  total: TeamActionKpis;
}

const DAY_MS = 86_400_000;

const round1 = (v: number): number => Math.round(v * 10) / 10;

function kpisOf(team: string | null, period: readonly ActionItemState[], overdue: number): TeamActionKpis {
  const done = period.filter((i) => i.status === 'done');
  const days = done.flatMap((i) =>
    i.closedAt ? [Math.max(0, (i.closedAt.getTime() - i.createdAt.getTime()) / DAY_MS)] : [],
  );
  const m = median(days);
  return {
    team,
    items: period.length,
    done: done.length,
    completionRatePct: period.length === 0 ? null : round1((done.length / period.length) * 100),
    medianDaysToClose: m === null ? null : round1(m),
    overdue,
  };
}

/**
 * KPIs per team: completion rate and median days to close over `period` (the items raised in
 * the period), overdue count over `open` (every item open today). `teamOf` maps a product line to
 * its team (null when none).
 */
export function actionKpisOf(
  period: readonly ActionItemState[],
  open: readonly ActionItemState[],
  today: Day,
  teamOf: (productLine: string | null) => string | null,
  teamOrder: readonly string[],
): ActionKpis {
  const byTeam = new Map<string | null, ActionItemState[]>();
  const overdueByTeam = new Map<string | null, number>();
  for (const i of period) {
    const t = teamOf(i.productLine);
    byTeam.set(t, [...(byTeam.get(t) ?? []), i]);
  }
  let overdueTotal = 0;
  for (const i of open) {
    if (actionStatusOn(i, today) !== 'overdue') continue;
    const t = teamOf(i.productLine);
    overdueByTeam.set(t, (overdueByTeam.get(t) ?? 0) + 1);
    overdueTotal++;
  }
  const keys: Array<string | null> = [
    ...teamOrder.filter((t) => byTeam.has(t) || overdueByTeam.has(t)),
    ...[...new Set([...byTeam.keys(), ...overdueByTeam.keys()])]
      .filter((t): t is string => t !== null && !teamOrder.includes(t))
      .sort(),
    ...(byTeam.has(null) || overdueByTeam.has(null) ? [null] : []),
  ];
  return {
    teams: keys.map((t) => kpisOf(t, byTeam.get(t) ?? [], overdueByTeam.get(t) ?? 0)),
    total: kpisOf(null, period, overdueTotal),
  };
}
