import { DateTime } from 'luxon';
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
