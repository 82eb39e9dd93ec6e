/**
 * The action log in Slack, pure: item lists with buttons (paged), the create / snooze / reassign /
 * note modals, the confirmation in the thread where an item was raised, the reminder DM, the
 * weekly digest of overdue items and the notes to owners and creators. View-models in,
 * `{ text, blocks }` (or a view) out; every id comes in as an argument; every text from people
 * (titles, notes, product names) is escaped; every payload stays within Block Kit limits.
 */
import { escapeMrkdwn, link, mentionChannel, mentionUser } from './escape.ts';
import {
  actions,
  type Block,
  button,
  type ButtonElement,
  context,
  header,
  type PlainText,
  plain,
  type RenderedMessage,
  section,
} from './kit.ts';
import { capBlocks, LIMITS, moreText, truncateText } from './limits.ts';

/** The ids the action log's renderers use (src/slack/ids.ts ACTION_ITEM_UI). */
export interface ActionItemUiIds {
  buttons: { done: string; reopen: string; snooze: string; reassign: string; note: string; page: string };
  callbacks: { create: string; snooze: string; reassign: string; note: string };
  blocks: {
    title: string;
    owner: string;
    due: string;
    product: string;
    anomaly: string;
    note: string;
    snoozeDue: string;
    reassignOwner: string;
  };
  /** action_id of the element inside each input block. */
  input: string;
}

/** One item as the renderers show it. */
export interface ActionItemCard {
  id: number;
  title: string;
  ownerId: string;
  creatorId: string;
  dueDate: string;
  productLine: string | null;
  /** The product line's name from the config (its id when it has none). */
  productName: string | null;
  state: 'open' | 'overdue' | 'done';
  daysOverdue: number;
  sourcePermalink: string | null;
  anomalyId: number | null;
}

/** Which list a button sits in, so a click can re-render the same page. */
export interface ListContext {
  filter: string | null;
  product: string | null;
  offset: number;
}

/** Items per page of `/finops actions` (two blocks each: well inside 50 with the framing). */
export const ACTION_LIST_PAGE_SIZE = 15;
/** Items the App Home shows before pointing at `/finops actions mine`. */
export const HOME_ITEMS_MAX = 20;

// ── button values ───────────────────────────────────────────────────────────

