import { DateTime } from 'luxon';
import type { AnomalyAlertActionIds } from '../blocks/anomaly-alert.ts';
import { renderLaborSpikeAlert, renderLaborSpikeSummary } from '../blocks/labor-spike-alert.ts';
import { type LaborSpike, listLaborSpikes } from '../db/repos/labor-spikes.ts';
import { addDays } from '../lib/dates.ts';
import { errorLine } from '../lib/errors.ts';
import {
  alertInTurn,
  alertSlots,
  failedNote,
  localDay,
  postCapSummaries,
  summarisedCount,
} from './alert-anomalies.ts';
import { laborSpikeAlertView, productNameOf } from './anomaly-triage.ts';
import type { Messenger, ServiceDeps } from './deps.ts';
import { planLaborSpikes, recordLaborSpikes } from './labor-spikes.ts';

/**
 * Routes recorded labour spikes to Slack, as cost anomalies are routed (services/alert-anomalies.ts):
 * - a new spike gets one alert in the owning team's channel (unallocated, and a team without a
 *   channel, go to `review.channel` with a note), claimed in posted_message so a re-run never
 *   posts it twice; a spike whose figures were restated has its alert updated in place;
 * - noise control shares the cost anomalies' budget: labour alerts count in
 *   `anomalies.max_alerts_per_channel_per_day` (the rest listed in one summary message), and a
 *   product line gets at most one new labour alert a day;
 * - only spikes of the current or the previous week are alerted: a first run over a long
 *   PagerDuty history records the old spikes without posting them.
 */

export interface LaborAlertOptions {
  actionIds: AnomalyAlertActionIds;
  /** Report what would be posted; post and write nothing. */
  dryRun?: boolean;
  /** Anomaly ids of spikes whose figures this run restated: their alerts are updated in place. */
  restated?: readonly number[];
}

export interface LaborAlertOutcome {
  alerted: Array<{ id: number; channel: string }>;
  updated: number[];
  summaries: Array<{ channel: string; ids: number[] }>;
  skipped: { stale: number; productLineAlertedToday: number };
  failures: string[];
}

type AlertDeps = Pick<ServiceDeps, 'db' | 'config' | 'now' | 'logger'>;

export async function alertLaborSpikes(
  deps: AlertDeps,
  messenger: Messenger,
  opts: LaborAlertOptions,
): Promise<LaborAlertOutcome> {
  const out: LaborAlertOutcome = {
    alerted: [],
    updated: [],
    summaries: [],
    skipped: { stale: 0, productLineAlertedToday: 0 },
    failures: [],
  };
  const { config, db, logger } = deps;
  const now = deps.now();
  const dryRun = opts.dryRun ?? false;
  const today = localDay(now, config.timezone);
  const stored = await listLaborSpikes(db);

  // 1. Restated figures: the alert shows them, in place.
  const restated = new Set(opts.restated ?? []);
  for (const s of stored) {
    const a = s.anomaly;
    if (!restated.has(a.id) || !a.channelId || !a.messageTs) continue;
    out.updated.push(a.id);
    if (dryRun) continue;
    try {
      const view = await laborSpikeAlertView(deps, a);
      await messenger.update(a.channelId, a.messageTs, renderLaborSpikeAlert(view, opts.actionIds));
    } catch (err) {
      out.failures.push(`labour spike ${a.id}: alert update failed: ${errorLine(err)}`);
    }
  }

  // 2. New alerts, largest excess of hours first, within the shared per-channel cap.
  const thisWeek = DateTime.fromJSDate(now, { zone: config.timezone }).startOf('week').toFormat('yyyy-MM-dd');
  const cutoff = addDays(thisWeek, -7);
  const takeSlot = await alertSlots(deps, messenger);
  const lineKey = (s: LaborSpike) => JSON.stringify(s.productLine);
  const linesToday = new Set(
    stored
      .filter(
        (s) => s.anomaly.alertedAt && s.anomaly.alertedAt >= today.start && s.anomaly.alertedAt < today.end,
      )
      .map(lineKey),
  );
  const over = new Map<string, Array<LaborSpike & { id: number }>>();
  const candidates = stored
    .filter((s) => s.anomaly.status === 'open' && s.anomaly.alertedAt === null)
    .sort((x, y) => y.hours - y.median - (x.hours - x.median) || x.anomaly.id - y.anomaly.id);
  for (const s of candidates) {
    const a = s.anomaly;
    if (s.week < cutoff) {
      out.skipped.stale++;
      continue;
    }
    if (linesToday.has(lineKey(s))) {
      out.skipped.productLineAlertedToday++;
      continue;
    }
    try {
      await alertInTurn(deps, messenger, a, {
        takeSlot,
        held: { ...s, id: a.id },
        over,
        out,
        dryRun,
        onAlerted: () => linesToday.add(lineKey(s)),
        render: async (routingNote) =>
          renderLaborSpikeAlert({ ...(await laborSpikeAlertView(deps, a)), routingNote }, opts.actionIds),
      });
    } catch (err) {
      out.failures.push(`labour spike ${a.id}: alert failed: ${errorLine(err)}`);
    }
  }

  // 3. One summary per channel for what the daily cap held back.
  await postCapSummaries(deps, messenger, over, {
    scope: `labor-spike-summary:${today.day}`,
    dryRun,
    out,
    render: (items, max) =>
      renderLaborSpikeSummary(
        items.map((s) => ({ ...s, productName: productNameOf(config, s.productLine) })),
        max,
      ),
  });
  logger.info('labour spike alerts', {
    alerted: out.alerted.length,
    updated: out.updated.length,
    summarised: summarisedCount(out),
    skipped: out.skipped,
    failures: out.failures.length,
  });
  return out;
}

