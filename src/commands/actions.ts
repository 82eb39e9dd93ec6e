import { actionListAnswer } from '../interactions/action-common.ts';
import type { CommandHandler } from './types.ts';

/**
 * `/finops actions [mine|open|overdue|PRODUCT]`: the first page of the action log with each item's
 * buttons and Previous / Next; "Share in channel" shares the same page without buttons.
 */
export const handle: CommandHandler<'actions'> = async (ctx) => {
  const { message, share } = await actionListAnswer(ctx.slack, ctx.userId, {
    filter: ctx.command.filter ?? null,
    product: ctx.command.product ?? null,
    offset: 0,
  });
  return { message, share };
};
