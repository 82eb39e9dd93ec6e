/**
 * Changing an item from its buttons — in the reminder DM, the App Home and `/finops actions`:
 * Done and Reopen act at once; Snooze, Reassign and Add note open a small modal whose submission
 * makes the change. The service checks who may change the item (owner, creator, admin) and
 * records each change with its audit event; others get an ephemeral refusal (a modal in the Home
 * tab). Afterwards the surface clicked on shows the item as it now stands and every Home tab the
 * change touched is republished.
 */
import type { App, RespondFn, ViewStateValue } from '@slack/bolt';
import {
  type ListContext,
  parseItemButtonValue,
  renderActionItemChanged,
  renderActionRefusal,
  renderAssignedToYou,
  renderNoteModal,
  renderOwnerFlag,
  renderReassignModal,
  renderSnoozeModal,
} from '../blocks/action-items.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import { section } from '../blocks/kit.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { addDays, dayOf } from '../lib/dates.ts';
import { isInputError } from '../lib/errors.ts';
import {
  ACTION_NOTE_MAX_LENGTH,
  type ActionItem,
  ActionItemInputError,
  ActionItemRefusedError,
  addActionItemNote,
  type ChangeOutcome,
  canChange,
  findActionItem,
  markActionItemDone,
  reassignActionItem,
  reopenActionItem,
  snoozeActionItem,
} from '../services/action-items.ts';
import type { SlackDeps } from '../slack/register.ts';
import {
  actionListAnswer,
  type Click,
  cardNow,
  type ChangeMeta,
  decodeChangeMeta,
  guardClick,
  newReference,
  refreshHomes,
  type Surface,
  surfaceOf,
  UI,
} from './action-common.ts';

interface Change {
  /** What happened, plain text ("Marked done"). */
  what: string;
  by: string;
}

export function registerActionChange(app: App, slack: SlackDeps): void {
  const immediate = (
    actionId: string,
    run: (itemId: number, actorId: string) => Promise<ChangeOutcome>,
    what: string,
  ) => {
    app.action<Click>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      await guardClick(slack, body, respond, async () => {
        const parsed = parseItemButtonValue(action.value);
        if (!parsed)
          throw new ActionItemInputError('title', 'This button no longer points at an action item.');
        const outcome = await run(parsed.id, body.user.id);
        await afterChange(slack, outcome, { what, by: body.user.id }, surfaceOf(body), {
          respond,
          list: parsed.list,
        });
      });
    });
  };
  immediate(
    UI.buttons.done,
    (itemId, actorId) => markActionItemDone(slack.deps, slack.access, { itemId, actorId }),
    'Marked done',
  );
  immediate(
    UI.buttons.reopen,
    (itemId, actorId) => reopenActionItem(slack.deps, slack.access, { itemId, actorId }),
    'Reopened',
  );

  const withModal = (
    actionId: string,
    render: (item: ActionItem, meta: string) => Record<string, unknown>,
  ) => {
    app.action<Click>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      await guardClick(slack, body, respond, async () => {
        const parsed = parseItemButtonValue(action.value);
        if (!parsed)
          throw new ActionItemInputError('title', 'This button no longer points at an action item.');
        const item = await findActionItem(slack.deps, parsed.id);
        if (!(await canChange(slack.access, body.user.id, item))) throw new ActionItemRefusedError(item);
        const meta: ChangeMeta = { id: item.id, s: surfaceOf(body) };
        await slack.gateway.openView(
          body.trigger_id,
          render(item, JSON.stringify(meta)) as Parameters<typeof slack.gateway.openView>[1],
        );
      });
    });
  };
  withModal(UI.buttons.snooze, (item, meta) => {
    const today = dayOf(slack.deps.now(), slack.deps.config.timezone);
    const from = [item.dueDate, today].sort()[1] as string; // the later of the two days
    return renderSnoozeModal(cardNow(slack, item), UI, meta, addDays(from, 7));
  });
  withModal(UI.buttons.reassign, (item, meta) => renderReassignModal(cardNow(slack, item), UI, meta));
  withModal(UI.buttons.note, (item, meta) =>
    renderNoteModal(cardNow(slack, item), UI, meta, ACTION_NOTE_MAX_LENGTH),
  );

  const submitted = (
    callbackId: string,
    blockId: string,
    run: (meta: ChangeMeta, value: ViewStateValue | undefined, actorId: string) => Promise<ChangeOutcome>,
    describe: (outcome: ChangeOutcome) => string,
    after?: (outcome: ChangeOutcome, actorId: string) => Promise<void>,
  ) => {
    app.view(callbackId, async ({ ack, body, view }) => {
      const actorId = body.user.id;
      const meta = decodeChangeMeta(view.private_metadata);
      if (!meta) {
        await ack({
          response_action: 'errors',
          errors: { [blockId]: 'This form lost track of its action item: close it and click again.' },
        });
        return;
      }
      let outcome: ChangeOutcome;
      try {
        outcome = await run(meta, view.state.values[blockId]?.[UI.input], actorId);
      } catch (err) {
        const message =
          err instanceof ActionItemRefusedError
            ? renderActionRefusal(err.item).text
            : isInputError(err)
              ? (err as Error).message
              : unexpected(slack, err);
        await ack({ response_action: 'errors', errors: { [blockId]: message } });
        return;
      }
      await ack();
      await afterChange(slack, outcome, { what: describe(outcome), by: actorId }, meta.s, {});
      if (outcome.changed && after) await after(outcome, actorId);
    });
  };

  submitted(
    UI.callbacks.snooze,
    UI.blocks.snoozeDue,
    (meta, value, actorId) =>
      snoozeActionItem(slack.deps, slack.access, {
        itemId: meta.id,
        actorId,
        dueDate: value?.selected_date ?? '',
      }),
    (o) => `Snoozed to ${o.item.dueDate}`,
  );
  submitted(
    UI.callbacks.reassign,
    UI.blocks.reassignOwner,
    (meta, value, actorId) =>
      reassignActionItem(slack.deps, slack.access, slack.gateway, {
        itemId: meta.id,
        actorId,
        ownerId: value?.selected_user ?? '',
      }),
    () => 'Reassigned',
    (o, actorId) => notifyReassigned(slack, o, actorId),
  );
  submitted(
    UI.callbacks.note,
    UI.blocks.note,
    (meta, value, actorId) =>
      addActionItemNote(slack.deps, slack.access, { itemId: meta.id, actorId, note: value?.value ?? '' }),
    () => 'Note added',
  );
}

