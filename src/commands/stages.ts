import { renderStagesAnswer } from '../blocks/figures.ts';
import { readFigures } from '../services/figures-query.ts';
import { teamOfChannel } from './channel-team.ts';
import type { CommandHandler } from './types.ts';

/** `/finops stages [PRODUCT] [YYYY-MM]`: the stage mix with its drift; the same for every reader. */
export const handle: CommandHandler<'stages'> = async (ctx) => {
  const { slack, command } = ctx;
  const view = await readFigures(slack.deps, {
    month: command.month,
    product: command.product,
    teamId: teamOfChannel(slack, ctx.channelId),
    finance: false,
  });
  return { message: renderStagesAnswer(view) };
};
