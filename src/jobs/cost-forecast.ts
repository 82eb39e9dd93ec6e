import { blocksToTerminal } from '../blocks/terminal.ts';
import { runMidMonthForecast } from '../services/forecast.ts';
import { monthKey } from './period.ts';
import type { JobDefinition } from './types.ts';
import { wouldPost } from './summary.ts';

/**
 * The mid-month forecast (config.forecast.schedule, 09:00 on the 15th by default): stores each
 * product line's and the organisation's month-end forecast of cloud + AI cost, and alerts each
 * owning team whose product line is heading more than `forecast.alert_pct` over last month. Once
 * per month; a failed alert is retried by a re-run of the month, which posts only what is missing.
 */
export const costForecastJob: JobDefinition = {
  name: 'cost-forecast',
  description: 'store the month-end cost forecast and alert teams heading over last month',
  schedule: (config) => config.forecast.schedule,
  periodKey: (at, config) => monthKey(at, config.timezone),
  async run(ctx) {
    const r = await runMidMonthForecast(ctx.deps, ctx.messenger, ctx.at, { dryRun: ctx.dryRun });
    const { plan } = r;
    const count = (s: string) => r.alerts.filter((a) => a.state === s).length;
    const stats = {
      month: plan.month,
      through: plan.through ?? '',
      forecasts: plan.subjects.length,
      alerts: r.alerts.length,
      posted: count('posted'),
      already: count('already'),
      failed: count('failed'),
    };
    if (plan.through === null)
      return { stats, summary: `no cost ingested before ${plan.madeOn}: no forecast for ${plan.month}` };
    const org = plan.subjects.find((s) => s.productLine === null);
    const head = `forecast of ${plan.month} from cost through ${plan.through}: organisation ${org ? org.figures.forecast.toFixed(2) : '—'} ${plan.currency}, ${plan.subjects.length - 1} product line(s)`;
    if (ctx.dryRun || !ctx.messenger) {
      const previews = r.alerts.map(
        (a) => `── alert:${a.productLine} → ${a.channel}\n${blocksToTerminal(a.message.blocks)}`,
      );
      return {
        stats,
        summary: [
          `${ctx.dryRun ? 'would store the ' : 'stored the '}${head}; ${wouldPost(ctx.dryRun)} ${r.alerts.length} alert(s)`,
          ...previews,
        ].join('\n'),
      };
    }
    const summary = `stored the ${head}; alerts: ${stats.posted} posted, ${stats.already} already posted, ${stats.failed} failed${
      r.alerts.length > 0
        ? ` (${r.alerts.map((a) => `${a.productLine} → ${a.channel}: ${a.state}`).join(', ')})`
        : ''
    }`;
    return { stats, summary, ...(r.failures.length > 0 ? { error: r.failures.join('; ') } : {}) };
  },
};
