import { postMonthlyReview, type PostReviewResult } from '../services/post-monthly-review.ts';
import { ACTION_IDS } from '../slack/ids.ts';
import { previousMonthKey } from './period.ts';
import type { JobDefinition, JobResult } from './types.ts';

/**
 * The monthly review: at `review.schedule` (cron in config.timezone, default 09:00 on the 2nd),
 * posts the review of the month before. The period is that month, so the review of a month runs
 * once; a failed run (a channel missing, Slack down part-way) is taken over by the next run of the
 * same period, which posts only what is missing.
 */
export const monthlyReviewJob: JobDefinition = {
  name: 'monthly-review',
  description: "post the previous month's review thread, charts, replies and team showbacks to Slack",
  schedule: (config) => config.review.schedule,
  periodKey: (at, config) => previousMonthKey(at, config.timezone),
  async run(ctx) {
    const deps = { ...ctx.deps, now: () => ctx.at };
    const r = await postMonthlyReview(deps, ctx.messenger, {
      month: ctx.periodKey,
      replyIds: { addActionItem: ACTION_IDS.actionItemAdd },
      dryRun: ctx.dryRun,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return reviewJobResult(r);
  },
};

export function reviewJobResult(r: PostReviewResult): JobResult {
  const c = r.counts;
  const stats = {
    month: r.month,
    posted: c.posted,
    already: c.already,
    failed: c.failed,
    uncertain: c.uncertain,
    skipped: c.skipped,
    ...(r.dryRun ? { wouldPost: c['would-post'] } : {}),
  };
  const failures = r.items.filter((i) => i.outcome === 'failed' || i.outcome === 'uncertain');
  const head = r.dryRun
    ? `review of ${r.month}: would post ${c['would-post']} message(s) (${c.already} already posted)`
    : `review of ${r.month}: ${c.posted} posted, ${c.already} already there, ${c.failed} failed, ${c.uncertain} uncertain${r.frozen ? '; snapshot frozen' : ''}`;
  const summary = r.dryRun ? `${head}\n${r.preview}` : head;
  if (failures.length === 0) return { stats, summary };
  return {
    stats,
    summary,
    error: `${failures.length} review message(s) not posted: ${failures
      .slice(0, 10)
      .map((f) => `${f.key} in ${f.channel} (${f.error ?? f.outcome})`)
      .join(', ')}${failures.length > 10 ? `, …and ${failures.length - 10} more` : ''}`,
  };
}
