import { ingestPagerDuty } from '../services/ingest-pagerduty.ts';
import { hourKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Hourly PagerDuty ingestion: new incidents since the cursor, open ones re-read until resolved.
 * At minute 17, away from the top of the hour when every other integration calls PagerDuty.
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
    return {
      stats: { ...s, runId: r.runId },
      summary:
        `PagerDuty: ${s.incidentsStored} incident(s) stored with ${s.logEntriesStored} log entries ` +
        `(${s.openReread} open re-read), ${s.respondersUnmapped} of ${s.responders} responder(s) not in people`,
    };
  },
};
