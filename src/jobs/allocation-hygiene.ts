import { blocksToTerminal } from '../blocks/terminal.ts';
import { postAllocationHygiene } from '../services/allocation-hygiene.ts';
import { ALLOCATION_HYGIENE_ACTIONS } from '../slack/ids.ts';
import { isoWeekKey } from './period.ts';
import { sentBefore, wouldPost } from './summary.ts';
import type { JobDefinition } from './types.ts';

/**
 * The weekly allocation hygiene in review.channel (config.allocation.hygiene_schedule, Mondays at
 * 09:00 local by default): last week's unallocated share of cloud + AI cost against the target,
 * its 8-week trend and the lines to tag. Once per ISO week.
 */
export const allocationHygieneJob: JobDefinition = {
  name: 'allocation-hygiene',
  description:
    "post last week's unallocated cost share, its trend and the lines to tag to the review channel",
  schedule: (config) => config.allocation.hygiene_schedule,
  periodKey: (at, config) => isoWeekKey(at, config.timezone),
  async run(ctx) {
    const r = await postAllocationHygiene(ctx.deps, ctx.messenger, ctx.at, {
      weekKey: ctx.periodKey,
      dryRun: ctx.dryRun,
      ids: ALLOCATION_HYGIENE_ACTIONS,
    });
    const head = r.view.currencies[0];
    const share =
      head?.week.sharePct == null
        ? 'no share'
        : `${head.week.sharePct.toFixed(1)}% ${head.currency} unallocated`;
    const stats = {
      week: r.view.from,
      lines: r.view.top.length,
      ...(head?.week.sharePct != null ? { unallocatedPct: Number(head.week.sharePct.toFixed(1)) } : {}),
      posted: r.state === 'posted' ? 1 : 0,
    };
    const what = `allocation hygiene of the week of ${r.view.from} (${share}, ${r.view.top.length} line(s) to tag)`;
    switch (r.state) {
      case 'posted':
        return { stats, summary: `${what} posted in ${r.channel}` };
      case 'nothing':
        return {
          stats,
          summary: `no cost ingested for the 8 weeks to ${r.view.to}: no hygiene post this week`,
        };
      case 'dry-run':
      case 'no-slack':
        return {
          stats,
          summary: `${wouldPost(r.state === 'dry-run')} the ${what}:\n${blocksToTerminal(r.message.blocks)}`,
        };
      default:
        return {
          stats,
          summary: `the ${what} was ${sentBefore(r.state)}`,
        };
    }
  },
};
