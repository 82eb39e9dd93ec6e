import { dayOf, monthOf } from '../lib/dates.ts';
import { firstWorkingDay, previousQuarter, quarterOfMonth } from '../model/kpi-review.ts';
import { postKpiReview } from '../services/post-kpi-review.ts';
import type { JobDefinition } from './types.ts';
import { wouldPost } from './summary.ts';

/**
 * Every day at 09:00 on the 1st to the 7th of January, April, July and October (config.timezone).
 * Cron cannot say "first working day": node-cron ANDs day-of-month with day-of-week, so
 * `0 9 1-3 1,4,7,10 1-5` would mean "the 1st to 3rd AND a weekday" — right by luck on most days,
 * but a run missed on that day would have no later tick. So it ticks daily in the first week and
 * the job decides: before the quarter's first working day the run is a no-op under a key of its
 * own; from that day on the key is the reviewed quarter, so the first tick posts and the later
 * ones find the period done (a failed run is taken over by the next day's tick).
 */
export const QUARTERLY_KPI_REVIEW_SCHEDULE = '0 9 1-7 1,4,7,10 *';

/** The reviewed quarter (the one before `at`'s), or a `…:before-<day>` key before the first working day. */
export function quarterlyPeriodKey(at: Date, timezone: string): string {
  const current = quarterOfMonth(monthOf(at, timezone));
  const reviewed = previousQuarter(current);
  const first = firstWorkingDay(current);
  const today = dayOf(at, timezone);
  return today >= first ? reviewed : `${reviewed}:before-${first}:${today}`;
}

export const quarterlyKpiReviewJob: JobDefinition = {
  name: 'quarterly-kpi-review',
  description:
    "post the previous quarter's KPI review (trends, crawl/walk/run stages, one focus) to the review channel on the quarter's first working day",
  schedule: () => QUARTERLY_KPI_REVIEW_SCHEDULE,
  periodKey: (at, config) => quarterlyPeriodKey(at, config.timezone),
  async run(ctx) {
    const [quarter, before] = ctx.periodKey.split(':before-');
    if (before !== undefined) {
      const firstDay = before.split(':')[0];
      return {
        stats: { posted: 0 },
        summary: `not the first working day of the quarter yet (that is ${firstDay}): the review of ${quarter} waits`,
      };
    }
    const deps = { ...ctx.deps, now: () => ctx.at };
    const r = await postKpiReview(deps, ctx.messenger, {
      quarter: quarter as string,
      dryRun: ctx.dryRun,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const count = (o: string) => r.items.filter((i) => i.outcome === o).length;
    const stats = {
      quarter: r.quarter,
      posted: count('posted'),
      already: count('already'),
      failed: count('failed'),
      uncertain: count('uncertain'),
      ...(r.dryRun ? { wouldPost: count('would-post') } : {}),
    };
    if (r.dryRun) {
      const summary = `KPI review of ${r.quarter}: ${wouldPost(ctx.dryRun)} ${stats.wouldPost} message(s)\n${r.preview}`;
      // Without Slack nothing was posted: the run is recorded failed, so a run with Slack posts it.
      return ctx.dryRun
        ? { stats, summary }
        : { stats, summary, error: 'no Slack connection (SLACK_BOT_TOKEN)' };
    }
    const summary = `KPI review of ${r.quarter}: ${stats.posted} posted, ${stats.already} already there, ${stats.failed} failed, ${stats.uncertain} uncertain`;
    const bad = r.items.filter((i) => i.outcome === 'failed' || i.outcome === 'uncertain');
    return bad.length === 0
      ? { stats, summary }
      : {
          stats,
          summary,
          error: `${bad.length} message(s) not posted: ${bad.map((b) => `${b.key} (${b.error})`).join(', ')}`,
        };
  },
};
