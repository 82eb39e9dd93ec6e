import { renderMarginAnswer } from '../blocks/figures.ts';
import { readFigures } from '../services/figures-query.ts';
import { teamOfChannel } from './channel-team.ts';
import type { CommandHandler } from './types.ts';

/**
 * `/finops margin [PRODUCT] [YYYY-MM]`: costs for everyone; revenue, gross margin, drift by driver
 * and unit cost for finance viewers. What a finance viewer shares in the channel is the version
 * everyone may see.
 */
export const handle: CommandHandler<'margin'> = async (ctx) => {
  const { slack, command } = ctx;
  const finance = (await slack.access.authorize(ctx.userId, 'command:margin', { kind: 'finance-figures' }))
    .allow;
  const view = await readFigures(slack.deps, {
    month: command.month,
    product: command.product,
    teamId: teamOfChannel(slack, ctx.channelId),
    finance,
  });
  const message = renderMarginAnswer(view);
  return finance ? { message, share: renderMarginAnswer({ ...view, finance: false }) } : { message };
};
