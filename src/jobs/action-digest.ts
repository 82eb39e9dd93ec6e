import { postOverdueDigest } from '../services/action-notify.ts';
import { isoWeekKey } from './period.ts';
import { sentBefore, wouldPost } from './summary.ts';
import type { JobDefinition } from './types.ts';

/**
 * The weekly digest of overdue action items in review.channel (config.actions.digest_schedule,
 * Mondays at 09:00 local by default). Once per ISO week; nothing is posted when nothing is overdue.
 */
export const actionDigestJob: JobDefinition = {
  name: 'action-digest',
  description: 'post the weekly digest of overdue action items to the review channel',
  schedule: (config) => config.actions.digest_schedule,
  periodKey: (at, config) => isoWeekKey(at, config.timezone),
  async run(ctx) {
    const r = await postOverdueDigest(ctx.deps, ctx.messenger, ctx.at, {
      weekKey: ctx.periodKey,
      dryRun: ctx.dryRun,
    });
    const stats = { overdue: r.overdue, posted: r.state === 'posted' ? 1 : 0 };
    switch (r.state) {
      case 'posted':
        return { stats, summary: `digest of ${r.overdue} overdue item(s) posted in ${r.channel}` };
      case 'nothing':
        return { stats, summary: 'no action item is overdue: no digest this week' };
      case 'dry-run':
      case 'no-slack':
        return {
          stats,
          summary: `${wouldPost(r.state === 'dry-run')} the digest of ${r.overdue} overdue item(s): ${r.message?.text ?? ''}`,
        };
      default:
        return {
          stats,
          summary: `the digest of this week was ${sentBefore(r.state)}`,
        };
    }
  },
};
