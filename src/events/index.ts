/**
 * Events API listeners. App Home: my open action items with their buttons, my team's latest
 * numbers and my team's open anomalies, published each time someone opens the Home tab.
 */
import type { App } from '@slack/bolt';
import { publishActionHome } from '../interactions/action-common.ts';
import type { SlackDeps } from '../slack/register.ts';

export function register(app: App, slack: SlackDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await publishActionHome(slack, event.user);
  });
}
