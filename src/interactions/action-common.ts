/**
 * What the action log's listeners share: the modal metadata they pass through Slack, opening the
 * "New action item" modal, publishing the App Home, answering the clicker on the surface they
 * clicked on, and one error policy for the buttons.
 */
import { randomBytes } from 'node:crypto';
import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { renderActionHome } from '../blocks/action-home.ts';
import {
  ACTION_LIST_PAGE_SIZE,
  type ActionItemCard,
  type ListContext,
  renderActionItemModal,
  renderActionList,
  renderActionRefusal,
} from '../blocks/action-items.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import { renderError, renderInfoModal, renderUnexpectedError } from '../blocks/reply.ts';
import { isInputError } from '../lib/errors.ts';
import { dayOf } from '../lib/dates.ts';
import { actionHomeView } from '../services/action-home.ts';
import {
  ACTION_TITLE_MAX_LENGTH,
  type ActionItem,
  type ActionItemDraft,
  type ActionListFilter,
  ActionItemRefusedError,
  actionModalChoices,
  listActionItems,
  summarize,
} from '../services/action-items.ts';
import { ACTION_ITEM_UI, CALLBACK_IDS, SLASH_COMMAND } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';

export type Click = BlockAction<ButtonAction>;
export const UI = ACTION_ITEM_UI;

// ── metadata carried through a modal ────────────────────────────────────────

/** Where a new item comes from (the "New action item" modal's private_metadata). */
export interface CreateMeta {
  /** Channel the item is raised in (its confirmation goes there). */
  c: string | null;
  /** Thread root to confirm in. */
  t: string | null;
  /** Review month, from a review reply's button. */
  m: string | null;
  /** The message a shortcut was used on (its permalink is kept). */
  mt: string | null;
}

/** The surface a change was started from, refreshed after the change. */
export type Surface =
  | { k: 'message'; c: string; ts: string }
  | { k: 'list'; c: string }
  | { k: 'home' }
  | { k: 'none'; c: string | null };