export function itemButtonValue(id: number, list?: ListContext): string {
  return JSON.stringify(list ? { id, l: { f: list.filter, p: list.product, o: list.offset } } : { id });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function listOf(v: unknown): ListContext | null {
  if (!isObj(v)) return null;
  const o = Number(v['o']);
  return {
    filter: strOrNull(v['f']),
    product: strOrNull(v['p']),
    offset: Number.isSafeInteger(o) && o >= 0 ? o : 0,
  };
}

/** The item (and list) a button is about; null when the value is not one of ours. */
export function parseItemButtonValue(
  value: string | undefined,
): { id: number; list: ListContext | null } | null {
  if (value === undefined) return null;
  // A bare id is accepted too (other surfaces may link an item by id alone).
  const bare = Number(value);
  if (Number.isSafeInteger(bare) && bare > 0) return { id: bare, list: null };
  try {
    const v = JSON.parse(value) as unknown;
    if (!isObj(v)) return null;
    const id = Number(v['id']);
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    return { id, list: listOf(v['l']) };
  } catch {
    return null;
  }
}

export function pageButtonValue(list: ListContext): string {
  return JSON.stringify({ f: list.filter, p: list.product, o: list.offset });
}

export function parsePageButtonValue(value: string | undefined): ListContext | null {
  if (value === undefined) return null;
  try {
    return listOf(JSON.parse(value) as unknown);
  } catch {
    return null;
  }
}

// ── one item ────────────────────────────────────────────────────────────────

function stateIcon(s: ActionItemCard['state']): string {
  return s === 'done' ? '✅' : s === 'overdue' ? '⏰' : '◻️';
}

function dueText(card: ActionItemCard): string {
  if (card.state === 'done') return `was due ${card.dueDate}`;
  if (card.state === 'overdue')
    return `due ${card.dueDate} (*${card.daysOverdue} day${card.daysOverdue === 1 ? '' : 's'} overdue*)`;
  return `due ${card.dueDate}`;
}

/** `*#12* ⏰ Title` / `@owner · due … · Checkout · source`. */
export function itemLines(card: ActionItemCard): string {
  const parts = [mentionUser(card.ownerId), dueText(card)];
  if (card.productName) parts.push(escapeMrkdwn(card.productName));
  if (card.anomalyId !== null) parts.push(`anomaly #${card.anomalyId}`);
  if (card.sourcePermalink) parts.push(link(card.sourcePermalink, 'source message'));
  return `${stateIcon(card.state)} *#${card.id}* ${escapeMrkdwn(card.title)}\n${parts.join(' · ')}`;
}

/** The buttons an item offers in its state: Done / Snooze / Reassign / Add note, or Reopen / Add note. */
export function itemButtons(card: ActionItemCard, ids: ActionItemUiIds, list?: ListContext): ButtonElement[] {
  const value = itemButtonValue(card.id, list);
  if (card.state === 'done')
    return [button('Reopen', ids.buttons.reopen, { value }), button('Add note', ids.buttons.note, { value })];
  return [
    button('Done', ids.buttons.done, { value, style: 'primary' }),
    button('Snooze', ids.buttons.snooze, { value }),
    button('Reassign', ids.buttons.reassign, { value }),
    button('Add note', ids.buttons.note, { value }),
  ];
}

function itemBlocks(card: ActionItemCard, ids: ActionItemUiIds | null, list?: ListContext): Block[] {
  const blocks = [section(itemLines(card))];
  if (ids) blocks.push(actions(itemButtons(card, ids, list), `action_item_${card.id}`));
  return blocks;
}

// ── lists ───────────────────────────────────────────────────────────────────

export interface ActionListView {
  /** "Your open action items", "Overdue action items", "Action items of Checkout"… (raw). */
  title: string;
  items: ActionItemCard[];
  total: number;
  offset: number;
  limit: number;
  list: ListContext;
  /** What to say when there is nothing (raw). */
  emptyText: string;
}

/**
 * A page of items. With `ids` each item has its buttons and the page has Previous / Next; without
 * (the copy shared in a channel) it is text only.
 */
export function renderActionList(v: ActionListView, ids: ActionItemUiIds | null): RenderedMessage {
  if (v.total === 0 || v.items.length === 0) {
    const text = v.total === 0 ? v.emptyText : `${v.title}: no items on this page (${v.total} in all).`;
    return {
      text: escapeMrkdwn(text),
      blocks: [section(`*${escapeMrkdwn(v.title)}*\n${escapeMrkdwn(text)}`)],
    };
  }
  const from = v.offset + 1;
  const to = v.offset + v.items.length;
  const range = v.total > v.items.length ? ` — ${from}–${to} of ${v.total}` : '';
  const blocks: Block[] = [section(`*${escapeMrkdwn(v.title)}*${range}`)];
  const list = ids ? v.list : undefined;
  for (const card of v.items) blocks.push(...itemBlocks(card, ids, list));
  const nav: ButtonElement[] = [];
  if (ids && v.offset > 0)
    nav.push(
      button('◀ Previous', ids.buttons.page, {
        value: pageButtonValue({ ...v.list, offset: Math.max(0, v.offset - v.limit) }),
      }),
    );
  if (ids && to < v.total)
    nav.push(button('Next ▶', ids.buttons.page, { value: pageButtonValue({ ...v.list, offset: to }) }));
  if (nav.length > 0) {
    // Two page buttons share an action id: distinct values are enough, but Slack wants distinct ids
    // per block only, so they sit in one actions block.
    blocks.push(actions(nav, 'action_items_pages'));
  } else if (!ids && to < v.total) blocks.push(context([moreText(v.total - to, 'items')]));
  // One slot stays free for the "Share in channel" button.
  const capped = capBlocks(blocks, LIMITS.messageBlocks - 1, (hidden) => context([moreText(hidden)]));
  const text = `${escapeMrkdwn(v.title)}: ${v.total} item${v.total === 1 ? '' : 's'}${range ? ` (showing ${from}–${to})` : ''}.`;
  return { text, blocks: capped };
}

// ── the item as a message (reminder DM, assignment DM, after a change) ──────────

export type ReminderKind = 'due-soon' | 'due-today' | 'overdue';

export function reminderHeadline(kind: ReminderKind, days: number): string {
  if (kind === 'due-soon') return `:bell: Due in ${days} day${days === 1 ? '' : 's'}`;
  if (kind === 'due-today') return ':bell: Due today';
  return `:alarm_clock: ${days} day${days === 1 ? '' : 's'} overdue`;
}

/**
 * The item on its own with its buttons, under a headline (already mrkdwn) and an optional note.
 * The fallback is the notification text, which Slack formats as mrkdwn too: outside text in it is
 * escaped by the callers, like in the blocks.
 */
export function renderActionItemMessage(
  card: ActionItemCard,
  ids: ActionItemUiIds,
  opts: { headline: string; note?: string; fallback: string },
): RenderedMessage {
  const blocks: Block[] = [section(`${opts.headline}\n${itemLines(card)}`)];
  blocks.push(actions(itemButtons(card, ids), `action_item_${card.id}`));
  if (opts.note) blocks.push(context([opts.note]));
  return { text: truncateText(opts.fallback, LIMITS.recommendedText), blocks };
}

/**
 * The reminder DM to the owner: two days before due, on the due day, every three days while
 * overdue, with Done / Snooze (and Reassign / Add note). Also what the local preview prints.
 */
export function renderActionReminder(
  card: ActionItemCard,
  reminder: { kind: ReminderKind; days: number },
  ids: ActionItemUiIds,
): RenderedMessage {
  const when =
    reminder.kind === 'due-soon'
      ? `is due in ${reminder.days} days (${card.dueDate})`
      : reminder.kind === 'due-today'
        ? 'is due today'
        : `is ${reminder.days} days overdue (was due ${card.dueDate})`;
  return renderActionItemMessage(card, ids, {
    headline: reminderHeadline(reminder.kind, reminder.days),
    note: 'Done when it is done; Snooze picks a new due date. Reminders come on weekdays only.',
    fallback: `Action item #${card.id} ${when}: ${escapeMrkdwn(card.title)}`,
  });
}

/** The DM to a new owner. */
export function renderAssignedToYou(card: ActionItemCard, by: string, ids: ActionItemUiIds): RenderedMessage {
  return renderActionItemMessage(card, ids, {
    headline: `:memo: ${mentionUser(by)} gave you an action item`,
    fallback: `You own action item #${card.id}: ${escapeMrkdwn(card.title)} (due ${card.dueDate})`,
  });
}

/** What a message with an item's buttons becomes after a change made there. */
export function renderActionItemChanged(
  card: ActionItemCard,
  change: { what: string; by: string },
  ids: ActionItemUiIds,
): RenderedMessage {
  return renderActionItemMessage(card, ids, {
    headline: `${escapeMrkdwn(change.what)} by ${mentionUser(change.by)}`,
    fallback: `Action item #${card.id}: ${change.what}`,
  });
}

// ── confirmations and notes ─────────────────────────────────────────────────

/** The confirmation in the thread (or channel) where the item was raised. */
export function renderActionItemConfirmation(card: ActionItemCard, creatorId: string): RenderedMessage {
  const blocks: Block[] = [
    section(`:memo: ${mentionUser(creatorId)} logged an action item\n${itemLines(card)}`),
    context(['The owner gets reminders by DM; see it in the App Home or with `/finops actions`.']),
  ];
  const text = `Action item #${card.id} logged: ${escapeMrkdwn(card.title)} — owner ${mentionUser(card.ownerId)}, due ${card.dueDate}`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

/** To the creator when the confirmation could not be posted where the item was raised. */
export function renderConfirmationFailed(
  card: ActionItemCard,
  where: { channel: string; reason: string },
): RenderedMessage {
  const text =
    `Action item #${card.id} is saved, but its confirmation could not be posted in ` +
    `${mentionChannel(where.channel)} (${escapeMrkdwn(where.reason)}). It is retried each weekday morning; ` +
    'invite the bot to the channel (/invite @finops) if it is private.';
  return {
    text: `Action item #${card.id} is saved; its confirmation could not be posted (${escapeMrkdwn(where.reason)}).`,
    blocks: [section(`:warning: ${text}`), section(itemLines(card))],
  };
}

/** To the creator: the owner left (deactivated in Slack) or the item was reassigned by someone else. */
export function renderOwnerFlag(
  card: ActionItemCard,
  flag: { kind: 'owner-deactivated' } | { kind: 'reassigned'; from: string; by: string },
  ids: ActionItemUiIds,
): RenderedMessage {
  const headline =
    flag.kind === 'owner-deactivated'
      ? `:warning: The owner of an action item you raised, ${mentionUser(card.ownerId)}, is deactivated in Slack: reassign it so it is not forgotten`
      : `:arrows_counterclockwise: ${mentionUser(flag.by)} reassigned an action item you raised from ${mentionUser(flag.from)} to ${mentionUser(card.ownerId)}`;
  const fallback =
    flag.kind === 'owner-deactivated'
      ? `The owner of action item #${card.id} is deactivated: reassign it. ${card.title}`
      : `Action item #${card.id} was reassigned: ${card.title}`;
  return renderActionItemMessage(card, ids, { headline, fallback });
}

/** An ephemeral refusal for someone who may not change the item. */
export function renderActionRefusal(
  card: Pick<ActionItemCard, 'id' | 'ownerId' | 'creatorId'>,
): RenderedMessage {
  const text = `Only the owner (${mentionUser(card.ownerId)}), the creator (${mentionUser(card.creatorId)}) or a FinOps admin can change action item #${card.id}.`;
  return {
    text: `Only the owner, the creator or a FinOps admin can change action item #${card.id}.`,
    blocks: [section(`:no_entry: ${text}`)],
  };
}

// ── the weekly digest ───────────────────────────────────────────────────────

export interface OverdueDigestView {
  /** The Monday of the week (raw). */
  weekOf: string;
  today: string;
  items: ActionItemCard[];
}

/** The weekly digest of overdue items for review.channel: most overdue first, no buttons. */
export function renderOverdueDigest(v: OverdueDigestView): RenderedMessage {
  const title = `Overdue action items — week of ${v.weekOf}`;
  if (v.items.length === 0) {
    const text = `${title}: none. Every open action item is on time.`;
    return { text, blocks: [header(title), section(escapeMrkdwn(text))] };
  }
  const sorted = [...v.items].sort((a, b) => b.daysOverdue - a.daysOverdue || a.id - b.id);
  const byOwner = new Map<string, number>();
  for (const i of sorted) byOwner.set(i.ownerId, (byOwner.get(i.ownerId) ?? 0) + 1);
  const blocks: Block[] = [
    header(title),
    section(
      `*${v.items.length}* action item${v.items.length === 1 ? ' is' : 's are'} overdue as of ${v.today}. ` +
        'Owners: mark them done or snooze them to a date you will keep.',
    ),
  ];
  // Each item is two short lines; sections of up to 3000 characters, at most 45 of them.
  const lines = sorted.map((i) => itemLines(i));
  const sections: string[] = [];
  let current: string[] = [];
  for (const l of lines) {
    if ([...current, l].join('\n\n').length > LIMITS.sectionText - 100) {
      sections.push(current.join('\n\n'));
      current = [];
    }
    current.push(l);
  }
  if (current.length > 0) sections.push(current.join('\n\n'));
  for (const s of sections) blocks.push(section(s));
  const capped = capBlocks(blocks, LIMITS.messageBlocks, (hidden) => context([moreText(hidden, 'sections')]));
  const text = `${v.items.length} action item${v.items.length === 1 ? ' is' : 's are'} overdue (${title}).`;
  return { text, blocks: capped };
}

// ── modals ──────────────────────────────────────────────────────────────────

export interface ActionItemModalView {
  initial: {
    title?: string | undefined;
    ownerId?: string | undefined;
    dueDate?: string | undefined;
    productLine?: string | null | undefined;
    anomalyId?: number | null | undefined;
  };
  products: ReadonlyArray<{ id: string; name: string }>;
  /** Anomalies one may link (open ones first); the prefilled one is always among them. */
  anomalies: ReadonlyArray<{ id: number; label: string }>;
  /** What the item is raised from, shown above the fields (mrkdwn, already escaped). */
  origin: string | null;
  privateMetadata: string;
}

interface Option {
  text: PlainText;
  value: string;
}

const option = (text: string, value: string): Option => ({
  text: plain(truncateText(text, LIMITS.optionText)),
  value,
});

function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string } = {},
): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    element,
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
  };
}

