/**
 * Raising an action item: "Add action item" on a review reply (value `{productLine, month}`),
 * "Create action item" on an anomaly alert (value = the anomaly id) or on a line of the weekly
 * allocation hygiene (value = the line of unallocated spend), and the message shortcut
 * "Log as FinOps action" each open the "New action item" modal prefilled. Its submission is
 * validated first (errors on the fields, nothing written), then created in one transaction keyed
 * by the view id (a double-clicked or retried submit creates one item), acked, and confirmed in
 * the thread where it was raised.
 */
import type { App, MessageShortcut, ViewStateValue } from '@slack/bolt';
import { mentionChannel } from '../blocks/escape.ts';
import { renderAssignedToYou } from '../blocks/action-items.ts';
import { decodeUnallocatedLineRef } from '../blocks/allocation-hygiene.ts';
import { isMonth } from '../lib/dates.ts';
import { prefillFromUnallocated } from '../services/allocation-hygiene.ts';
import { confirmActionItem } from '../services/action-notify.ts';
import {
  type ActionField,
  type ActionItem,
  type ActionItemDraft,
  type CreateActionItemInput,
  createActionItem,
  type FieldErrors,
  prefillFromAnomaly,
  validateActionItemDraft,
} from '../services/action-items.ts';
import { ACTION_IDS, CALLBACK_IDS } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';
import { refreshAnomalyAlert } from './anomaly-buttons.ts';
import {
  type Click,
  cardNow,
  decodeCreateMeta,
  guardClick,
  newReference,
  openCreateModal,
  refreshHomes,
  UI,
} from './action-common.ts';

export function registerActionCreate(app: App, slack: SlackDeps): void {
  app.action<Click>(ACTION_IDS.actionItemAdd, async ({ ack, body, action, respond }) => {
    await ack();
    await guardClick(slack, body, respond, async () => {
      const { productLine, month } = reviewButtonValue(action.value);
      const known = slack.deps.config.product_lines.find((p) => p.id === productLine);
      const where = messageWhere(body);
      await openCreateModal(
        slack,
        body.trigger_id,
        { productLine: known?.id ?? null },
        `Raised in the review${month ? ` of ${month}` : ''}${known ? ` · ${known.name ?? known.id}` : ''}`,
        { c: where.channel, t: where.thread, m: month, mt: null },
      );
    });
  });

  app.action<Click>(ACTION_IDS.anomalyToAction, async ({ ack, body, action, respond }) => {
    await ack();
    await guardClick(slack, body, respond, async () => {
      const prefill = await prefillFromAnomaly(slack.deps, Number(action.value));
      const where = messageWhere(body);
      await openCreateModal(
        slack,
        body.trigger_id,
        prefill?.draft ?? {},
        prefill
          ? `From the ${prefill.kind === 'labor' ? 'labour spike' : 'cost anomaly'} ${prefill.label}`
          : 'The anomaly of this alert no longer exists.',
        { c: where.channel, t: where.thread, m: null, mt: null },
      );
    });
  });

  app.action<Click>(ACTION_IDS.allocationToAction, async ({ ack, body, action, respond }) => {
    await ack();
    await guardClick(slack, body, respond, async () => {
      const line = decodeUnallocatedLineRef(action.value);
      const prefill = line ? prefillFromUnallocated(slack.deps, line) : null;
      const where = messageWhere(body);
      await openCreateModal(
        slack,
        body.trigger_id,
        prefill?.draft ?? {},
        prefill?.origin ?? 'This line of unallocated spend could not be read: describe it in the title.',
        { c: where.channel, t: where.thread, m: null, mt: null },
      );
    });
  });

  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: CALLBACK_IDS.logAsActionShortcut },
    async ({ ack, shortcut }) => {
      await ack();
      const message = shortcut.message;
      const thread = typeof message['thread_ts'] === 'string' ? message['thread_ts'] : message.ts;
      try {
        await openCreateModal(
          slack,
          shortcut.trigger_id,
          { title: titleFromMessage(message.text) },
          `From a message in ${mentionChannel(shortcut.channel.id)}; its link is kept with the item.`,
          { c: shortcut.channel.id, t: thread, m: null, mt: message.ts },
        );
      } catch (err) {
        slack.deps.logger.warn('could not open the action item modal from the shortcut', { error: err });
      }
    },
  );

  app.view(UI.callbacks.create, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const meta = decodeCreateMeta(view.private_metadata);
    const draft = draftFromState(view.state.values);
    const check = await validateActionItemDraft(slack.deps, slack.gateway, draft, slack.deps.now());
    if (!check.ok) {
      await ack({ response_action: 'errors', errors: errorsOnBlocks(check.errors) });
      return;
    }
    let result: { item: ActionItem; created: boolean };
    try {
      const permalink =
        meta.c && meta.mt ? await slack.gateway.permalink(meta.c, meta.mt).catch(() => null) : null;
      const input: CreateActionItemInput = {
        ...check.value,
        creatorId: userId,
        source: meta.c ? { channel: meta.c, threadTs: meta.t, permalink } : null,
        reviewMonth: meta.m && isMonth(meta.m) ? meta.m : null,
        idempotencyKey: `view:${view.id}`,
      };
      result = await createActionItem(slack.deps, input);
    } catch (err) {
      const ref = newReference();
      slack.deps.logger.error(`could not save an action item (ref ${ref})`, { error: err });
      await ack({
        response_action: 'errors',
        errors: { [UI.blocks.title]: `Could not save the item just now (reference ${ref}): try again.` },
      });
      return;
    }
    await ack();
    await afterCreate(slack, result);
  });
}

