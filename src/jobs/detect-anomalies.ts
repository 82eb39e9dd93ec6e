import { planCostAnomalies, recordCostAnomalies } from '../services/detect-anomalies.ts';
import { dayKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Daily cost anomaly detection, right after the morning cost ingestion: cloud providers refresh
 * their FOCUS exports overnight, ingestion reads them early, and detection follows at 07:30 so
 * the owning teams see an anomaly at the start of their day (hours to acknowledge, not days).
 */
export const DETECT_ANOMALIES_SCHEDULE = '30 7 * * *';

export const detectAnomaliesJob: JobDefinition = {
  name: 'detect-anomalies',
  description: 'detect cost anomalies in the ingested daily cost (SPEC §7) and record them',
  schedule: () => DETECT_ANOMALIES_SCHEDULE,
  periodKey: (at, config) => dayKey(at, config.timezone),
  async run(ctx) {
    // The run is "as of" ctx.at (the cron tick, or `finops jobs run --at`): detected_at is that.
    const deps = { ...ctx.deps, now: () => ctx.at };
    if (ctx.dryRun) {
      const plan = await planCostAnomalies(deps);
      const count = (c: string) => plan.planned.filter((p) => p.change === c).length;
      const stats = { detected: plan.planned.length, new: count('new'), extended: count('extended') };
      return {
        stats,
        summary: `would record ${stats.new} new and ${stats.extended} extended cost anomalies (${stats.detected} detected)`,
      };
    }
    const r = await recordCostAnomalies(deps);
    const stats = {
      detected: r.planned.length,
      new: r.created.length,
      extended: r.extended.length,
      restated: r.restated.length,
      unchanged: r.unchanged,
    };
    return {
      stats,
      summary:
        r.range === null
          ? 'no cost ingested yet: nothing to detect'
          : `cost ${r.range.firstDay}..${r.range.lastDay}: ${stats.new} new, ${stats.extended} extended, ` +
            `${stats.restated} restated anomalies (${stats.detected} detected)`,
    };
  },
};
