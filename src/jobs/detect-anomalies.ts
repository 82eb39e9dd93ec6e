import {
  type AlertOutcome,
  alertAnomalies,
  failedNote,
  summarisedCount,
} from '../services/alert-anomalies.ts';
import { detectAndAlertLaborSpikes } from '../services/alert-labor-spikes.ts';
import { planCostAnomalies, recordCostAnomalies } from '../services/detect-anomalies.ts';
import { ANOMALY_ALERT_ACTIONS } from '../slack/ids.ts';
import { dayKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Daily cost anomaly detection, right after the morning cost ingestion (ingest-focus at 06:00):
 * cloud providers refresh their FOCUS exports overnight, ingestion reads them early, and detection
 * follows at 07:30 so the owning teams see an anomaly at the start of their day (hours to
 * acknowledge, not days). With Slack connected, new anomalies are alerted and ongoing ones get a
 * thread reply (services/alert-anomalies.ts). Labour-side spikes (weekly incident hours over the
 * trailing median) are detected and alerted in the same run, after the cost anomalies, sharing
 * their per-channel cap (services/alert-labor-spikes.ts); PagerDuty ingestion runs them too.
 */
export const DETECT_ANOMALIES_SCHEDULE = '30 7 * * *';

export const detectAnomaliesJob: JobDefinition = {
  name: 'detect-anomalies',
  description:
    'detect cost anomalies in the ingested daily cost (SPEC §7) and labour spikes in the incident hours, record them and alert the owning teams',
  schedule: () => DETECT_ANOMALIES_SCHEDULE,
  periodKey: (at, config) => dayKey(at, config.timezone),
  async run(ctx) {
    // The run is "as of" ctx.at (the cron tick, or `finops jobs run --at`): detected_at is that.
    const deps = { ...ctx.deps, now: () => ctx.at };
    if (ctx.dryRun) {
      const plan = await planCostAnomalies(deps);
      const count = (c: string) => plan.planned.filter((p) => p.change === c).length;
      const alerts = ctx.messenger
        ? await alertAnomalies(deps, ctx.messenger, plan.range, {
            actionIds: ANOMALY_ALERT_ACTIONS,
            detected: plan.planned.map((p) => p.detection),
            dryRun: true,
          })
        : undefined;
      const labor = await detectAndAlertLaborSpikes(deps, ctx.messenger, {
        actionIds: ANOMALY_ALERT_ACTIONS,
        dryRun: true,
      });
      const stats = {
        detected: plan.planned.length,
        new: count('new'),
        extended: count('extended'),
        ...(alerts ? alertStats(alerts) : {}),
        ...labor?.stats,
      };
      return {
        stats,
        summary:
          `would record ${stats.new} new and ${stats.extended} extended cost anomalies (${stats.detected} detected)` +
          (alerts ? `; ${alertSummary(alerts)} (from what is recorded now)` : '') +
          (labor ? `\n${labor.summary}` : ''),
      };
    }
    const r = await recordCostAnomalies(deps);
    const alerts = ctx.messenger
      ? await alertAnomalies(deps, ctx.messenger, r.range, {
          actionIds: ANOMALY_ALERT_ACTIONS,
          detected: r.planned.map((p) => p.detection),
        })
      : undefined;
    const labor = await detectAndAlertLaborSpikes(deps, ctx.messenger, {
      actionIds: ANOMALY_ALERT_ACTIONS,
      dryRun: false,
    });
    const stats = {
      detected: r.planned.length,
      new: r.created.length,
      extended: r.extended.length,
      restated: r.restated.length,
      unchanged: r.unchanged,
      ...(alerts ? alertStats(alerts) : {}),
      ...labor?.stats,
    };
    const failures = [...(alerts?.failures ?? []), ...(labor?.failures ?? [])];
    const recorded =
      r.range === null
        ? 'no cost ingested yet: nothing to detect'
        : `cost ${r.range.firstDay}..${r.range.lastDay}: ${stats.new} new, ${stats.extended} extended, ` +
          `${stats.restated} restated anomalies (${stats.detected} detected)`;
    return {
      stats,
      summary:
        (alerts ? `${recorded}; ${alertSummary(alerts)}` : recorded) + (labor ? `\n${labor.summary}` : ''),
      ...(failures.length > 0 ? { error: failures.join('; ') } : {}),
    };
  },
};

function alertStats(a: AlertOutcome): Record<string, number> {
  return {
    alerted: a.alerted.length,
    threadReplies: a.replies.length,
    summarised: summarisedCount(a),
    notAlertedStale: a.skipped.stale,
    notAlertedSeriesToday: a.skipped.seriesAlertedToday,
    alertFailures: a.failures.length,
  };
}

function alertSummary(a: AlertOutcome): string {
  const summarised = summarisedCount(a);
  return (
    `${a.alerted.length} alerted, ${a.replies.length} thread replies, ${summarised} summarised over the channel cap` +
    failedNote(a)
  );
}
