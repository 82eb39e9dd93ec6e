import { sql } from 'kysely';
import type { AnomalyCostRow, CostRange, DetectedAnomaly, RootCauseEntry } from '../../model/anomalies.ts';
import type { Db } from '../connect.ts';
import type { AnomalyRow } from '../schema.ts';

/**
 * The anomaly aggregate (one row per detected anomaly, its triage and its Slack message), and the
 * read of cost_daily that detection runs on. Plain functions taking `db` or a transaction first;
 * the caller owns the transaction.
 */

/**
 * open: detected, nobody acted yet; acknowledged: someone is on it; expected: marked a false
 * positive (suppresses the series for a while); resolved: closed with a cause; suppressed:
 * detected while the series was suppressed, never alerted.
 */
export const ANOMALY_STATUSES = ['open', 'acknowledged', 'expected', 'resolved', 'suppressed'] as const;
export type AnomalyStatus = (typeof ANOMALY_STATUSES)[number];

/** A stored anomaly: what detection found (without its day list), plus its triage record. */
export interface Anomaly extends Omit<DetectedAnomaly, 'days'> {
  id: number;
  kind: 'cost' | 'labor';
  status: AnomalyStatus;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  cause: string | null;
  suppressedUntil: string | null;
  channelId: string | null;
  messageTs: string | null;
  alertedAt: Date | null;
  expectedAt: Date | null;
  expectedBy: string | null;
  notifiedLastDay: string | null;
  routingNote: string | null;
}

export function anomalyRowToAnomaly(r: AnomalyRow): Anomaly {
  return {
    id: r.id,
    kind: r.kind,
    productLine: r.productLine,
    service: r.serviceName,
    currency: r.currency,
    firstDay: r.firstDay,
    lastDay: r.lastDay,
    actual: r.actual,
    expected: r.expected,
    impact: r.impact,
    impactPct: r.impactPct,
    rootCause: r.rootCause,
    status: (ANOMALY_STATUSES as readonly string[]).includes(r.status) ? (r.status as AnomalyStatus) : 'open',
    detectedAt: r.detectedAt,
    acknowledgedAt: r.acknowledgedAt,
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: r.resolvedAt,
    resolvedBy: r.resolvedBy,
    cause: r.cause,
    suppressedUntil: r.suppressedUntil,
    channelId: r.channelId,
    messageTs: r.messageTs,
    alertedAt: r.alertedAt,
    expectedAt: r.expectedAt,
    expectedBy: r.expectedBy,
    notifiedLastDay: r.notifiedLastDay,
    routingNote: r.routingNote,
  };
}

/** What detection knows of an anomaly: its days and the figures of its most recent day. */
export interface AnomalyFigures {
  firstDay: string;
  lastDay: string;
  actual: number;
  expected: number;
  impact: number;
  impactPct: number | null;
  rootCause: RootCauseEntry[];
}

export interface NewCostAnomaly extends AnomalyFigures {
  productLine: string | null;
  service: string;
  currency: string;
  status: AnomalyStatus;
  detectedAt: Date;
}