/** The "New action item" modal: title, owner, due date, product line, optional anomaly. */
export function renderActionItemModal(v: ActionItemModalView, ids: ActionItemUiIds, titleMax: number) {
  const b = ids.blocks;
  const blocks: Block[] = [];
  if (v.origin) blocks.push(context([truncateText(v.origin, LIMITS.sectionText)]));
  blocks.push(
    input(b.title, 'What needs doing', {
      type: 'plain_text_input',
      action_id: ids.input,
      max_length: titleMax,
      placeholder: plain('Rightsize the search cluster'),
      ...(v.initial.title ? { initial_value: truncateText(v.initial.title, titleMax) } : {}),
    }),
  );
  blocks.push(
    input(b.owner, 'Owner', {
      type: 'users_select',
      action_id: ids.input,
      placeholder: plain('Who will do it'),
      ...(v.initial.ownerId ? { initial_user: v.initial.ownerId } : {}),
    }),
  );
  blocks.push(
    input(b.due, 'Due date', {
      type: 'datepicker',
      action_id: ids.input,
      placeholder: plain('Pick a day'),
      ...(v.initial.dueDate ? { initial_date: v.initial.dueDate } : {}),
    }),
  );
  const products = v.products.slice(0, LIMITS.selectOptions).map((p) => option(p.name, p.id));
  if (products.length > 0) {
    const initial = products.find((o) => o.value === v.initial.productLine);
    blocks.push(
      input(
        b.product,
        'Product line',
        {
          type: 'static_select',
          action_id: ids.input,
          placeholder: plain('Which product line'),
          options: products,
          ...(initial ? { initial_option: initial } : {}),
        },
        { optional: true },
      ),
    );
  }
  const anomalies = v.anomalies.slice(0, LIMITS.selectOptions).map((a) => option(a.label, String(a.id)));
  if (anomalies.length > 0) {
    const initial = anomalies.find((o) => o.value === String(v.initial.anomalyId));
    blocks.push(
      input(
        b.anomaly,
        'Cost anomaly',
        {
          type: 'static_select',
          action_id: ids.input,
          placeholder: plain('Link an anomaly (optional)'),
          options: anomalies,
          ...(initial ? { initial_option: initial } : {}),
        },
        { optional: true },
      ),
    );
  }
  return {
    type: 'modal' as const,
    callback_id: ids.callbacks.create,
    title: plain('New action item'),
    submit: plain('Save'),
    close: plain('Cancel'),
    private_metadata: v.privateMetadata,
    blocks,
  };
}

