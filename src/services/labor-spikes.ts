import { DateTime } from 'luxon';
import { LABOR_SPIKE_TOP_INCIDENTS } from '../blocks/labor-spike-alert.ts';
import type { Config } from '../config/schema.ts';
import type { AnomalyStatus } from '../db/repos/anomalies.ts';
import {
  firstIncidentAt,
  insertLaborSpike,
  type LaborSpike,
  type LaborSpikeFigures,
  listLaborSpikes,
  updateLaborSpikeFigures,
} from '../db/repos/labor-spikes.ts';
import { readIncidentInput } from '../db/repos/model-inputs.ts';
import { computeIncidentHours, incidentWeekKey } from '../model/incident-hours.ts';
import { detectLaborSpikes, type LaborSpikeOptions } from '../model/labor-spikes.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Labour-side spike detection as a use case (issue 9): weekly incident hours per product line from
 * the stored PagerDuty data, counted as the effort model counts incident hours
 * (model/incident-hours.ts), judged against the trailing median (model/labor-spikes.ts), and
 * reconciled with the labor_spike table: a spike is stored once per (product line, week); seen
 * again with other figures (its week went on, PagerDuty was re-read) it is restated in place.
 *
 * The series runs from the ISO week (config.timezone) of the first stored incident to the week of
 * `now`, the current week included with its hours so far: incident hours of a week only grow as
 * it goes on, so a week that is already over the line is a spike at once (hours to acknowledge,
 * not days). Reading every stored incident keeps each product line's series starting where its
 * history starts, so a week is judged the same whichever day detection runs.
 */

export type LaborSpikeChange = 'new' | 'restated' | 'unchanged';

export interface DetectedLaborSpike extends LaborSpikeFigures {
  productLine: string | null;
  week: string;
}

export interface PlannedLaborSpike {
  detection: DetectedLaborSpike;
  existing: LaborSpike | undefined;
  change: LaborSpikeChange;
  /** The stored status, or `open` for a new one. */
  status: AnomalyStatus;
}

export interface LaborSpikePlan {
  /** First and last week of the series; null when no PagerDuty incident is stored. */
  weeks: { first: string; last: string } | null;
  /** Every detected spike, by week then product line. */
  planned: PlannedLaborSpike[];
}

export interface RecordedLaborSpikes extends LaborSpikePlan {
  created: LaborSpike[];
  restated: LaborSpike[];
  unchanged: number;
}

type Deps = Pick<ServiceDeps, 'db' | 'config' | 'now'>;

export function laborSpikeOptions(config: Config): Required<LaborSpikeOptions> {
  return {
    factor: config.anomalies.labor_spike_factor,
    trailingWeeks: config.anomalies.labor_spike_weeks,
    minHours: config.anomalies.labor_spike_min_hours,
  };
}

/** Runs the feed and the rule on what is stored, as of `now`. Writes nothing. */
export async function detectStoredLaborSpikes(
  deps: Deps,
): Promise<{ weeks: LaborSpikePlan['weeks']; detected: DetectedLaborSpike[] }> {
  const { config, db } = deps;
  const asOf = deps.now();
  const first = await firstIncidentAt(db);
  if (first === null || first >= asOf) return { weeks: null, detected: [] };
  const from = DateTime.fromJSDate(first, { zone: config.timezone }).startOf('week');
  const input = await readIncidentInput(db, { from: from.toJSDate(), to: asOf });
  const feed = computeIncidentHours(input, config, { from: from.toJSDate(), to: asOf, asOf });
  const detected = detectLaborSpikes(feed.days, laborSpikeOptions(config)).map((s) => {
    const week = feed.weeks.get(incidentWeekKey(s.productLine, s.week));
    return {
      ...s,
      people: week?.people ?? 0,
      incidents: (week?.incidents ?? []).slice(0, LABOR_SPIKE_TOP_INCIDENTS),
    };
  });
  const last = DateTime.fromJSDate(asOf, { zone: config.timezone }).startOf('week');
  return {
    weeks: { first: from.toFormat('yyyy-MM-dd'), last: last.toFormat('yyyy-MM-dd') },
    detected,
  };
}

/** Detection and what recording it would change (the CLI's and the job's dry run). */
export async function planLaborSpikes(deps: Deps): Promise<LaborSpikePlan> {
  const { weeks, detected } = await detectStoredLaborSpikes(deps);
  if (weeks === null) return { weeks, planned: [] };
  return { weeks, planned: reconcileLaborSpikes(detected, await listLaborSpikes(deps.db)) };
}

/** Detection recorded in one transaction: new spikes inserted (detected_at = now), restated ones updated. */
export async function recordLaborSpikes(
  deps: Deps & Pick<ServiceDeps, 'logger'>,
): Promise<RecordedLaborSpikes> {
  const { weeks, detected } = await detectStoredLaborSpikes(deps);
  if (weeks === null) return { weeks, planned: [], created: [], restated: [], unchanged: 0 };
  const at = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const planned = reconcileLaborSpikes(detected, await listLaborSpikes(trx));
    const out: RecordedLaborSpikes = { weeks, planned, created: [], restated: [], unchanged: 0 };
    for (const p of planned) {
      const d = p.detection;
      if (p.change === 'new') {
        out.created.push(await insertLaborSpike(trx, { ...d, status: p.status, detectedAt: at }));
      } else if (p.existing && p.change === 'restated') {
        await updateLaborSpikeFigures(trx, p.existing.anomaly.id, d, at);
        out.restated.push({ ...p.existing, ...d, updatedAt: at });
      } else {
        out.unchanged++;
      }
    }
    deps.logger.info('labour spikes detected', {
      weeks,
      detected: detected.length,
      created: out.created.length,
      restated: out.restated.length,
    });
    return out;
  });
}

const same = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a));

/** Pairs each detection with the stored spike of its (product line, week). */
export function reconcileLaborSpikes(
  detected: readonly DetectedLaborSpike[],
  stored: readonly LaborSpike[],
): PlannedLaborSpike[] {
  const byKey = new Map(stored.map((s) => [incidentWeekKey(s.productLine, s.week), s]));
  return detected.map((d) => {
    const existing = byKey.get(incidentWeekKey(d.productLine, d.week));
    if (!existing) return { detection: d, existing, change: 'new', status: 'open' };
    const unchanged =
      same(existing.hours, d.hours) &&
      same(existing.median, d.median) &&
      same(existing.ratio, d.ratio) &&
      existing.people === d.people &&
      JSON.stringify(existing.incidents.map((i) => [i.id, i.number, i.title, i.hours])) ===
        JSON.stringify(d.incidents.map((i) => [i.id, i.number, i.title, i.hours]));
    return {
      detection: d,
      existing,
      change: unchanged ? 'unchanged' : 'restated',
      status: existing.anomaly.status,
    };
  });
}
