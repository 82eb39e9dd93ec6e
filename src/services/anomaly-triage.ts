import { DateTime } from 'luxon';
import {
  type AnomalyAlertActionIds,
  type AnomalyAlertView,
  renderAnomalyAlert,
  type renderResolveModal,
} from '../blocks/anomaly-alert.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import {
  type LaborSpikeAlertView,
  laborSpikeResolveSubject,
  renderLaborSpikeAlert,
} from '../blocks/labor-spike-alert.ts';
import type { Config } from '../config/schema.ts';
import {
  type Anomaly,
  type AnomalyTriage,
  getAnomaly,
  getAnomalyForUpdate,
  insertAnomalyAudit,
  listAnomalyActionItems,
  updateAnomalyTriage,
} from '../db/repos/anomalies.ts';
import { getLaborSpike } from '../db/repos/labor-spikes.ts';
import { addDays, dayOf } from '../lib/dates.ts';
import { InputError } from '../lib/errors.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Triage of a cost anomaly from its alert's buttons: Acknowledge, Expected (a false positive that
 * suppresses its product line and service for `anomalies.expected_suppress_days`), Resolve (with
 * a one-line cause). Each is one transaction with an audit event; the first of them also counts
 * as the acknowledgement (time to acknowledge is time to the first human response).
 */

/** Longest cause a person may type when resolving. */
export const CAUSE_MAX_LENGTH = 200;

type TriageDeps = Pick<ServiceDeps, 'db' | 'config' | 'now'>;

export interface TriageOutcome {
  anomaly: Anomaly;
  /** false when the click changed nothing (a second Acknowledge). */
  changed: boolean;
}

export async function acknowledgeAnomaly(
  deps: TriageDeps,
  id: number,
  userId: string,
): Promise<TriageOutcome> {
  return triage(deps, id, userId, 'acknowledged', (a, at) => {
    if (a.status === 'acknowledged') return null;
    refuseUnless(a, ['open'], 'acknowledge');
    return { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: userId };
  });
}

export async function markAnomalyExpected(
  deps: TriageDeps,
  id: number,
  userId: string,
): Promise<TriageOutcome> {
  return triage(deps, id, userId, 'expected', (a, at) => {
    if (a.status === 'expected') return null;
    // "Expected" pauses a (product line, service) cost series; a week of incidents has none.
    if (a.kind === 'labor')
      throw new InputError(
        'not_for_labor_spikes',
        'A labour spike cannot be marked expected: resolve it with its cause.',
      );
    refuseUnless(a, ['open', 'acknowledged'], 'mark as expected');
    return {
      status: 'expected',
      expectedAt: at,
      expectedBy: userId,
      suppressedUntil: addDays(dayOf(at, deps.config.timezone), deps.config.anomalies.expected_suppress_days),
      ...firstResponse(a, at, userId),
    };
  });
}

export async function resolveAnomaly(
  deps: TriageDeps,
  id: number,
  userId: string,
  cause: string,
): Promise<TriageOutcome> {
  const line = normaliseCause(cause);
  return triage(deps, id, userId, 'resolved', (a, at) => {
    refuseUnless(a, ['open', 'acknowledged'], 'resolve');
    return {
      status: 'resolved',
      resolvedAt: at,
      resolvedBy: userId,
      cause: line,
      ...firstResponse(a, at, userId),
    };
  });
}

/** The cause as one trimmed line; empty or too long is bad input, said plainly. */
export function normaliseCause(cause: string): string {
  const line = cause.replace(/\s+/g, ' ').trim();
  if (line.length === 0) throw new InputError('cause_required', 'Say in one line what caused the anomaly.');
  if (line.length > CAUSE_MAX_LENGTH) {
    throw new InputError(
      'cause_too_long',
      `The cause is ${line.length} characters; keep it to one line of at most ${CAUSE_MAX_LENGTH}.`,
    );
  }
  return line;
}

function firstResponse(a: Anomaly, at: Date, userId: string): Partial<AnomalyTriage> {
  return a.acknowledgedAt === null ? { acknowledgedAt: at, acknowledgedBy: userId } : {};
}

const DONE_WORDS: Record<string, string> = {
  expected: 'was marked expected',
  resolved: 'is resolved',
  suppressed: 'was suppressed (its service had been marked expected)',
};

function refuseUnless(a: Anomaly, allowed: readonly string[], what: string): void {
  if (allowed.includes(a.status)) return;
  throw new InputError(
    'anomaly_closed',
    `Cannot ${what}: this anomaly ${DONE_WORDS[a.status] ?? `is ${a.status}`} already.`,
  );
}