export interface LaborSpikeRun {
  stats: Record<string, number>;
  summary: string;
  failures: string[];
}

/**
 * Detection, recording and (with a messenger) alerting of labour spikes in one step, for the jobs
 * that run it: the daily anomaly detection and every PagerDuty ingestion. null when no product
 * line lists `pagerduty_services` (PagerDuty is not read at all, so there is nothing to judge).
 */
export async function detectAndAlertLaborSpikes(
  deps: AlertDeps,
  messenger: Messenger | undefined,
  opts: { actionIds: AnomalyAlertActionIds; dryRun: boolean },
): Promise<LaborSpikeRun | null> {
  if (!deps.config.product_lines.some((pl) => pl.pagerduty_services.length > 0)) return null;
  if (opts.dryRun) {
    const plan = await planLaborSpikes(deps);
    const newCount = plan.planned.filter((p) => p.change === 'new').length;
    const alerts = messenger
      ? await alertLaborSpikes(deps, messenger, { actionIds: opts.actionIds, dryRun: true })
      : undefined;
    return {
      stats: {
        laborSpikesDetected: plan.planned.length,
        laborSpikesNew: newCount,
        ...(alerts ? laborAlertStats(alerts) : {}),
      },
      summary:
        `would record ${newCount} new labour spikes (${plan.planned.length} detected)` +
        (alerts ? `; ${laborAlertSummary(alerts)} (from what is recorded now)` : ''),
      failures: [],
    };
  }
  const r = await recordLaborSpikes(deps);
  const alerts = messenger
    ? await alertLaborSpikes(deps, messenger, {
        actionIds: opts.actionIds,
        restated: r.restated.map((s) => s.anomaly.id),
      })
    : undefined;
  const recorded =
    r.weeks === null
      ? 'no PagerDuty incident stored yet: no labour spikes to detect'
      : `incident hours ${r.weeks.first}..${r.weeks.last} (weeks): ${r.created.length} new, ` +
        `${r.restated.length} restated labour spikes (${r.planned.length} detected)`;
  return {
    stats: {
      laborSpikesDetected: r.planned.length,
      laborSpikesNew: r.created.length,
      laborSpikesRestated: r.restated.length,
      ...(alerts ? laborAlertStats(alerts) : {}),
    },
    summary: alerts ? `${recorded}; ${laborAlertSummary(alerts)}` : recorded,
    failures: alerts?.failures ?? [],
  };
}

function laborAlertStats(a: LaborAlertOutcome): Record<string, number> {
  return {
    laborSpikesAlerted: a.alerted.length,
    laborSpikeAlertsUpdated: a.updated.length,
    laborSpikesSummarised: summarisedCount(a),
    laborSpikesNotAlertedStale: a.skipped.stale,
    laborSpikeAlertFailures: a.failures.length,
  };
}

function laborAlertSummary(a: LaborAlertOutcome): string {
  const summarised = summarisedCount(a);
  return (
    `${a.alerted.length} labour spike alerts, ${a.updated.length} updated, ${summarised} summarised over the channel cap` +
    failedNote(a)
  );
}