function smallModal(callbackId: string, title: string, privateMetadata: string, blocks: Block[]) {
  return {
    type: 'modal' as const,
    callback_id: callbackId,
    title: plain(title),
    submit: plain('Save'),
    close: plain('Cancel'),
    private_metadata: privateMetadata,
    blocks,
  };
}

export function renderSnoozeModal(
  card: ActionItemCard,
  ids: ActionItemUiIds,
  privateMetadata: string,
  suggested: string,
) {
  return smallModal(ids.callbacks.snooze, 'Snooze action item', privateMetadata, [
    section(itemLines(card)),
    input(ids.blocks.snoozeDue, 'New due date', {
      type: 'datepicker',
      action_id: ids.input,
      initial_date: suggested,
      placeholder: plain('Pick a day'),
    }),
  ]);
}

export function renderReassignModal(card: ActionItemCard, ids: ActionItemUiIds, privateMetadata: string) {
  return smallModal(ids.callbacks.reassign, 'Reassign action item', privateMetadata, [
    section(itemLines(card)),
    input(ids.blocks.reassignOwner, 'New owner', {
      type: 'users_select',
      action_id: ids.input,
      initial_user: card.ownerId,
      placeholder: plain('Who takes it over'),
    }),
  ]);
}

export function renderNoteModal(
  card: ActionItemCard,
  ids: ActionItemUiIds,
  privateMetadata: string,
  maxLength: number,
) {
  return smallModal(ids.callbacks.note, 'Add a note', privateMetadata, [
    section(itemLines(card)),
    input(ids.blocks.note, 'Note', {
      type: 'plain_text_input',
      action_id: ids.input,
      multiline: true,
      max_length: maxLength,
      placeholder: plain('What happened, what is blocking it'),
    }),
  ]);
}

/** The answer to a complete `/finops action add`: the item, and whether the channel was told. */
export function renderActionItemLogged(
  card: ActionItemCard,
  confirmation:
    | { state: 'posted'; channel: string }
    | { state: 'failed'; channel: string; reason: string }
    | null,
): RenderedMessage {
  const head =
    confirmation === null
      ? `:memo: Logged action item #${card.id}.`
      : confirmation.state === 'posted'
        ? `:memo: Logged action item #${card.id} and confirmed it in ${mentionChannel(confirmation.channel)}.`
        : `:memo: Logged action item #${card.id}, but its confirmation could not be posted in ${mentionChannel(confirmation.channel)} (${escapeMrkdwn(confirmation.reason)}); it is retried each weekday morning.`;
  const text =
    confirmation?.state === 'failed'
      ? `Logged action item #${card.id}; its confirmation could not be posted (${escapeMrkdwn(confirmation.reason)}).`
      : `Logged action item #${card.id}: ${escapeMrkdwn(card.title)}`;
  return {
    text: truncateText(text, LIMITS.recommendedText),
    blocks: [section(`${head}\n${itemLines(card)}`)],
  };
}