export async function insertCostAnomaly(db: Db, a: NewCostAnomaly): Promise<Anomaly> {
  const row = await db
    .insertInto('anomaly')
    .values({
      kind: 'cost',
      productLine: a.productLine,
      serviceName: a.service,
      currency: a.currency,
      firstDay: a.firstDay,
      lastDay: a.lastDay,
      actual: a.actual,
      expected: a.expected,
      impact: a.impact,
      impactPct: a.impactPct,
      rootCause: JSON.stringify(a.rootCause),
      status: a.status,
      detectedAt: a.detectedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return anomalyRowToAnomaly(row);
}

export async function updateAnomalyFigures(db: Db, id: number, f: AnomalyFigures): Promise<Anomaly> {
  const row = await db
    .updateTable('anomaly')
    .set({
      firstDay: f.firstDay,
      lastDay: f.lastDay,
      actual: f.actual,
      expected: f.expected,
      impact: f.impact,
      impactPct: f.impactPct,
      rootCause: JSON.stringify(f.rootCause),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return anomalyRowToAnomaly(row);
}

export async function getAnomaly(db: Db, id: number): Promise<Anomaly | undefined> {
  const row = await db.selectFrom('anomaly').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? anomalyRowToAnomaly(row) : undefined;
}

export interface AnomalyFilter {
  kind?: 'cost' | 'labor';
  /** A product line id, or null for unallocated; absent = every product line. */
  productLine?: string | null;
  statuses?: readonly AnomalyStatus[];
  /** Anomalies with a day on or after this one. */
  lastDayFrom?: string;
  /** Anomalies that began in [firstDayFrom, firstDayTo] (both inclusive). */
  firstDayFrom?: string;
  firstDayTo?: string;
}

/** Anomalies, most recent first (last day, then id). */
export async function listAnomalies(db: Db, filter: AnomalyFilter = {}): Promise<Anomaly[]> {
  let q = db.selectFrom('anomaly').selectAll();
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (filter.productLine === null) q = q.where('productLine', 'is', null);
  else if (filter.productLine !== undefined) q = q.where('productLine', '=', filter.productLine);
  if (filter.statuses !== undefined) {
    if (filter.statuses.length === 0) return [];
    q = q.where('status', 'in', [...filter.statuses]);
  }
  if (filter.lastDayFrom !== undefined) q = q.where('lastDay', '>=', filter.lastDayFrom);
  if (filter.firstDayFrom !== undefined) q = q.where('firstDay', '>=', filter.firstDayFrom);
  if (filter.firstDayTo !== undefined) q = q.where('firstDay', '<=', filter.firstDayTo);
  const rows = await q.orderBy('lastDay', 'desc').orderBy('id', 'desc').execute();
  return rows.map(anomalyRowToAnomaly);
}

export async function getAnomalyForUpdate(db: Db, id: number): Promise<Anomaly | undefined> {
  const row = await db.selectFrom('anomaly').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row ? anomalyRowToAnomaly(row) : undefined;
}

/** Where and when the alert went out, and the day it announced. */
export async function markAnomalyAlerted(
  db: Db,
  id: number,
  alert: {
    channelId: string;
    messageTs: string;
    alertedAt: Date;
    notifiedLastDay: string;
    routingNote: string | null;
  },
): Promise<void> {
  await db
    .updateTable('anomaly')
    .set({
      channelId: alert.channelId,
      messageTs: alert.messageTs,
      alertedAt: alert.alertedAt,
      notifiedLastDay: alert.notifiedLastDay,
      routingNote: alert.routingNote,
    })
    .where('id', '=', id)
    .execute();
}

export async function setNotifiedLastDay(db: Db, id: number, day: string): Promise<void> {
  await db.updateTable('anomaly').set({ notifiedLastDay: day }).where('id', '=', id).execute();
}

/** A triage change: the new status and the who/when columns it sets. Undefined keys stay as they are. */
export interface AnomalyTriage {
  status: AnomalyStatus;
  acknowledgedAt?: Date;
  acknowledgedBy?: string;
  expectedAt?: Date;
  expectedBy?: string;
  suppressedUntil?: string;
  resolvedAt?: Date;
  resolvedBy?: string;
  cause?: string;
}

export async function updateAnomalyTriage(db: Db, id: number, t: AnomalyTriage): Promise<Anomaly> {
  const row = await db
    .updateTable('anomaly')
    .set({
      status: t.status,
      ...(t.acknowledgedAt !== undefined ? { acknowledgedAt: t.acknowledgedAt } : {}),
      ...(t.acknowledgedBy !== undefined ? { acknowledgedBy: t.acknowledgedBy } : {}),
      ...(t.expectedAt !== undefined ? { expectedAt: t.expectedAt } : {}),
      ...(t.expectedBy !== undefined ? { expectedBy: t.expectedBy } : {}),
      ...(t.suppressedUntil !== undefined ? { suppressedUntil: t.suppressedUntil } : {}),
      ...(t.resolvedAt !== undefined ? { resolvedAt: t.resolvedAt } : {}),
      ...(t.resolvedBy !== undefined ? { resolvedBy: t.resolvedBy } : {}),
      ...(t.cause !== undefined ? { cause: t.cause } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return anomalyRowToAnomaly(row);
}

/** Appends to the audit trail (anomaly triage is a person changing a record). */
export async function insertAnomalyAudit(
  db: Db,
  e: { at: Date; actor: string; kind: string; anomalyId: number; details: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('auditEvent')
    .values({
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      subject: `anomaly:${e.anomalyId}`,
      details: JSON.stringify(e.details),
    })
    .execute();
}

/** Action items raised from an anomaly ("Create action item"), oldest first. */
export async function listAnomalyActionItems(
  db: Db,
  anomalyId: number,
): Promise<Array<{ id: number; title: string; ownerId: string; status: string }>> {
  return db
    .selectFrom('actionItem')
    .select(['id', 'title', 'ownerId', 'status'])
    .where('anomalyId', '=', anomalyId)
    .orderBy('id')
    .execute();
}

/** Alerts that went to each channel in [from, to): noise control counts them per day. */
export async function countAlertsByChannel(db: Db, from: Date, to: Date): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('anomaly')
    .select((eb) => ['channelId', eb.fn.countAll<number>().as('n')])
    .where('alertedAt', '>=', from)
    .where('alertedAt', '<', to)
    .where('channelId', 'is not', null)
    .groupBy('channelId')
    .execute();
  return new Map(rows.map((r) => [r.channelId as string, Number(r.n)]));
}

/** The input of cost anomaly detection, as SPEC §7 defines the series. */
export interface AnomalyCostInput {
  /** One row per (day, product line, service, currency, sub-account, region), excluded categories left out. */
  rows: AnomalyCostRow[];
  /** First and last day of all ingested cost, every category included; null when there is none. */
  range: CostRange | null;
}

/**
 * Reads cost_daily for detection: the one cost metric (never both), summed in SQL numeric per
 * (day, product line, service, currency, sub-account, region), with Purchase, Credit and
 * Adjustment rows and corrections left out, ordered by series and pair so the model groups them
 * in one pass.
 */
export async function readAnomalyCostInput(
  db: Db,
  metric: 'billedCost' | 'effectiveCost',
): Promise<AnomalyCostInput> {
  const bounds = await db
    .selectFrom('costDaily')
    .select((eb) => [eb.fn.min('day').as('firstDay'), eb.fn.max('day').as('lastDay')])
    .executeTakeFirst();
  if (!bounds?.firstDay || !bounds.lastDay) return { rows: [], range: null };
  const rows = await db
    .selectFrom('costDaily')
    .select((eb) => [
      'day',
      'productLine',
      'serviceName as service',
      'billingCurrency as currency',
      'subAccountId as subAccount',
      'region',
      eb.fn.sum<number>(metric).as('cost'),
    ])
    .where('isCorrection', '=', false)
    .where(sql<string>`lower(charge_category)`, 'not in', ['purchase', 'credit', 'adjustment'])
    .groupBy(['productLine', 'serviceName', 'billingCurrency', 'subAccountId', 'region', 'day'])
    .orderBy('productLine')
    .orderBy('serviceName')
    .orderBy('billingCurrency')
    .orderBy('subAccountId')
    .orderBy('region')
    .orderBy('day')
    .execute();
  return {
    rows: rows.map((r) => ({ ...r, cost: Number(r.cost) })),
    range: { firstDay: bounds.firstDay, lastDay: bounds.lastDay },
  };
}
