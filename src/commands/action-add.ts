import { mentionChannel } from '../blocks/escape.ts';
import { renderActionItemLogged } from '../blocks/action-items.ts';
import { afterCreate } from '../interactions/action-create.ts';
import { cardNow, openCreateModal } from '../interactions/action-common.ts';
import { dayOf } from '../lib/dates.ts';
import { createActionItem, dueDateProblem, ownerProblem } from '../services/action-items.ts';
import { usageMessage } from './help.ts';
import type { CommandHandler } from './types.ts';

/**
 * `/finops action add "title" @owner YYYY-MM-DD [PRODUCT]`. Bad parts (a due date in the past, an
 * owner who is not an active user; the parser already refused unknown products, unparsable dates
 * and long titles) answer with the usage and write nothing. Missing parts open the modal with what
 * was typed. A complete command logs the item (keyed by the command's trigger, so a retry does not
 * log it twice) and confirms it in the channel.
 */
export const handle: CommandHandler<'action-add'> = async (ctx) => {
  const { deps, gateway } = ctx.slack;
  const c = ctx.command;
  const today = dayOf(deps.now(), deps.config.timezone);
  const problem =
    (c.due !== undefined ? dueDateProblem(c.due, today) : undefined) ??
    (c.ownerId !== undefined ? await ownerProblem(gateway, c.ownerId, deps.logger) : undefined);
  if (problem) return { message: usageMessage({ message: problem.replace(/\.$/, '') }), share: null };

  if (c.title === undefined || c.ownerId === undefined || c.due === undefined) {
    await openCreateModal(
      ctx.slack,
      ctx.triggerId,
      { title: c.title, ownerId: c.ownerId, dueDate: c.due, productLine: c.product ?? null },
      `From \`/finops action add\` in ${mentionChannel(ctx.channelId)}: fill in what is missing.`,
      { c: ctx.channelId, t: null, m: null, mt: null },
    );
    return null;
  }

  const result = await createActionItem(deps, {
    title: c.title,
    ownerId: c.ownerId,
    dueDate: c.due,
    productLine: c.product ?? null,
    anomalyId: null,
    creatorId: ctx.userId,
    source: { channel: ctx.channelId, threadTs: null, permalink: null },
    reviewMonth: null,
    idempotencyKey: `command:${ctx.triggerId}`,
  });
  const confirmed = await afterCreate(ctx.slack, result, { reportToCreator: false });
  const card = cardNow(ctx.slack, result.item);
  const confirmation =
    confirmed.state === 'posted'
      ? { state: 'posted' as const, channel: confirmed.channel }
      : confirmed.state === 'failed'
        ? { state: 'failed' as const, channel: ctx.channelId, reason: confirmed.reason }
        : null;
  return { message: renderActionItemLogged(card, confirmation), share: null };
};
