/**
 * "Share in channel" under an ephemeral /finops answer: posts the stored answer for everyone
 * (through the click's response_url, else chat.postMessage) and removes the ephemeral copy.
 * Only the person who got the answer can share it.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { renderError, renderShared } from '../blocks/reply.ts';
import { findSharedAnswer } from '../db/repos/shared-answers.ts';
import { ACTION_IDS } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';

export function registerShare(app: App, slack: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.shareAnswer, async ({ ack, body, action, respond }) => {
    await ack();
    const log = slack.deps.logger;
    const userId = body.user.id;
    const id = Number(action.value);
    const answer = Number.isSafeInteger(id) && id > 0 ? await findSharedAnswer(slack.deps.db, id) : undefined;
    const refuse = async (text: string) => {
      const msg = renderError(text);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: msg.text,
        blocks: msg.blocks,
      }).catch((err: unknown) => log.warn('could not answer a share click', { error: err }));
    };
    if (!answer) {
      await refuse('This answer is no longer available to share: run the command again.');
      return;
    }
    const decision = await slack.access.authorize(userId, `action:${ACTION_IDS.shareAnswer}`, {
      kind: 'shared-answer',
      askedBy: answer.userId,
    });
    if (!decision.allow) {
      await refuse(decision.reason);
      return;
    }
    const msg = renderShared({ text: answer.text, blocks: answer.blocks as never }, userId);
    try {
      await respond({
        response_type: 'in_channel',
        replace_original: false,
        text: msg.text,
        blocks: msg.blocks,
      });
    } catch (err) {
      log.warn('sharing through response_url failed; posting with chat.postMessage', { error: err });
      try {
        await slack.gateway.post(answer.channelId, msg);
      } catch (err2) {
        log.error('could not share the answer', { error: err2 });
        await refuse('Could not post in this channel: invite the bot (/invite @finops) and try again.');
        return;
      }
    }
    await respond({ delete_original: true }).catch((err: unknown) =>
      log.debug('could not remove the ephemeral answer after sharing', { error: err }),
    );
  });
}
