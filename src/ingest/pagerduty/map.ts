import { FinopsError } from '../../lib/errors.ts';
import type { PdIncidentPayload, PdLogEntryPayload, PdReference, PdUserPayload } from './payloads.ts';

/**
 * Pure mapping from PagerDuty payloads to the rows of pd_incident, pd_log_entry and pd_user.
 * No I/O, no clock. Every timestamp becomes a UTC instant whatever offset PagerDuty rendered it
 * with (`Z`, `+00:00`, `-07:00`…); a timestamp without an offset is refused rather than guessed.
 */

export interface PdIncidentRow {
  id: string;
  number: number | null;
  serviceId: string;
  title: string;
  status: string;
  urgency: string | null;
  /** The priority's name (`P1`…), or null when the account has no priorities. */
  priority: string | null;
  createdAt: Date;
  updatedAt: Date | null;
  resolvedAt: Date | null;
}

/**
 * One stored log entry. What each column means, for the responder intervals (SPEC §4):
 * - `type`: PagerDuty's own type, unchanged (`acknowledge_log_entry`, `assign_log_entry`,
 *   `escalate_log_entry`, `delegate_log_entry`, `annotate_log_entry`, `resolve_log_entry`,
 *   `trigger_log_entry`, `unacknowledge_log_entry`, `snooze_log_entry`). PagerDuty has no
 *   reassign type: a reassignment is an assign, escalate or delegate entry (see `unassignedIds`).
 * - `agentId`/`agentType`: who or what did it (`user_reference`, `service_reference`,
 *   `integration_reference`…). For an acknowledge or annotate entry the responder is the agent.
 * - `assigneeIds`: for assign, escalate and delegate entries, the users who hold the incident
 *   after the entry (PagerDuty's `assignees`, users only, in payload order); `[]` for others.
 * - `unassignedIds`: for assign, escalate and delegate entries, the users who held the incident
 *   just before the entry and not after it, i.e. who were reassigned away at `createdAt`. Derived
 *   by `deriveUnassigned` from the incident's whole log; `[]` for every other type.
 */
export interface PdLogEntryRow {
  id: string;
  incidentId: string;
  type: string;
  agentId: string | null;
  agentType: string | null;
  assigneeIds: string[];
  unassignedIds: string[];
  createdAt: Date;
  summary: string | null;
}

export interface PdUserRow {
  id: string;
  email: string | null;
  name: string | null;
}

/** The log entry types kept. `notify_log_entry` (one per page sent) and the rest say nothing about who worked. */
export const STORED_LOG_ENTRY_TYPES = [
  'trigger_log_entry',
  'acknowledge_log_entry',
  'unacknowledge_log_entry',
  'assign_log_entry',
  'escalate_log_entry',
  'delegate_log_entry',
  'annotate_log_entry',
  'resolve_log_entry',
  'snooze_log_entry',
] as const;

/** Entries after which the incident's assignees are exactly the entry's `assignees`. */
export const ASSIGNMENT_LOG_ENTRY_TYPES: readonly string[] = [
  'assign_log_entry',
  'escalate_log_entry',
  'delegate_log_entry',
];

const STORED: ReadonlySet<string> = new Set(STORED_LOG_ENTRY_TYPES);
const ASSIGNMENT: ReadonlySet<string> = new Set(ASSIGNMENT_LOG_ENTRY_TYPES);

const INSTANT_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/i;

function payloadError(where: string, what: string): FinopsError {
  return new FinopsError('pagerduty_payload', `unexpected PagerDuty payload at ${where}: ${what}`);
}

/** `2018-08-09T14:40:48-07:00` → the instant 2018-08-09T21:40:48Z. */
export function parseInstant(value: unknown, where: string): Date {
  const m = typeof value === 'string' ? INSTANT_RE.exec(value.trim()) : null;
  if (!m) throw payloadError(where, `expected a timestamp with an offset, got ${JSON.stringify(value)}`);
  const zone = m[2]!.toUpperCase() === 'Z' ? 'Z' : m[2]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const d = new Date(`${m[1]}${zone}`);
  if (Number.isNaN(d.getTime())) throw payloadError(where, `not a valid time ${JSON.stringify(value)}`);
  return d;
}

function optionalInstant(value: unknown, where: string): Date | null {
  return value === null || value === undefined || value === '' ? null : parseInstant(value, where);
}

function requiredId(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw payloadError(where, 'missing id');
  return value;
}

export function isUserReference(ref: PdReference | null | undefined): boolean {
  return isUserType(ref?.type ?? null);
}

/**
 * An incident row. `resolvedAt` is PagerDuty's `resolved_at`; older payloads lack it, so a
 * resolved incident without it takes the time of its last resolve log entry.
 */
export function mapIncident(
  p: PdIncidentPayload,
  where: string,
  logEntries: readonly PdLogEntryRow[] = [],
): PdIncidentRow {
  const id = requiredId(p.id, `${where}.id`);
  const serviceId = requiredId(p.service?.id, `${where}.service.id`);
  if (typeof p.status !== 'string' || p.status === '')
    throw payloadError(`${where}.status`, 'missing status');
  let resolvedAt = optionalInstant(p.resolved_at, `${where}.resolved_at`);
  if (resolvedAt === null && p.status === 'resolved') {
    const resolves = logEntries.filter((e) => e.type === 'resolve_log_entry');
    resolvedAt = resolves.length > 0 ? resolves[resolves.length - 1]!.createdAt : null;
  }
  return {
    id,
    number: typeof p.incident_number === 'number' ? p.incident_number : null,
    serviceId,
    title: p.title ?? p.summary ?? '',
    status: p.status,
    urgency: p.urgency ?? null,
    priority: p.priority?.summary ?? null,
    createdAt: parseInstant(p.created_at, `${where}.created_at`),
    updatedAt: optionalInstant(p.updated_at, `${where}.updated_at`),
    resolvedAt,
  };
}