/**
 * After an item is saved: the confirmation where it was raised (reported to the creator by DM
 * when Slack refuses it; retried daily), a DM to the owner when someone else raised it, and the
 * Home tabs of both. Returns the confirmation's outcome.
 */
export async function afterCreate(
  slack: SlackDeps,
  result: { item: ActionItem; created: boolean },
  opts: { reportToCreator: boolean } = { reportToCreator: true },
): Promise<Awaited<ReturnType<typeof confirmActionItem>>> {
  const { item } = result;
  const log = slack.deps.logger;
  const confirmed = await confirmActionItem(slack.deps, slack.gateway, item, slack.deps.now(), opts).catch(
    (err: unknown) => {
      log.error(`confirmation of action item #${item.id} failed`, { error: err });
      return { state: 'failed' as const, reason: 'internal error', reported: false };
    },
  );
  if (result.created && item.ownerId !== item.creatorId) {
    await slack.gateway
      .dm(item.ownerId, renderAssignedToYou(cardNow(slack, item), item.creatorId, UI))
      .catch((err: unknown) =>
        log.warn(`could not tell the owner of action item #${item.id}`, { error: err }),
      );
  }
  if (result.created && item.anomalyId !== null) await refreshAnomalyAlert(slack, item.anomalyId);
  await refreshHomes(slack, [item.ownerId, item.creatorId]);
  return confirmed;
}

function reviewButtonValue(value: string | undefined): { productLine: string | null; month: string | null } {
  try {
    const v = JSON.parse(value ?? '') as { productLine?: unknown; month?: unknown };
    return {
      productLine: typeof v.productLine === 'string' ? v.productLine : null,
      month: typeof v.month === 'string' && isMonth(v.month) ? v.month : null,
    };
  } catch {
    return { productLine: null, month: null };
  }
}

/** The channel of the clicked message and the thread it belongs to (its own ts for a root). */
function messageWhere(body: Click): { channel: string | null; thread: string | null } {
  const c = body.container;
  const channel = body.channel?.id ?? (typeof c['channel_id'] === 'string' ? c['channel_id'] : null);
  const thread =
    (typeof body.message?.['thread_ts'] === 'string' ? (body.message['thread_ts'] as string) : undefined) ??
    (typeof c['thread_ts'] === 'string' ? c['thread_ts'] : undefined) ??
    body.message?.ts ??
    (typeof c['message_ts'] === 'string' ? c['message_ts'] : null);
  // An ephemeral message has no thread of its own to reply in.
  return { channel, thread: c['is_ephemeral'] === true ? null : thread };
}

/** The first line of a message, its entities undone, cut to the title's length. */
function titleFromMessage(text: string | undefined): string {
  const first =
    (text ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const plain = first.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return plain.length > 200 ? `${plain.slice(0, 199)}…` : plain;
}

type StateValues = Record<string, Record<string, ViewStateValue>>;

function draftFromState(values: StateValues): ActionItemDraft {
  const el = (block: string) => values[block]?.[UI.input];
  const anomaly = el(UI.blocks.anomaly)?.selected_option?.value;
  return {
    title: el(UI.blocks.title)?.value ?? undefined,
    ownerId: el(UI.blocks.owner)?.selected_user ?? undefined,
    dueDate: el(UI.blocks.due)?.selected_date ?? undefined,
    productLine: el(UI.blocks.product)?.selected_option?.value ?? null,
    anomalyId: anomaly === undefined ? null : Number(anomaly),
  };
}

const FIELD_BLOCKS: Record<ActionField, string> = {
  title: UI.blocks.title,
  owner: UI.blocks.owner,
  due: UI.blocks.due,
  product: UI.blocks.product,
  anomaly: UI.blocks.anomaly,
  note: UI.blocks.note,
};

/**
 * Field errors keyed by the block id of the field (a value can only arrive for a field the modal
 * showed, so each error has its block).
 */
export function errorsOnBlocks(errors: FieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors) as Array<[ActionField, string]>)
    out[FIELD_BLOCKS[field]] = message;
  return out;
}
