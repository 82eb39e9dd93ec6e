import { DateTime } from 'luxon';
import type { Calendar } from './calendar.ts';
import type { PeopleIndex, Person } from './people.ts';
import type { IncidentInput, LogEntryInput } from './types.ts';

/**
 * Responder intervals of PagerDuty incidents (SPEC §4 "Incidents"). Pure: the clock comes in as
 * `asOf`, the end of an interval of an incident still open.
 *
 * - A responder is the agent of an `acknowledge_log_entry` or `annotate_log_entry` (when that
 *   agent is a user), or an assignee of an `assign_log_entry`.
 * - Their interval runs from their first such entry to the incident's resolve entry (the
 *   incident's `resolved_at` when the log has no resolve entry; `asOf` while still open), or to
 *   the moment they were reassigned away. PagerDuty has no "reassign" entry: an assign, escalate
 *   or delegate entry hands the incident to its `assignees`, and the users who held it before
 *   and not after are the entry's `unassignedIds` (derived at ingestion from the incident's
 *   whole log). A responder who later responds again starts a new interval from that entry.
 * - A responder's intervals on one incident total at most `incident_cap_hours`; later time is cut.
 * - Entries at or after the resolve do not make anyone a responder (a note written after the
 *   fact is not incident response).
 */
export interface ResponderInterval {
  incidentId: string;
  serviceId: string;
  /** PagerDuty user id. */
  userId: string;
  start: Date;
  end: Date;
}

export interface ResponderOptions {
  capHours: number;
  /** Open incidents run up to this instant (the moment the snapshot is computed). */
  asOf: Date;
}

const RESPONDS_AS_AGENT = new Set(['acknowledge_log_entry', 'annotate_log_entry']);
const ASSIGNS = 'assign_log_entry';
const RESOLVES = 'resolve_log_entry';

/** Agents of type `user` / `user_reference` (or of unknown type) are people; services and integrations are not. */
function isUserAgent(agentType: string | null): boolean {
  return agentType === null || agentType === 'user' || agentType === 'user_reference';
}

export function computeResponderIntervals(
  incidents: readonly IncidentInput[],
  logEntries: readonly LogEntryInput[],
  opts: ResponderOptions,
): ResponderInterval[] {
  const capMs = opts.capHours * 3_600_000;
  const asOf = opts.asOf.getTime();
  const byIncident = new Map<string, LogEntryInput[]>();
  for (const e of logEntries) {
    const list = byIncident.get(e.incidentId);
    if (list) list.push(e);
    else byIncident.set(e.incidentId, [e]);
  }
  const sortedIncidents = [...incidents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: ResponderInterval[] = [];
  for (const inc of sortedIncidents) {
    const entries = (byIncident.get(inc.id) ?? [])
      .slice()
      .sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
    const resolveEntry = entries.find((e) => e.type === RESOLVES);
    const resolvedAt = resolveEntry?.createdAt.getTime() ?? inc.resolvedAt?.getTime() ?? null;
    const end = Math.min(resolvedAt ?? asOf, asOf);

    const active = new Map<string, number>(); // user → start of the current interval
    const stints = new Map<string, Array<[number, number]>>();
    const close = (user: string, at: number) => {
      const start = active.get(user);
      if (start === undefined) return;
      active.delete(user);
      const list = stints.get(user) ?? [];
      list.push([start, at]);
      stints.set(user, list);
    };
    const open = (user: string, at: number) => {
      if (!active.has(user)) active.set(user, at);
    };

    for (const e of entries) {
      const at = e.createdAt.getTime();
      if (at >= end) break;
      for (const u of e.unassignedIds) close(u, at);
      if (RESPONDS_AS_AGENT.has(e.type)) {
        if (e.agentId !== null && isUserAgent(e.agentType)) open(e.agentId, at);
      } else if (e.type === ASSIGNS) {
        for (const u of e.assigneeIds) open(u, at);
      }
    }
    for (const u of [...active.keys()]) close(u, end);

    for (const user of [...stints.keys()].sort()) {
      let left = capMs;
      for (const [s, e] of stints.get(user)!) {
        const stop = Math.min(e, s + left);
        if (stop <= s) continue;
        left -= stop - s;
        out.push({
          incidentId: inc.id,
          serviceId: inc.serviceId,
          userId: user,
          start: new Date(s),
          end: new Date(stop),
        });
      }
    }
  }
  return out;
}

export interface IntervalPart {
  /** `YYYY-MM` in the time zone. */
  month: string;
  start: Date;
  end: Date;
  minutes: number;
}

/** Splits [start, end) at month boundaries in `timezone` (DST-aware: boundaries are local midnights). */
export function splitAtMonthBoundaries(start: Date, end: Date, timezone: string): IntervalPart[] {
  const parts: IntervalPart[] = [];
  let s = start.getTime();
  const e = end.getTime();
  while (s < e) {
    const local = DateTime.fromMillis(s, { zone: timezone });
    const next = local.startOf('month').plus({ months: 1 }).toMillis();
    const stop = Math.min(next, e);
    parts.push({
      month: local.toFormat('yyyy-MM'),
      start: new Date(s),
      end: new Date(stop),
      minutes: (stop - s) / 60_000,
    });
    s = stop;
  }
  return parts;
}

/** Responder intervals grouped by the person behind the PagerDuty user (config.people by email). */
export function groupIntervalsByPerson(
  intervals: readonly ResponderInterval[],
  people: PeopleIndex,
): Map<string, { person: Person; list: ResponderInterval[] }> {
  const out = new Map<string, { person: Person; list: ResponderInterval[] }>();
  for (const iv of intervals) {
    const person = people.pagerduty(iv.userId);
    const entry = out.get(person.key);
    if (entry) entry.list.push(iv);
    else out.set(person.key, { person, list: [iv] });
  }
  return out;
}

/**
 * One person's incident time (SPEC §4 "One hour is counted once"): a person on several incidents
 * at once spends each minute once, split evenly between the intervals live in it. Calls `visit`
 * for each interval's minutes of each local day (the calendar's time zone) within [fromMs, toMs),
 * and returns the union of the person's intervals (their whole incident time, for the overlap
 * with their sessions). The effort model and the labour-spike feed both count incident hours
 * through this one function, so they always agree.
 */
export function personIncidentTime(
  intervals: readonly ResponderInterval[],
  calendar: Calendar,
  fromMs: number,
  toMs: number,
  visit: (iv: ResponderInterval, day: string, minutes: number) => void,
): Array<[number, number]> {
  const union: Array<[number, number]> = [];
  const cuts = [...new Set(intervals.flatMap((iv) => [iv.start.getTime(), iv.end.getTime()]))].sort(
    (a, b) => a - b,
  );
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const live = intervals.filter((iv) => iv.start.getTime() <= a && iv.end.getTime() >= b);
    if (live.length === 0) continue;
    const last = union[union.length - 1];
    if (last && last[1] === a) last[1] = b;
    else union.push([a, b]);
    if (b <= fromMs || a >= toMs) continue;
    // Split at local midnights: the day picks the rate card, the month (or week) is the day's.
    for (let s = a; s < b; ) {
      const stop = Math.min(b, calendar.nextMidnight(s));
      if (s >= fromMs && s < toMs) {
        const day = calendar.dayOf(s);
        for (const iv of live) visit(iv, day, (stop - s) / 60_000 / live.length);
      }
      s = stop;
    }
  }
  return union;
}