/**
 * The stored log entries of one incident, in time order (ties by id), with `unassignedIds`
 * derived. Entry types outside STORED_LOG_ENTRY_TYPES are dropped.
 */
export function mapLogEntries(
  payloads: readonly PdLogEntryPayload[],
  incidentId: string,
  where: string,
): PdLogEntryRow[] {
  const rows: PdLogEntryRow[] = [];
  const seen = new Set<string>();
  payloads.forEach((p, i) => {
    const at = `${where}[${i}]`;
    if (typeof p.type !== 'string' || !STORED.has(p.type)) return;
    const id = requiredId(p.id, `${at}.id`);
    // Pages read by offset can overlap when entries arrive between two requests.
    if (seen.has(id)) return;
    seen.add(id);
    rows.push({
      id,
      incidentId,
      type: p.type,
      agentId: p.agent?.id ?? null,
      agentType: p.agent?.type ?? null,
      assigneeIds: ASSIGNMENT.has(p.type) ? userIds(p.assignees) : [],
      unassignedIds: [],
      createdAt: parseInstant(p.created_at, `${at}.created_at`),
      summary: p.summary ?? null,
    });
  });
  rows.sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return deriveUnassigned(rows);
}

function userIds(refs: readonly PdReference[] | null | undefined): string[] {
  const ids: string[] = [];
  for (const r of refs ?? []) {
    if (isUserReference(r) && typeof r.id === 'string' && r.id !== '' && !ids.includes(r.id)) ids.push(r.id);
  }
  return ids;
}

/**
 * Replays who holds one incident (rows in time order): before the first entry nobody does;
 * after an assign, escalate or delegate entry exactly its assignees do; a user who acknowledges
 * holds it from then on too (PagerDuty assigns an incident to whoever acknowledges it, and the
 * first assignment by the escalation policy is not always in the log); a resolve entry releases
 * everyone, and lists nobody because the resolve itself ends every interval.
 */
export function deriveUnassigned(rows: readonly PdLogEntryRow[]): PdLogEntryRow[] {
  let holders: string[] = [];
  return rows.map((row) => {
    if (ASSIGNMENT.has(row.type)) {
      const unassignedIds = holders.filter((h) => !row.assigneeIds.includes(h));
      holders = row.assigneeIds;
      return { ...row, unassignedIds };
    }
    if (row.type === 'acknowledge_log_entry' && row.agentId !== null && isUserType(row.agentType)) {
      if (!holders.includes(row.agentId)) holders = [...holders, row.agentId];
    }
    if (row.type === 'resolve_log_entry') holders = [];
    return { ...row, unassignedIds: [] };
  });
}

function isUserType(type: string | null): boolean {
  return type === 'user_reference' || type === 'user';
}

export function mapUser(p: PdUserPayload, where: string): PdUserRow {
  const email = typeof p.email === 'string' && p.email.trim() !== '' ? p.email.trim() : null;
  return { id: requiredId(p.id, `${where}.id`), email, name: p.name ?? p.summary ?? null };
}

/**
 * Responders as SPEC §4 names them: the assignees of assign entries and the agents of
 * acknowledge and annotate entries, when those are users.
 */
export function responderIds(rows: readonly PdLogEntryRow[]): string[] {
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.type === 'assign_log_entry') for (const a of r.assigneeIds) ids.add(a);
    if ((r.type === 'acknowledge_log_entry' || r.type === 'annotate_log_entry') && r.agentId !== null) {
      if (isUserType(r.agentType)) ids.add(r.agentId);
    }
  }
  return [...ids].sort();
}

/** Every user a log entry names (agent or assignee), with the name PagerDuty showed for them. */
export function referencedUsers(payloads: readonly PdLogEntryPayload[]): PdUserRow[] {
  const users = new Map<string, PdUserRow>();
  const add = (ref: PdReference | null | undefined) => {
    if (!isUserReference(ref) || typeof ref?.id !== 'string' || ref.id === '' || users.has(ref.id)) return;
    users.set(ref.id, { id: ref.id, email: null, name: ref.summary ?? null });
  };
  for (const p of payloads) {
    add(p.agent);
    for (const a of p.assignees ?? []) add(a);
  }
  return [...users.values()];
}

/** Lower-cased emails of config.people → the person's index. */
export function peopleByEmail(people: ReadonlyArray<{ email?: string | undefined }>): Map<string, number> {
  const byEmail = new Map<string, number>();
  people.forEach((p, i) => {
    if (p.email !== undefined) byEmail.set(p.email.trim().toLowerCase(), i);
  });
  return byEmail;
}

/** A PagerDuty user maps to a person by email, case-insensitively; no email, no mapping. */
export function isMappedUser(
  user: Pick<PdUserRow, 'email'> | undefined,
  byEmail: ReadonlyMap<string, number>,
): boolean {
  return user?.email !== null && user?.email !== undefined && byEmail.has(user.email.trim().toLowerCase());
}
