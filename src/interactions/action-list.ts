/**
 * The page buttons of `/finops actions`: the same list for the person who clicked, at the page the
 * button names, replacing the ephemeral answer in place.
 */
import type { App } from '@slack/bolt';
import { parsePageButtonValue } from '../blocks/action-items.ts';
import { ActionItemInputError } from '../services/action-items.ts';
import type { SlackDeps } from '../slack/register.ts';
import { actionListAnswer, type Click, guardClick, UI } from './action-common.ts';

export function registerActionList(app: App, slack: SlackDeps): void {
  app.action<Click>(UI.buttons.page, async ({ ack, body, action, respond }) => {
    await ack();
    await guardClick(slack, body, respond, async () => {
      const list = parsePageButtonValue(action.value);
      if (!list)
        throw new ActionItemInputError('title', 'This page button is out of date: run the command again.');
      const { message } = await actionListAnswer(slack, body.user.id, list);
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        text: message.text,
        blocks: message.blocks,
      });
    });
  });
}
