import { detectAndAlertLaborSpikes } from '../services/alert-labor-spikes.ts';
import { ingestPagerDuty } from '../services/ingest-pagerduty.ts';
import { ANOMALY_ALERT_ACTIONS } from '../slack/ids.ts';
import { hourKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Hourly PagerDuty ingestion: new incidents since the cursor, open ones re-read until resolved.
 * At minute 17, away from the top of the hour when every other integration calls PagerDuty.
 * Then labour spikes (weekly incident hours over the trailing median) are detected on what is now
 * stored and alerted, so a spike reaches its team within the hour (services/alert-labor-spikes.ts).
 */
export const ingestPagerDutyJob: JobDefinition = {
  name: 'ingest-pagerduty',
  description: 'read new and still-open PagerDuty incidents and their log entries',
  schedule: () => '17 * * * *',
  periodKey: (at, config) => hourKey(at, config.timezone),
  async run(ctx) {
    if (!ctx.deps.config.product_lines.some((pl) => pl.pagerduty_services.length > 0)) {
      return { stats: { skipped: 1 }, summary: 'no product line lists pagerduty_services: nothing to read' };
    }
    const r = await ingestPagerDuty(ctx.deps, ctx.signal ? { signal: ctx.signal } : {});
    const s = r.stats;
    const ingested =
      `PagerDuty: ${s.incidentsStored} incident(s) stored with ${s.logEntriesStored} log entries ` +
      `(${s.openReread} open re-read), ${s.respondersUnmapped} of ${s.responders} responder(s) not in people`;
    // The incidents are stored whatever happens next: a failure here fails the run, and the next
    // run of the hour (or the daily detection) detects again.
    const labor = await detectAndAlertLaborSpikes({ ...ctx.deps, now: () => ctx.at }, ctx.messenger, {
      actionIds: ANOMALY_ALERT_ACTIONS,
      dryRun: ctx.dryRun,
    });
    return {
      stats: { ...s, runId: r.runId, ...labor?.stats },
      summary: labor ? `${ingested}\n${labor.summary}` : ingested,
      ...(labor && labor.failures.length > 0 ? { error: labor.failures.join('; ') } : {}),
    };
  },
};
