import { addDays } from '../../lib/dates.ts';
import type { Db } from '../connect.ts';
import { type Anomaly, type AnomalyStatus, anomalyRowToAnomaly } from './anomalies.ts';

/**
 * Labour-side spikes: one `labor_spike` row per (product line, ISO week) with the figures, and
 * one `anomaly` row of kind `labor` with the triage record and the alert bookkeeping (so the
 * Acknowledge / Resolve / Create action item code of cost anomalies serves both, and labour
 * alerts count in the same per-channel cap). The anomaly row mirrors the figures in its own
 * terms: days = the week (Monday to Sunday), actual = hours, expected = the trailing median,
 * impact = hours − median, impact_pct = (ratio − 1) × 100; `currency` is `hours`.
 */

/** `anomaly.service_name` of a labour spike (what the anomaly is about). */
export const LABOR_SPIKE_SUBJECT = 'Incident hours';
/** `anomaly.currency` of a labour spike: its figures are hours, not money. */
export const LABOR_SPIKE_UNIT = 'hours';

export interface LaborSpikeIncident {
  id: string;
  number: number | null;
  title: string;
  hours: number;
}

/** What detection knows of a labour spike. */
export interface LaborSpikeFigures {
  hours: number;
  median: number;
  ratio: number | null;
  people: number;
  /** The week's incidents by hours, most first (the top few are kept). */
  incidents: LaborSpikeIncident[];
}

export interface LaborSpike extends LaborSpikeFigures {
  productLine: string | null;
  /** Monday of the ISO week. */
  week: string;
  updatedAt: Date;
  /** The anomaly row: id, status, triage, alert. */
  anomaly: Anomaly;
}

export interface NewLaborSpike extends LaborSpikeFigures {
  productLine: string | null;
  week: string;
  status: AnomalyStatus;
  detectedAt: Date;
}

function anomalyFigures(f: LaborSpikeFigures) {
  return {
    actual: f.hours,
    expected: f.median,
    impact: f.hours - f.median,
    impactPct: f.ratio === null ? null : (f.ratio - 1) * 100,
  };
}

/** The figures alone, of anything that has them. */
function figuresOf(f: LaborSpikeFigures): LaborSpikeFigures {
  return { hours: f.hours, median: f.median, ratio: f.ratio, people: f.people, incidents: f.incidents };
}

/** The figure columns of a `labor_spike` row, as written at `at`. */
function spikeRowFigures(f: LaborSpikeFigures, at: Date) {
  return { ...figuresOf(f), incidents: JSON.stringify(f.incidents), updatedAt: at };
}

/** Inserts the anomaly row and the spike row; run it in the caller's transaction. */
export async function insertLaborSpike(db: Db, s: NewLaborSpike): Promise<LaborSpike> {
  const row = await db
    .insertInto('anomaly')
    .values({
      kind: 'labor',
      productLine: s.productLine,
      serviceName: LABOR_SPIKE_SUBJECT,
      currency: LABOR_SPIKE_UNIT,
      firstDay: s.week,
      lastDay: addDays(s.week, 6),
      ...anomalyFigures(s),
      rootCause: '[]',
      status: s.status,
      detectedAt: s.detectedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('laborSpike')
    .values({
      anomalyId: row.id,
      productLine: s.productLine,
      week: s.week,
      ...spikeRowFigures(s, s.detectedAt),
    })
    .execute();
  return {
    productLine: s.productLine,
    week: s.week,
    ...figuresOf(s),
    updatedAt: s.detectedAt,
    anomaly: anomalyRowToAnomaly(row),
  };
}

/** Restated figures of a stored spike (its week went on, or PagerDuty data was re-read). */
export async function updateLaborSpikeFigures(
  db: Db,
  anomalyId: number,
  f: LaborSpikeFigures,
  at: Date,
): Promise<void> {
  await db.updateTable('anomaly').set(anomalyFigures(f)).where('id', '=', anomalyId).execute();
  await db.updateTable('laborSpike').set(spikeRowFigures(f, at)).where('anomalyId', '=', anomalyId).execute();
}

export interface LaborSpikeFilter {
  /** A product line id, or null for unallocated; absent = every product line. */
  productLine?: string | null;
  statuses?: readonly AnomalyStatus[];
  /** Weeks starting on or after this day. */
  weekFrom?: string;
  anomalyId?: number;
}

/** Stored labour spikes, most recent week first (then product line). */
export async function listLaborSpikes(db: Db, filter: LaborSpikeFilter = {}): Promise<LaborSpike[]> {
  let q = db
    .selectFrom('laborSpike as l')
    .innerJoin('anomaly as a', 'a.id', 'l.anomalyId')
    .selectAll('a')
    .select([
      'l.week',
      'l.hours',
      'l.median',
      'l.ratio',
      'l.people',
      'l.incidents',
      'l.updatedAt as spikeUpdatedAt',
    ]);
  if (filter.productLine === null) q = q.where('l.productLine', 'is', null);
  else if (filter.productLine !== undefined) q = q.where('l.productLine', '=', filter.productLine);
  if (filter.statuses !== undefined) {
    if (filter.statuses.length === 0) return [];
    q = q.where('a.status', 'in', [...filter.statuses]);
  }
  if (filter.weekFrom !== undefined) q = q.where('l.week', '>=', filter.weekFrom);
  if (filter.anomalyId !== undefined) q = q.where('l.anomalyId', '=', filter.anomalyId);
  const rows = await q.orderBy('l.week', 'desc').orderBy('a.id', 'desc').execute();
  return rows.map((r) => {
    const { week, hours, median, ratio, people, incidents, spikeUpdatedAt, ...anomaly } = r;
    return {
      productLine: anomaly.productLine,
      week,
      hours,
      median,
      ratio,
      people,
      incidents,
      updatedAt: spikeUpdatedAt,
      anomaly: anomalyRowToAnomaly(anomaly),
    };
  });
}

export async function getLaborSpike(db: Db, anomalyId: number): Promise<LaborSpike | undefined> {
  return (await listLaborSpikes(db, { anomalyId }))[0];
}

/** When the first stored PagerDuty incident began; null when none is stored. */
export async function firstIncidentAt(db: Db): Promise<Date | null> {
  const r = await db
    .selectFrom('pdIncident')
    .select((eb) => eb.fn.min('createdAt').as('first'))
    .executeTakeFirst();
  return r?.first ? new Date(r.first) : null;
}
