/**
 * Block actions, view submissions and shortcuts. Each surface registers here with one line.
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../slack/register.ts';
import { registerActionItems } from './action-items.ts';
import { registerAnomalyButtons } from './anomaly-buttons.ts';
import { registerAnomalyResolve } from './anomaly-resolve.ts';
import { registerShare } from './share.ts';

export function register(app: App, slack: SlackDeps): void {
  registerShare(app, slack);
  registerAnomalyButtons(app, slack);
  registerAnomalyResolve(app, slack);
  registerActionItems(app, slack);
}