function unexpected(slack: SlackDeps, err: unknown): string {
  const ref = newReference();
  slack.deps.logger.error(`action item change failed (ref ${ref})`, { error: err });
  return `Something went wrong on our side (reference ${ref}); try again.`;
}

/** The new owner hears about it; so does the creator when someone else moved their item. */
async function notifyReassigned(slack: SlackDeps, o: ChangeOutcome, actorId: string): Promise<void> {
  const log = slack.deps.logger;
  const card = cardNow(slack, o.item);
  if (o.item.ownerId !== actorId)
    await slack.gateway
      .dm(o.item.ownerId, renderAssignedToYou(card, actorId, UI))
      .catch((err: unknown) =>
        log.warn(`could not tell the new owner of action item #${o.item.id}`, { error: err }),
      );
  if (o.item.creatorId !== actorId && o.item.creatorId !== o.item.ownerId)
    await slack.gateway
      .dm(
        o.item.creatorId,
        renderOwnerFlag(card, { kind: 'reassigned', from: o.before.ownerId, by: actorId }, UI),
      )
      .catch((err: unknown) =>
        log.warn(`could not tell the creator of action item #${o.item.id}`, { error: err }),
      );
}

/**
 * Shows the item as it now stands where the change was made — the DM or message updated in place,
 * an ephemeral list re-rendered (or, after a modal, a short ephemeral note) — and republishes the
 * Home tabs of the person who acted and the owners before and after.
 */
async function afterChange(
  slack: SlackDeps,
  outcome: ChangeOutcome,
  change: Change,
  surface: Surface,
  opts: { respond?: RespondFn; list?: ListContext | null },
): Promise<void> {
  const log = slack.deps.logger;
  const card = cardNow(slack, outcome.item);
  const what = outcome.changed ? change.what : `No change: ${change.what.toLowerCase()} already`;
  try {
    if (surface.k === 'message') {
      await slack.gateway.update(
        surface.c,
        surface.ts,
        renderActionItemChanged(card, { ...change, what }, UI),
      );
    } else if (surface.k === 'list') {
      if (opts.respond && opts.list) {
        const { message } = await actionListAnswer(slack, change.by, opts.list);
        await opts.respond({
          response_type: 'ephemeral',
          replace_original: true,
          text: message.text,
          blocks: message.blocks,
        });
      } else {
        await slack.gateway.postEphemeral(surface.c, change.by, note(`${what}: #${card.id} ${card.title}`));
      }
    }
  } catch (err) {
    log.warn(`could not refresh the message of action item #${card.id}`, { error: err });
  }
  await refreshHomes(slack, [change.by, outcome.item.ownerId, outcome.before.ownerId]);
}

function note(text: string): RenderedMessage {
  return { text, blocks: [section(escapeMrkdwn(text))] };
}
