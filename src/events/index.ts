/**
 * Events API listeners. App Home: shows what the bot does and its commands until the action log
 * (my open items, my team's numbers) replaces this view.
 */
import type { App } from '@slack/bolt';
import { renderHelpHome } from '../blocks/help.ts';
import { USAGE } from '../commands/parser.ts';
import { SLASH_COMMAND } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';

export function register(app: App, slack: SlackDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await slack.gateway
      .publishHome(event.user, renderHelpHome({ command: SLASH_COMMAND, entries: USAGE }))
      .catch((err: unknown) => slack.deps.logger.warn('could not publish the App Home', { error: err }));
  });
}
