import type { Config } from '../config/schema.ts';
import {
  type Anomaly,
  type AnomalyFigures,
  type AnomalyStatus,
  insertCostAnomaly,
  listAnomalies,
  readAnomalyCostInput,
  updateAnomalyFigures,
} from '../db/repos/anomalies.ts';
import {
  type AnomalyThresholds,
  type CostRange,
  type DetectedAnomaly,
  detectCostAnomalies,
  type RootCauseEntry,
} from '../model/anomalies.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Cost anomaly detection as a use case: read cost_daily (the configured cost metric only), run the
 * SPEC §7 model, and reconcile what it finds with the anomaly table. An anomaly that goes on
 * updates its row (last day, figures, root cause) instead of opening another; a series marked
 * "Expected" is suppressed for `anomalies.expected_suppress_days`.
 */

/** How a detected anomaly relates to what the table already holds. */
export type AnomalyChange =
  /** not in the table yet */
  | 'new'
  /** in the table, and it now has later days */
  | 'extended'
  /** in the table with the same days, but restated figures (a re-ingested export) */
  | 'restated'
  | 'unchanged';

export interface PlannedAnomaly {
  detection: DetectedAnomaly;
  /** The row this detection updates; undefined for a new one. */
  existing: Anomaly | undefined;
  change: AnomalyChange;
  /** The stored status, or the status a new row would get (`open`, or `suppressed`). */
  status: AnomalyStatus;
}

export interface AnomalyPlan {
  /** First and last day of all ingested cost; null when nothing is ingested. */
  range: CostRange | null;
  /** Every detected anomaly, in the model's order (first day, product line, service, currency). */
  planned: PlannedAnomaly[];
}

export interface RecordedAnomalies extends AnomalyPlan {
  created: Anomaly[];
  extended: Array<{ anomaly: Anomaly; previousLastDay: string }>;
  restated: Anomaly[];
  unchanged: number;
}

export function anomalyThresholds(config: Config): AnomalyThresholds {
  return {
    minImpact: config.anomalies.min_impact,
    minIncreasePct: config.anomalies.min_increase_pct,
    madK: config.anomalies.mad_k,
  };
}

/** The cost_daily column of the configured metric: one or the other, never mixed. */
export function costMetricColumn(config: Config): 'billedCost' | 'effectiveCost' {
  return config.model.cost_metric === 'BilledCost' ? 'billedCost' : 'effectiveCost';
}

/** Runs detection and says what recording it would change. Writes nothing (the CLI's dry run). */
export async function planCostAnomalies(deps: Pick<ServiceDeps, 'db' | 'config'>): Promise<AnomalyPlan> {
  const input = await readAnomalyCostInput(deps.db, costMetricColumn(deps.config));
  if (input.range === null) return { range: null, planned: [] };
  const detected = detectCostAnomalies(input.rows, anomalyThresholds(deps.config), input.range);
  const stored = await listAnomalies(deps.db, { kind: 'cost' });
  return { range: input.range, planned: reconcile(detected, stored) };
}

/**
 * Runs detection and records it in one transaction: new anomalies are inserted with
 * `detected_at` = the injected clock, ongoing ones updated in place.
 */
