/**
 * The "Resolve" modal's submission: a one-line cause is required. Bad input (no cause, too long,
 * an anomaly someone else closed meanwhile) is shown on the field and nothing is written;
 * otherwise the anomaly is resolved (one short transaction, well within Slack's 3 s) and its
 * alert updated in place after the ack.
 */
import { randomBytes } from 'node:crypto';
import type { App, ViewSubmitAction } from '@slack/bolt';
import { isInputError } from '../lib/errors.ts';
import { anomalyAlertMessage, resolveAnomaly, type TriageOutcome } from '../services/anomaly-triage.ts';
import { ANOMALY_ALERT_ACTIONS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_ID } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';

export function registerAnomalyResolve(app: App, slack: SlackDeps): void {
  app.view<ViewSubmitAction>(CALLBACK_IDS.anomalyResolveModal, async ({ ack, body, view }) => {
    const cause = view.state.values[BLOCK_IDS.anomalyCause]?.[INPUT_ACTION_ID]?.value ?? '';
    const id = Number(view.private_metadata);
    const log = slack.deps.logger;
    let outcome: TriageOutcome;
    try {
      outcome = await resolveAnomaly(slack.deps, id, body.user.id, cause);
    } catch (err) {
      if (isInputError(err)) {
        await ack({
          response_action: 'errors',
          errors: { [BLOCK_IDS.anomalyCause]: (err as Error).message },
        });
        return;
      }
      const ref = randomBytes(4).toString('hex');
      log.error(`resolving anomaly ${id} failed (ref ${ref})`, { error: err });
      await ack({
        response_action: 'errors',
        errors: {
          [BLOCK_IDS.anomalyCause]: `Something went wrong on our side (reference ${ref}); try again.`,
        },
      });
      return;
    }
    await ack();
    const { anomaly } = outcome;
    if (!anomaly.channelId || !anomaly.messageTs) return;
    try {
      const msg = await anomalyAlertMessage(slack.deps, anomaly, ANOMALY_ALERT_ACTIONS);
      await slack.gateway.update(anomaly.channelId, anomaly.messageTs, msg);
    } catch (err) {
      log.warn(`anomaly ${id} resolved, but its alert could not be updated`, { error: err });
    }
  });
}
