import type { PdIncidentRow, PdLogEntryRow, PdUserRow } from '../../ingest/pagerduty/map.ts';
import type { Db } from '../connect.ts';
import { takeIncoming } from './upsert.ts';

/**
 * pd_user, pd_incident and pd_log_entry, plus the ingest_run / ingest_cursor bookkeeping of the
 * PagerDuty source. Plain functions taking `db` or a transaction first; the caller owns the
 * transaction. Rows in and out are the domain rows of ingest/pagerduty/map.ts.
 */

export const PAGERDUTY_SOURCE = 'pagerduty';

export async function upsertPdUsers(db: Db, users: readonly PdUserRow[]): Promise<void> {
  if (users.length === 0) return;
  await db
    .insertInto('pdUser')
    .values(users.map((u) => ({ id: u.id, email: u.email, name: u.name })))
    .onConflict((oc) => oc.column('id').doUpdateSet(takeIncoming('pdUser', ['email', 'name'])))
    .execute();
}

/** Users PagerDuty's /users no longer lists (deleted responders): kept with the name a log entry showed. */
export async function insertPdUsersIfMissing(db: Db, users: readonly PdUserRow[]): Promise<number> {
  if (users.length === 0) return 0;
  const r = await db
    .insertInto('pdUser')
    .values(users.map((u) => ({ id: u.id, email: u.email, name: u.name })))
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

export async function listPdUsers(db: Db, ids?: readonly string[]): Promise<PdUserRow[]> {
  if (ids !== undefined && ids.length === 0) return [];
  let q = db.selectFrom('pdUser').select(['id', 'email', 'name']).orderBy('id');
  if (ids !== undefined) q = q.where('id', 'in', [...ids]);
  return q.execute();
}

/** Writes one incident and makes its stored log entries exactly `entries`. Run it in a transaction. */
export async function savePdIncident(
  db: Db,
  incident: PdIncidentRow,
  entries: readonly PdLogEntryRow[],
): Promise<void> {
  await db
    .insertInto('pdIncident')
    .values(incident)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet(
          takeIncoming('pdIncident', [
            'number',
            'serviceId',
            'title',
            'status',
            'urgency',
            'priority',
            'createdAt',
            'updatedAt',
            'resolvedAt',
          ]),
        ),
    )
    .execute();
  let stale = db.deleteFrom('pdLogEntry').where('incidentId', '=', incident.id);
  if (entries.length > 0)
    stale = stale.where(
      'id',
      'not in',
      entries.map((e) => e.id),
    );
  await stale.execute();
  if (entries.length === 0) return;
  await db
    .insertInto('pdLogEntry')
    .values(
      entries.map((e) => ({
        id: e.id,
        incidentId: e.incidentId,
        type: e.type,
        agentId: e.agentId,
        agentType: e.agentType,
        // jsonb: pg would send a JS array as a Postgres array literal.
        assigneeIds: JSON.stringify(e.assigneeIds),
        unassignedIds: JSON.stringify(e.unassignedIds),
        createdAt: e.createdAt,
        summary: e.summary,
      })),
    )
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet(
          takeIncoming('pdLogEntry', [
            'incidentId',
            'type',
            'agentId',
            'agentType',
            'assigneeIds',
            'unassignedIds',
            'createdAt',
            'summary',
          ]),
        ),
    )
    .execute();
}

/** Stored incidents of these services that PagerDuty had not resolved when last read. */
export async function listOpenPdIncidentIds(db: Db, serviceIds: readonly string[]): Promise<string[]> {
  if (serviceIds.length === 0) return [];
  const rows = await db
    .selectFrom('pdIncident')
    .select('id')
    .where('serviceId', 'in', [...serviceIds])
    .where('status', '<>', 'resolved')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** id → stored status, for the incidents among `ids` already stored. */
export async function storedPdIncidentStatuses(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('pdIncident')
    .select(['id', 'status'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.status]));
}

export async function listPdLogEntries(db: Db, incidentIds: readonly string[]): Promise<PdLogEntryRow[]> {
  if (incidentIds.length === 0) return [];
  const rows = await db
    .selectFrom('pdLogEntry')
    .selectAll()
    .where('incidentId', 'in', [...incidentIds])
    .orderBy('incidentId')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, assigneeIds: r.assigneeIds, unassignedIds: r.unassignedIds }));
}

export interface PdIncidentWithLog {
  incident: PdIncidentRow;
  logEntries: PdLogEntryRow[];
}

/**
 * The incidents of these services that overlap [start, end): created before `end` and not
 * resolved before `start` (open ones included), each with its log entries in time order.
 * What the incident-interval model reads for a month.
 */
export async function listPdIncidentsOverlapping(
  db: Db,
  opts: { start: Date; end: Date; serviceIds?: readonly string[] },
): Promise<PdIncidentWithLog[]> {
  if (opts.serviceIds !== undefined && opts.serviceIds.length === 0) return [];
  let q = db
    .selectFrom('pdIncident')
    .selectAll()
    .where('createdAt', '<', opts.end)
    .where((eb) => eb.or([eb('resolvedAt', 'is', null), eb('resolvedAt', '>=', opts.start)]))
    .orderBy('createdAt')
    .orderBy('id');
  if (opts.serviceIds !== undefined) q = q.where('serviceId', 'in', [...opts.serviceIds]);
  const incidents = await q.execute();
  const entries = await listPdLogEntries(
    db,
    incidents.map((i) => i.id),
  );
  const byIncident = new Map<string, PdLogEntryRow[]>();
  for (const e of entries) {
    const list = byIncident.get(e.incidentId) ?? [];
    list.push(e);
    byIncident.set(e.incidentId, list);
  }
  return incidents.map((incident) => ({ incident, logEntries: byIncident.get(incident.id) ?? [] }));
}

// ── ingest bookkeeping ───────────────────────────────────────────────────────

export async function startIngestRun(db: Db, source: string, startedAt: Date): Promise<number> {
  const row = await db
    .insertInto('ingestRun')
    .values({ source, startedAt, status: 'running', stats: JSON.stringify({}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishIngestRun(
  db: Db,
  id: number,
  result: {
    status: 'succeeded' | 'failed';
    finishedAt: Date;
    stats: Record<string, unknown>;
    error?: string;
  },
): Promise<void> {
  await db
    .updateTable('ingestRun')
    .set({
      status: result.status,
      finishedAt: result.finishedAt,
      stats: JSON.stringify(result.stats),
      error: result.error ?? null,
    })
    .where('id', '=', id)
    .execute();
}

export async function readIngestCursor(
  db: Db,
  source: string,
  scope: string,
  stream: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('ingestCursor')
    .select('cursor')
    .where('source', '=', source)
    .where('scope', '=', scope)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row?.cursor ?? null;
}

export async function writeIngestCursor(
  db: Db,
  key: { source: string; scope: string; stream: string },
  cursor: string,
  at: Date,
): Promise<void> {
  await db
    .insertInto('ingestCursor')
    .values({ ...key, cursor, updatedAt: at })
    .onConflict((oc) => oc.columns(['source', 'scope', 'stream']).doUpdateSet({ cursor, updatedAt: at }))
    .execute();
}