export interface ChangeMeta {
  id: number;
  s: Surface;
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function parseJson(text: string | undefined): Record<string, unknown> {
  try {
    return obj(JSON.parse(text ?? ''));
  } catch {
    return {};
  }
}

export function decodeCreateMeta(text: string | undefined): CreateMeta {
  const o = parseJson(text);
  return { c: s(o['c']), t: s(o['t']), m: s(o['m']), mt: s(o['mt']) };
}

export function decodeChangeMeta(text: string | undefined): ChangeMeta | null {
  const o = parseJson(text);
  const id = Number(o['id']);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const sf = obj(o['s']);
  const c = s(sf['c']);
  const ts = s(sf['ts']);
  const surface: Surface =
    sf['k'] === 'message' && c && ts
      ? { k: 'message', c, ts }
      : sf['k'] === 'list' && c
        ? { k: 'list', c }
        : sf['k'] === 'home'
          ? { k: 'home' }
          : { k: 'none', c };
  return { id, s: surface };
}

/** Where a button was clicked: a message (DM or channel), an ephemeral list, or the Home tab. */
export function surfaceOf(body: Click): Surface {
  const c = body.container;
  const channel =
    (typeof c['channel_id'] === 'string' ? c['channel_id'] : undefined) ?? body.channel?.id ?? null;
  if (c['type'] === 'view') return { k: 'home' };
  if (c['is_ephemeral'] === true && channel) return { k: 'list', c: channel };
  const ts = typeof c['message_ts'] === 'string' ? c['message_ts'] : body.message?.ts;
  if (channel && ts) return { k: 'message', c: channel, ts };
  return { k: 'none', c: channel };
}

// ── the create modal ────────────────────────────────────────────────────────

/** Opens "New action item" prefilled (call it first thing: the trigger expires in ~3 s). */
export async function openCreateModal(
  slack: SlackDeps,
  triggerId: string,
  prefill: ActionItemDraft,
  origin: string | null,
  meta: CreateMeta,
): Promise<void> {
  const choices = await actionModalChoices(slack.deps, prefill);
  await slack.gateway.openView(
    triggerId,
    renderActionItemModal(
      {
        initial: prefill,
        products: choices.products,
        anomalies: choices.anomalies,
        origin,
        privateMetadata: JSON.stringify(meta),
      },
      UI,
      ACTION_TITLE_MAX_LENGTH,
    ),
  );
}

// ── cards, lists and the Home tab ───────────────────────────────────────────

export function cardNow(slack: SlackDeps, item: ActionItem): ActionItemCard {
  return summarize(slack.deps, item, dayOf(slack.deps.now(), slack.deps.config.timezone));
}

function listTitle(slack: SlackDeps, ctx: ListContext): { title: string; empty: string } {
  if (ctx.product) {
    const pl = slack.deps.config.product_lines.find((p) => p.id === ctx.product);
    const name = pl?.name ?? ctx.product;
    return { title: `Action items of ${name}`, empty: `${name} has no action items.` };
  }
  if (ctx.filter === 'mine')
    return { title: 'Your open action items', empty: 'You have no open action items.' };
  if (ctx.filter === 'overdue') return { title: 'Overdue action items', empty: 'No action item is overdue.' };
  return { title: 'Open action items', empty: 'There are no open action items.' };
}

const FILTERS: readonly string[] = ['mine', 'open', 'overdue'];

/** A page of `/finops actions` for `userId`: with buttons for them, text only for sharing. */
export async function actionListAnswer(
  slack: SlackDeps,
  userId: string,
  ctx: ListContext,
): Promise<{ message: RenderedMessage; share: RenderedMessage }> {
  const filter =
    ctx.filter !== null && FILTERS.includes(ctx.filter) ? (ctx.filter as ActionListFilter) : undefined;
  const page = await listActionItems(
    slack.deps,
    {
      filter,
      product: ctx.product ?? undefined,
      userId,
      offset: ctx.offset,
      limit: ACTION_LIST_PAGE_SIZE,
    },
    slack.deps.now(),
  );
  const { title, empty } = listTitle(slack, ctx);
  const view = {
    title,
    items: page.items,
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    list: { filter: filter ?? null, product: ctx.product, offset: page.offset },
    emptyText: empty,
  };
  return { message: renderActionList(view, UI), share: renderActionList(view, null) };
}

/** Publishes the person's App Home; a failure is logged, never thrown. */
export async function publishActionHome(slack: SlackDeps, userId: string): Promise<void> {
  try {
    const showMargin = (await slack.access.authorize(userId, 'home', { kind: 'finance-figures' })).allow;
    const view = await actionHomeView(slack.deps, userId, {
      now: slack.deps.now(),
      showMargin,
      command: SLASH_COMMAND,
    });
    await slack.gateway.publishHome(userId, renderActionHome(view, UI));
  } catch (err) {
    slack.deps.logger.warn(`could not publish the App Home of ${userId}`, { error: err });
  }
}

/** Refreshes the Home tab of everyone a change touched (each once). */
export async function refreshHomes(
  slack: SlackDeps,
  userIds: ReadonlyArray<string | undefined>,
): Promise<void> {
  const unique = [...new Set(userIds.filter((u): u is string => typeof u === 'string' && /^[UW]/.test(u)))];
  await Promise.all(unique.map((u) => publishActionHome(slack, u)));
}

// ── answering the clicker ───────────────────────────────────────────────────

/**
 * An answer only the clicker sees: ephemeral in the channel or DM of the message they clicked, or
 * a small modal when they clicked in the Home tab (which has no place for ephemeral messages).
 */
export async function tellClicker(
  slack: SlackDeps,
  body: Click,
  respond: RespondFn | undefined,
  msg: RenderedMessage,
): Promise<void> {
  const log = slack.deps.logger;
  if (body.container['type'] === 'view') {
    await slack.gateway
      .openView(body.trigger_id, renderInfoModal('FinOps action item', msg.text, CALLBACK_IDS.infoModal))
      .catch((err: unknown) => log.warn('could not answer a Home tab click', { error: err }));
    return;
  }
  if (respond) {
    try {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: msg.text,
        blocks: msg.blocks,
      });
      return;
    } catch (err) {
      log.debug('response_url answer failed; posting ephemerally', { error: err });
    }
  }
  const channel = surfaceOf(body);
  const c = channel.k === 'home' ? null : channel.c;
  if (!c) return;
  await slack.gateway
    .postEphemeral(c, body.user.id, msg)
    .catch((err: unknown) => log.warn('could not answer an action item click', { error: err }));
}

/** One error policy for the action log's buttons: refusals and bad input told, the rest logged. */
export async function guardClick(
  slack: SlackDeps,
  body: Click,
  respond: RespondFn | undefined,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ActionItemRefusedError) {
      await tellClicker(slack, body, respond, renderActionRefusal(err.item));
      return;
    }
    if (isInputError(err)) {
      await tellClicker(slack, body, respond, renderError((err as Error).message));
      return;
    }
    const ref = randomBytes(4).toString('hex');
    slack.deps.logger.error(`action item button failed (ref ${ref})`, {
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    await tellClicker(slack, body, respond, renderUnexpectedError(ref));
  }
}

export function newReference(): string {
  return randomBytes(4).toString('hex');
}
