/**
 * The buttons of a cost anomaly alert. Each acks first, calls the triage service, and updates the
 * alert in place with who did what and when; a refusal (already resolved, unknown anomaly) is an
 * ephemeral note to the person who clicked. "Resolve" opens a modal for the one-line cause
 * (anomaly-resolve.ts takes its submission).
 */
import { randomBytes } from 'node:crypto';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { renderResolveModal } from '../blocks/anomaly-alert.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import { renderError, renderUnexpectedError } from '../blocks/reply.ts';
import { isInputError } from '../lib/errors.ts';
import {
  acknowledgeAnomaly,
  anomalyAlertMessage,
  CAUSE_MAX_LENGTH,
  markAnomalyExpected,
  readAnomalyForAlert,
  type TriageOutcome,
} from '../services/anomaly-triage.ts';
import { ACTION_IDS, ANOMALY_ALERT_ACTIONS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_ID } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';

type Click = BlockAction<ButtonAction>;

export function registerAnomalyButtons(app: App, slack: SlackDeps): void {
  app.action<Click>(ACTION_IDS.anomalyAcknowledge, async ({ ack, body, action }) => {
    await ack();
    await triageClick(slack, body, action, (id, user) => acknowledgeAnomaly(slack.deps, id, user));
  });

  app.action<Click>(ACTION_IDS.anomalyExpected, async ({ ack, body, action }) => {
    await ack();
    await triageClick(slack, body, action, (id, user) => markAnomalyExpected(slack.deps, id, user));
  });

  app.action<Click>(ACTION_IDS.anomalyResolve, async ({ ack, body, action }) => {
    await ack();
    await guarded(slack, body, async () => {
      const { anomaly, resolveSubject } = await readAnomalyForAlert(
        slack.deps,
        anomalyIdOf(action),
        ANOMALY_ALERT_ACTIONS,
      );
      if (anomaly.status !== 'open' && anomaly.status !== 'acknowledged') {
        await tell(slack, body, renderError(`This anomaly is ${anomaly.status} already.`));
        return;
      }
      await slack.gateway.openView(
        body.trigger_id,
        renderResolveModal(resolveSubject, {
          callbackId: CALLBACK_IDS.anomalyResolveModal,
          blockId: BLOCK_IDS.anomalyCause,
          actionId: INPUT_ACTION_ID,
          privateMetadata: String(anomaly.id),
          maxLength: CAUSE_MAX_LENGTH,
        }),
      );
    });
  });

  // "Create action item" (ACTION_IDS.anomalyToAction) is the action log's: interactions/action-create.ts.
}

/**
 * Re-renders an anomaly's alert where it was posted (after an action item was linked to it, the
 * alert lists it). Never throws: a failure is logged.
 */
export async function refreshAnomalyAlert(slack: SlackDeps, anomalyId: number): Promise<void> {
  try {
    const { anomaly, message } = await readAnomalyForAlert(slack.deps, anomalyId, ANOMALY_ALERT_ACTIONS);
    if (!anomaly.channelId || !anomaly.messageTs) return;
    await slack.gateway.update(anomaly.channelId, anomaly.messageTs, message);
  } catch (err) {
    slack.deps.logger.warn(`could not refresh the alert of anomaly ${anomalyId}`, { error: err });
  }
}

function anomalyIdOf(action: ButtonAction): number {
  const id = Number(action.value);
  return Number.isSafeInteger(id) && id > 0 ? id : 0;
}

/** Runs a triage change, then shows the alert as it now stands, where it was posted. */
async function triageClick(
  slack: SlackDeps,
  body: Click,
  action: ButtonAction,
  change: (id: number, userId: string) => Promise<TriageOutcome>,
): Promise<void> {
  await guarded(slack, body, async () => {
    const { anomaly } = await change(anomalyIdOf(action), body.user.id);
    const channel = anomaly.channelId ?? body.container.channel_id;
    const ts = anomaly.messageTs ?? body.container.message_ts;
    if (!channel || !ts) return;
    const msg = await anomalyAlertMessage(slack.deps, anomaly, ANOMALY_ALERT_ACTIONS);
    await slack.gateway.update(channel, ts, msg);
  });
}

/** One error policy for these buttons: bad input is told to the clicker, anything else logged with a reference. */
async function guarded(slack: SlackDeps, body: Click, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (isInputError(err)) {
      await tell(slack, body, renderError((err as Error).message));
      return;
    }
    const ref = randomBytes(4).toString('hex');
    slack.deps.logger.error(`anomaly button failed (ref ${ref})`, { error: err });
    await tell(slack, body, renderUnexpectedError(ref));
  }
}

async function tell(slack: SlackDeps, body: Click, msg: RenderedMessage): Promise<void> {
  const channel = body.container.channel_id ?? body.channel?.id;
  if (!channel) return;
  await slack.gateway
    .postEphemeral(channel, body.user.id, msg)
    .catch((err: unknown) => slack.deps.logger.warn('could not answer an anomaly button', { error: err }));
}