export async function recordCostAnomalies(
  deps: Pick<ServiceDeps, 'db' | 'config' | 'now' | 'logger'>,
): Promise<RecordedAnomalies> {
  const input = await readAnomalyCostInput(deps.db, costMetricColumn(deps.config));
  const empty = { created: [], extended: [], restated: [], unchanged: 0 };
  if (input.range === null) return { range: null, planned: [], ...empty };
  const detected = detectCostAnomalies(input.rows, anomalyThresholds(deps.config), input.range);
  const detectedAt = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const stored = await listAnomalies(trx, { kind: 'cost' });
    const planned = reconcile(detected, stored);
    const out: RecordedAnomalies = {
      range: input.range,
      planned,
      created: [],
      extended: [],
      restated: [],
      unchanged: 0,
    };
    for (const p of planned) {
      const d = p.detection;
      if (p.change === 'new') {
        out.created.push(
          await insertCostAnomaly(trx, {
            productLine: d.productLine,
            service: d.service,
            currency: d.currency,
            ...figuresOf(d),
            status: p.status,
            detectedAt,
          }),
        );
      } else if (p.existing && p.change === 'extended') {
        const anomaly = await updateAnomalyFigures(trx, p.existing.id, figuresOf(d));
        out.extended.push({ anomaly, previousLastDay: p.existing.lastDay });
      } else if (p.existing && p.change === 'restated') {
        out.restated.push(await updateAnomalyFigures(trx, p.existing.id, figuresOf(d)));
      } else {
        out.unchanged++;
      }
    }
    deps.logger.info('cost anomalies detected', {
      range: input.range,
      detected: detected.length,
      created: out.created.length,
      extended: out.extended.length,
      restated: out.restated.length,
    });
    return out;
  });
}

function figuresOf(d: DetectedAnomaly): AnomalyFigures {
  return {
    firstDay: d.firstDay,
    lastDay: d.lastDay,
    actual: d.actual,
    expected: d.expected,
    impact: d.impact,
    impactPct: d.impactPct,
    rootCause: d.rootCause,
  };
}

function seriesKey(productLine: string | null, service: string, currency: string): string {
  return JSON.stringify([productLine, service, currency]);
}

/**
 * Pairs each detection with the stored anomaly of the same series whose days overlap it (the same
 * anomaly, seen again with more or restated days), and decides the status of new ones.
 */
export function reconcile(
  detected: readonly DetectedAnomaly[],
  stored: readonly Anomaly[],
): PlannedAnomaly[] {
  const bySeries = new Map<string, Anomaly[]>();
  for (const a of stored) {
    const k = seriesKey(a.productLine, a.service, a.currency);
    const list = bySeries.get(k);
    if (list) list.push(a);
    else bySeries.set(k, [a]);
  }
  const claimed = new Set<number>();
  return detected.map((d) => {
    const candidates = bySeries.get(seriesKey(d.productLine, d.service, d.currency)) ?? [];
    const existing = candidates.find(
      (a) => !claimed.has(a.id) && a.firstDay <= d.lastDay && a.lastDay >= d.firstDay,
    );
    if (existing) {
      claimed.add(existing.id);
      return { detection: d, existing, change: changeOf(existing, d), status: existing.status };
    }
    const status: AnomalyStatus = isSuppressed(d, stored) ? 'suppressed' : 'open';
    return { detection: d, existing: undefined, change: 'new', status };
  });
}

function changeOf(a: Anomaly, d: DetectedAnomaly): AnomalyChange {
  if (d.lastDay > a.lastDay) return 'extended';
  const same =
    a.firstDay === d.firstDay &&
    a.lastDay === d.lastDay &&
    a.actual === d.actual &&
    a.expected === d.expected &&
    a.impact === d.impact &&
    a.impactPct === d.impactPct &&
    causeKey(a.rootCause) === causeKey(d.rootCause);
  return same ? 'unchanged' : 'restated';
}

/** jsonb reorders object keys: compare root causes by their values. */
function causeKey(causes: readonly RootCauseEntry[]): string {
  return JSON.stringify(causes.map((c) => [c.subAccount, c.region, c.increase]));
}

/**
 * "Expected" on an anomaly suppresses its (product line, service), in every currency, from that
 * anomaly's first day until its `suppressed_until`.
 */
function isSuppressed(d: DetectedAnomaly, stored: readonly Anomaly[]): boolean {
  return stored.some(
    (a) =>
      a.suppressedUntil !== null &&
      a.productLine === d.productLine &&
      a.service === d.service &&
      a.firstDay <= d.firstDay &&
      d.firstDay <= a.suppressedUntil,
  );
}
