/**
 * Block actions, view submissions and shortcuts. Each surface registers here with one line.
 */
import type { App, MessageShortcut } from '@slack/bolt';
import { renderInfoModal } from '../blocks/reply.ts';
import { CALLBACK_IDS } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';
import { registerAnomalyButtons } from './anomaly-buttons.ts';
import { registerAnomalyResolve } from './anomaly-resolve.ts';
import { registerShare } from './share.ts';

export function register(app: App, slack: SlackDeps): void {
  registerShare(app, slack);
  registerAnomalyButtons(app, slack);
  registerAnomalyResolve(app, slack);
  registerLogAsActionPlaceholder(app, slack);
}

/** The manifest declares the message shortcut; until the action log lands it says so. */
function registerLogAsActionPlaceholder(app: App, slack: SlackDeps): void {
  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: CALLBACK_IDS.logAsActionShortcut },
    async ({ ack, shortcut }) => {
      await ack();
      await slack.gateway
        .openView(
          shortcut.trigger_id,
          renderInfoModal(
            'Log as FinOps action',
            'Logging a message as a FinOps action item is not available yet in this version of finops-review.',
            CALLBACK_IDS.infoModal,
          ),
        )
        .catch((err: unknown) => slack.deps.logger.warn('could not open the info modal', { error: err }));
    },
  );
}
