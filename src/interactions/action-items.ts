/**
 * The action log's listeners, registered with one line in interactions/index.ts: raising items
 * (review and anomaly buttons, the message shortcut, the modal), changing them (Done, Reopen,
 * Snooze, Reassign, Add note) and paging through `/finops actions`.
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../slack/register.ts';
import { registerActionChange } from './action-change.ts';
import { registerActionCreate } from './action-create.ts';
import { registerActionList } from './action-list.ts';

export function registerActionItems(app: App, slack: SlackDeps): void {
  registerActionCreate(app, slack);
  registerActionChange(app, slack);
  registerActionList(app, slack);
}