async function triage(
  deps: TriageDeps,
  id: number,
  userId: string,
  kind: string,
  decide: (a: Anomaly, at: Date) => AnomalyTriage | null,
): Promise<TriageOutcome> {
  const at = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const a = await getAnomalyForUpdate(trx, id);
    if (!a) throw new InputError('anomaly_not_found', `Anomaly #${id} does not exist (any more).`);
    const change = decide(a, at);
    if (change === null) return { anomaly: a, changed: false };
    const updated = await updateAnomalyTriage(trx, id, change);
    await insertAnomalyAudit(trx, {
      at,
      actor: userId,
      kind: `anomaly.${kind}`,
      anomalyId: id,
      details: { from: a.status, to: updated.status, ...(change.cause ? { cause: change.cause } : {}) },
    });
    return { anomaly: updated, changed: true };
  });
}

/** The product line's display name: its `name` in the config, else its id; null when unallocated. */
export function productNameOf(config: Config, productLine: string | null): string | null {
  if (productLine === null) return null;
  return config.product_lines.find((p) => p.id === productLine)?.name ?? productLine;
}

/** What the alert renderer needs: the anomaly, its product name and linked action items. */
export async function anomalyAlertView(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  a: Anomaly,
): Promise<AnomalyAlertView> {
  const items = await listAnomalyActionItems(deps.db, a.id);
  return {
    id: a.id,
    productLine: a.productLine,
    productName: productNameOf(deps.config, a.productLine),
    service: a.service,
    currency: a.currency,
    firstDay: a.firstDay,
    lastDay: a.lastDay,
    actual: a.actual,
    expected: a.expected,
    impact: a.impact,
    impactPct: a.impactPct,
    rootCause: a.rootCause,
    status: a.status,
    routingNote: a.routingNote,
    acknowledged:
      a.acknowledgedAt && a.acknowledgedBy ? { by: a.acknowledgedBy, at: a.acknowledgedAt } : null,
    markedExpected:
      a.expectedAt && a.expectedBy
        ? { by: a.expectedBy, at: a.expectedAt, suppressedUntil: a.suppressedUntil }
        : null,
    resolved: a.resolvedAt && a.resolvedBy ? { by: a.resolvedBy, at: a.resolvedAt, cause: a.cause } : null,
    actionItems: items.map((i) => ({ id: i.id, title: i.title, ownerId: i.ownerId })),
  };
}

/** What the labour-spike alert renderer needs: the spike's figures, product name and action items. */
export async function laborSpikeAlertView(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  a: Anomaly,
): Promise<LaborSpikeAlertView> {
  const spike = await getLaborSpike(deps.db, a.id);
  if (!spike) throw new InputError('anomaly_not_found', `Labour spike #${a.id} does not exist (any more).`);
  const base = await anomalyAlertView(deps, a);
  const weekEnd = DateTime.fromISO(spike.week, { zone: deps.config.timezone }).plus({ weeks: 1 });
  return {
    id: a.id,
    productLine: a.productLine,
    productName: base.productName,
    status: a.status,
    routingNote: a.routingNote,
    acknowledged: base.acknowledged,
    resolved: base.resolved,
    actionItems: base.actionItems,
    week: spike.week,
    hours: spike.hours,
    median: spike.median,
    ratio: spike.ratio,
    factor: deps.config.anomalies.labor_spike_factor,
    trailingWeeks: deps.config.anomalies.labor_spike_weeks,
    people: spike.people,
    incidents: spike.incidents,
    // the figures were last computed before the week was over: its hours so far
    inProgress: spike.updatedAt.getTime() < weekEnd.toMillis(),
  };
}

/** An anomaly's alert as it now stands, whichever its kind (cost anomaly or labour spike). */
export async function anomalyAlertMessage(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  a: Anomaly,
  ids: AnomalyAlertActionIds,
): Promise<RenderedMessage> {
  return a.kind === 'labor'
    ? renderLaborSpikeAlert(await laborSpikeAlertView(deps, a), ids)
    : renderAnomalyAlert(await anomalyAlertView(deps, a), ids);
}

/** The anomaly, its alert as it stands and what its Resolve modal says about it. */
export async function readAnomalyForAlert(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  id: number,
  ids: AnomalyAlertActionIds,
): Promise<{
  anomaly: Anomaly;
  message: RenderedMessage;
  resolveSubject: Parameters<typeof renderResolveModal>[0];
}> {
  const anomaly = await getAnomaly(deps.db, id);
  if (!anomaly) throw new InputError('anomaly_not_found', `Anomaly #${id} does not exist (any more).`);
  if (anomaly.kind === 'labor') {
    const view = await laborSpikeAlertView(deps, anomaly);
    return {
      anomaly,
      message: renderLaborSpikeAlert(view, ids),
      resolveSubject: laborSpikeResolveSubject(view),
    };
  }
  const view = await anomalyAlertView(deps, anomaly);
  return { anomaly, message: renderAnomalyAlert(view, ids), resolveSubject: view };
}
