/**
 * The action log's use cases, shared by the Slack surfaces, the jobs and the review:
 * - create an item: validated first (nothing is written when a field is wrong), then ONE
 *   transaction with its `created` event; the idempotency key (from the Slack payload: the view
 *   id of a modal, the trigger of a command) makes a double-clicked or retried submit a no-op;
 * - change an item (done, reopen, snooze, reassign, note): only its owner, its creator or an admin
 *   (the caller passes the access check in), each change with an event holding who, when, what,
 *   before and after, in the same transaction as the change;
 * - list items (mine, open, overdue, a product line) a page at a time;
 * - the review's look back (`reviewActionItems`) and the KPIs (`actionItemKpis`).
 * Slack is reached only through the Messenger port.
 */
import type { ReviewActionItem } from '../blocks/review.ts';
import { type Anomaly, getAnomaly, listAnomalies } from '../db/repos/anomalies.ts';
import {
  type ActionEvent,
  type ActionItem,
  type ActionItemPatch,
  findActionItemByKey,
  getActionItem,
  getActionItemForUpdate,
  insertActionEvent,
  insertActionItem,
  listActionEvents,
  listActionItemsCreated,
  listActionItemsForReview,
  listActionItemsPage,
  listOpenActionItems,
  updateActionItem,
} from '../db/repos/action-items.ts';
import { dayOf, isDay, isMonth, monthBounds } from '../lib/dates.ts';
import { FinopsError, InputError } from '../lib/errors.ts';
import {
  type ActionKpis,
  type ActionStatus,
  actionKpisOf,
  actionStatusOn,
  daysOverdue,
  reviewStatusOf,
} from '../model/action-items.ts';
import type { Messenger, ServiceDeps } from './deps.ts';

export type { ActionEvent, ActionItem } from '../db/repos/action-items.ts';

export type ActionItemDeps = Pick<ServiceDeps, 'db' | 'config' | 'logger' | 'now'>;

/** Longest title (the modal and the command say so too). */
export const ACTION_TITLE_MAX_LENGTH = 200;
/** Longest note. */
export const ACTION_NOTE_MAX_LENGTH = 1000;

const USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;

/** The fields of an item a person fills in; errors are reported per field. */
export const ACTION_FIELDS = ['title', 'owner', 'due', 'product', 'anomaly', 'note'] as const;
export type ActionField = (typeof ACTION_FIELDS)[number];
export type FieldErrors = Partial<Record<ActionField, string>>;

/** Bad input on one field: the modal shows it on that field, the command answers with usage. */
export class ActionItemInputError extends InputError {
  readonly field: ActionField;
  constructor(field: ActionField, message: string) {
    super(`action_${field}_invalid`, message);
    this.name = 'ActionItemInputError';
    this.field = field;
  }
}

export class ActionItemNotFoundError extends InputError {
  constructor(id: number) {
    super('action_item_not_found', `Action item #${id} does not exist (any more).`);
    this.name = 'ActionItemNotFoundError';
  }
}

/** Someone who is not the owner, the creator or an admin tried to change an item. */
export class ActionItemRefusedError extends InputError {
  readonly item: ActionItem;
  constructor(item: ActionItem) {
    super(
      'access_denied',
      `Only the owner, the creator or a FinOps admin can change action item #${item.id}.`,
    );
    this.name = 'ActionItemRefusedError';
    this.item = item;
  }
}

/** The one authorization question the action log asks (src/slack/access.ts answers it). */
export interface ActionItemPermissions {
  canChangeActionItem(
    userId: string,
    item: { id: number; ownerId: string; creatorId: string },
  ): Promise<boolean>;
}

/** Who is a Slack user (users.info through the Messenger port). */
export type UserDirectory = Pick<Messenger, 'userInfo'>;

// ── validation ───────────────────────────────────────────────────────────────

export interface ActionItemDraft {
  title?: string | undefined;
  ownerId?: string | undefined;
  dueDate?: string | undefined;
  productLine?: string | null | undefined;
  anomalyId?: number | null | undefined;
}

export interface ValidActionItem {
  title: string;
  ownerId: string;
  dueDate: string;
  productLine: string | null;
  anomalyId: number | null;
}

export type DraftCheck = { ok: true; value: ValidActionItem } | { ok: false; errors: FieldErrors };

/** Characters that print nothing (zero-width spaces and joiners, the BOM, soft hyphens, direction marks). */
const INVISIBLE_RE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

function titleProblem(raw: string | undefined): string | undefined {
  const title = raw?.trim() ?? '';
  // A title of only invisible characters would list as a blank line: it is no title.
  if (title.replace(INVISIBLE_RE, '').trim().length === 0) return 'Give the action item a title.';
  if (title.length > ACTION_TITLE_MAX_LENGTH)
    return `The title is ${title.length} characters long; keep it to ${ACTION_TITLE_MAX_LENGTH} or fewer.`;
  return undefined;
}

/** A due date must be a real day, today or later (in config.timezone). */
export function dueDateProblem(raw: string | undefined, today: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return 'Pick a due date.';
  const day = raw.trim();
  if (!isDay(day)) return `"${day}" is not a date: use YYYY-MM-DD, for example ${today}.`;
  if (day < today) return `${day} is in the past: pick today (${today}) or a later day.`;
  return undefined;
}

/** The owner must be an active Slack user (users.info: exists and not deactivated). */
export async function ownerProblem(
  directory: UserDirectory,
  userId: string | undefined,
  logger: ServiceDeps['logger'],
): Promise<string | undefined> {
  if (userId === undefined || userId === '') return 'Choose an owner.';
  if (!USER_ID_RE.test(userId)) return `"${userId}" is not a Slack user: choose a person.`;
  try {
    const u = await directory.userInfo(userId);
    if (u === null) return `${userId} is not a user in this workspace: choose a person.`;
    if (u.deleted) return `${u.name ?? userId} is deactivated: choose someone who is still here.`;
    return undefined;
  } catch (err) {
    logger.warn('users.info failed while checking an action item owner', { error: err });
    return 'Could not check this person with Slack just now: try again in a moment.';
  }
}

function productProblem(deps: ActionItemDeps, productLine: string | null | undefined): string | undefined {
  if (productLine === undefined || productLine === null || productLine === '') return undefined;
  if (deps.config.product_lines.some((p) => p.id === productLine)) return undefined;
  const ids = deps.config.product_lines.map((p) => p.id);
  return `Unknown product line "${productLine}": choose one of ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', …' : ''}.`;
}

/** Every problem of a draft, by field (all fields are checked, so the person sees them at once). */
export async function validateActionItemDraft(
  deps: ActionItemDeps,
  directory: UserDirectory,
  draft: ActionItemDraft,
  now: Date,
): Promise<DraftCheck> {
  const today = dayOf(now, deps.config.timezone);
  const errors: FieldErrors = {};
  const title = titleProblem(draft.title);
  if (title) errors.title = title;
  const due = dueDateProblem(draft.dueDate, today);
  if (due) errors.due = due;
  const product = productProblem(deps, draft.productLine);
  if (product) errors.product = product;
  if (draft.anomalyId !== undefined && draft.anomalyId !== null) {
    const a = Number.isSafeInteger(draft.anomalyId) ? await getAnomaly(deps.db, draft.anomalyId) : undefined;
    if (!a)
      errors.anomaly = `Anomaly #${draft.anomalyId} does not exist: leave the field empty or pick another.`;
  }
  const owner = await ownerProblem(directory, draft.ownerId, deps.logger);
  if (owner) errors.owner = owner;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title: (draft.title as string).trim(),
      ownerId: draft.ownerId as string,
      dueDate: (draft.dueDate as string).trim(),
      productLine: draft.productLine || null,
      anomalyId: draft.anomalyId ?? null,
    },
  };
}

// ── create ───────────────────────────────────────────────────────────────────

export interface ActionItemSource {
  /** Channel the item was raised in; the confirmation goes there. */
  channel: string;
  /** Thread (root message ts) to confirm in; null = a new message in the channel. */
  threadTs: string | null;
  /** Link to the message the item was made from (shortcut). */
  permalink: string | null;
}

export interface CreateActionItemInput extends ValidActionItem {
  creatorId: string;
  source: ActionItemSource | null;
  reviewMonth: string | null;
  /** From the Slack payload: `view:<view id>`, `command:<trigger id>`… */
  idempotencyKey: string;
}

/** The fields an event records for a created item. */
const createdSnapshot = (i: ActionItem): Record<string, unknown> => ({
  title: i.title,
  ownerId: i.ownerId,
  dueDate: i.dueDate,
  productLine: i.productLine,
  status: i.status,
  anomalyId: i.anomalyId,
  sourcePermalink: i.sourcePermalink,
  sourceChannel: i.sourceChannel,
  sourceTs: i.sourceTs,
  reviewMonth: i.reviewMonth,
});

/**
 * Creates the item and its `created` event in one transaction. With a key that was used before
 * it writes nothing and returns the existing item (`created: false`).
 */
export async function createActionItem(
  deps: ActionItemDeps,
  input: CreateActionItemInput,
): Promise<{ item: ActionItem; created: boolean }> {
  const badTitle = titleProblem(input.title);
  if (badTitle !== undefined) throw new ActionItemInputError('title', badTitle);
  if (!isDay(input.dueDate)) throw new ActionItemInputError('due', `"${input.dueDate}" is not a date`);
  if (input.reviewMonth !== null && !isMonth(input.reviewMonth))
    throw new InputError('action_review_month_invalid', `"${input.reviewMonth}" is not a month (YYYY-MM)`);
  const at = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const item = await insertActionItem(trx, {
      title: input.title,
      ownerId: input.ownerId,
      creatorId: input.creatorId,
      dueDate: input.dueDate,
      productLine: input.productLine,
      anomalyId: input.anomalyId,
      sourcePermalink: input.source?.permalink ?? null,
      sourceChannel: input.source?.channel ?? null,
      sourceTs: input.source?.threadTs ?? null,
      reviewMonth: input.reviewMonth,
      idempotencyKey: input.idempotencyKey,
      createdAt: at,
    });
    if (!item) {
      const existing = await findActionItemByKey(trx, input.idempotencyKey);
      if (!existing)
        throw new FinopsError(
          'action_item_key_lost',
          `no item holds key ${input.idempotencyKey} after a conflict`,
        );
      return { item: existing, created: false };
    }
    await insertActionEvent(trx, {
      actionItemId: item.id,
      actorId: input.creatorId,
      at,
      kind: 'created',
      before: null,
      after: createdSnapshot(item),
    });
    return { item, created: true };
  });
}

// ── change ───────────────────────────────────────────────────────────────────

export interface ChangeOutcome {
  /** False when the change was already in effect (a double click): nothing was written. */
  changed: boolean;
  item: ActionItem;
  before: ActionItem;
}

type ChangePlan = {
  kind: 'done' | 'reopened' | 'snoozed' | 'reassigned' | 'noted';
  patch: ActionItemPatch;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
} | null;

export async function findActionItem(deps: Pick<ServiceDeps, 'db'>, id: number): Promise<ActionItem> {
  const item = Number.isSafeInteger(id) && id > 0 ? await getActionItem(deps.db, id) : undefined;
  if (!item) throw new ActionItemNotFoundError(id);
  return item;
}

/** Whether `userId` may change the item (owner, creator or admin). */
export async function canChange(
  perms: ActionItemPermissions,
  userId: string,
  item: ActionItem,
): Promise<boolean> {
  return perms.canChangeActionItem(userId, { id: item.id, ownerId: item.ownerId, creatorId: item.creatorId });
}

async function applyChange(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  itemId: number,
  actorId: string,
  plan: (item: ActionItem, at: Date) => ChangePlan,
): Promise<ChangeOutcome> {
  const current = await findActionItem(deps, itemId);
  // Checked before the transaction (the answer may need Slack: user groups) and again inside it
  // if the parties changed meanwhile.
  if (!(await canChange(perms, actorId, current))) throw new ActionItemRefusedError(current);
  const at = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const item = await getActionItemForUpdate(trx, itemId);
    if (!item) throw new ActionItemNotFoundError(itemId);
    if (
      (item.ownerId !== current.ownerId || item.creatorId !== current.creatorId) &&
      !(await canChange(perms, actorId, item))
    )
      throw new ActionItemRefusedError(item);
    const p = plan(item, at);
    if (p === null) return { changed: false, item, before: item };
    const updated = await updateActionItem(trx, item.id, p.patch, at);
    await insertActionEvent(trx, {
      actionItemId: item.id,
      actorId,
      at,
      kind: p.kind,
      before: p.before,
      after: p.after,
    });
    return { changed: true, item: updated, before: item };
  });
}

export function markActionItemDone(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  args: { itemId: number; actorId: string },
): Promise<ChangeOutcome> {
  return applyChange(deps, perms, args.itemId, args.actorId, (item, at) =>
    item.status === 'done'
      ? null
      : {
          kind: 'done',
          patch: { status: 'done', closedAt: at },
          before: { status: 'open' },
          after: { status: 'done', closedAt: at.toISOString() },
        },
  );
}

export function reopenActionItem(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  args: { itemId: number; actorId: string },
): Promise<ChangeOutcome> {
  return applyChange(deps, perms, args.itemId, args.actorId, (item) =>
    item.status === 'open'
      ? null
      : {
          kind: 'reopened',
          patch: { status: 'open', closedAt: null },
          before: { status: 'done', closedAt: item.closedAt?.toISOString() ?? null },
          after: { status: 'open' },
        },
  );
}

/** A new due date (today or later). A done item is reopened first by its owner, not snoozed. */
export async function snoozeActionItem(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  args: { itemId: number; actorId: string; dueDate: string },
): Promise<ChangeOutcome> {
  const problem = dueDateProblem(args.dueDate, dayOf(deps.now(), deps.config.timezone));
  if (problem) throw new ActionItemInputError('due', problem);
  const due = args.dueDate.trim();
  return applyChange(deps, perms, args.itemId, args.actorId, (item) => {
    if (item.status === 'done')
      throw new ActionItemInputError('due', `Action item #${item.id} is done: reopen it before snoozing it.`);
    if (item.dueDate === due) return null;
    return {
      kind: 'snoozed',
      patch: { dueDate: due },
      before: { dueDate: item.dueDate },
      after: { dueDate: due },
    };
  });
}

/** A new owner, who must be an active Slack user. */
export async function reassignActionItem(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  directory: UserDirectory,
  args: { itemId: number; actorId: string; ownerId: string },
): Promise<ChangeOutcome> {
  // Permission first: someone who may not change the item learns nothing about the new owner.
  const current = await findActionItem(deps, args.itemId);
  if (!(await canChange(perms, args.actorId, current))) throw new ActionItemRefusedError(current);
  const problem = await ownerProblem(directory, args.ownerId, deps.logger);
  if (problem) throw new ActionItemInputError('owner', problem);
  return applyChange(deps, perms, args.itemId, args.actorId, (item) =>
    item.ownerId === args.ownerId
      ? null
      : {
          kind: 'reassigned',
          patch: { ownerId: args.ownerId },
          before: { ownerId: item.ownerId },
          after: { ownerId: args.ownerId },
        },
  );
}

export async function addActionItemNote(
  deps: ActionItemDeps,
  perms: ActionItemPermissions,
  args: { itemId: number; actorId: string; note: string },
): Promise<ChangeOutcome> {
  const note = args.note.trim();
  if (note === '') throw new ActionItemInputError('note', 'Write the note first.');
  if (note.length > ACTION_NOTE_MAX_LENGTH)
    throw new ActionItemInputError(
      'note',
      `The note is ${note.length} characters long; keep it to ${ACTION_NOTE_MAX_LENGTH} or fewer.`,
    );
  return applyChange(deps, perms, args.itemId, args.actorId, () => ({
    kind: 'noted',
    patch: {},
    before: null,
    after: { note },
  }));
}

/** An item's audit trail, oldest first. */
export function actionItemHistory(deps: Pick<ServiceDeps, 'db'>, itemId: number): Promise<ActionEvent[]> {
  return listActionEvents(deps.db, itemId);
}

// ── listing ──────────────────────────────────────────────────────────────────

/** The filters of `/finops actions` (a product line is given separately). */
export type ActionListFilter = 'mine' | 'open' | 'overdue';

export interface ActionListQuery {
  filter: ActionListFilter | undefined;
  product: string | undefined;
  /** Who asks (for `mine`). */
  userId: string;
  offset: number;
  limit: number;
}

export interface ActionItemSummary extends ActionItem {
  /** done / open / overdue today. */
  state: ActionStatus;
  daysOverdue: number;
  productName: string | null;
}

export interface ActionItemPage {
  items: ActionItemSummary[];
  total: number;
  offset: number;
  limit: number;
  /** Echoes the query, for the page buttons. */
  filter: ActionListFilter | undefined;
  product: string | undefined;
  today: string;
}

export function summarize(
  deps: Pick<ServiceDeps, 'config'>,
  item: ActionItem,
  today: string,
): ActionItemSummary {
  const state = actionStatusOn(item, today);
  const pl = deps.config.product_lines.find((p) => p.id === item.productLine);
  return {
    ...item,
    state,
    daysOverdue: state === 'overdue' ? daysOverdue(item.dueDate, today) : 0,
    productName: item.productLine === null ? null : (pl?.name ?? item.productLine),
  };
}

/**
 * One page of the action log. No filter = every open item; `mine` = my open items; `overdue` =
 * open items past their due day; a product line = its items, open first, done ones too.
 */
export async function listActionItems(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  q: ActionListQuery,
  now: Date,
): Promise<ActionItemPage> {
  const today = dayOf(now, deps.config.timezone);
  const offset = Math.max(0, Math.floor(q.offset));
  const limit = Math.max(1, Math.floor(q.limit));
  const query =
    q.product !== undefined
      ? { productLine: q.product }
      : q.filter === 'mine'
        ? { status: 'open' as const, ownerId: q.userId }
        : q.filter === 'overdue'
          ? { status: 'open' as const, dueBefore: today }
          : { status: 'open' as const };
  const page = await listActionItemsPage(deps.db, query, { offset, limit });
  return {
    items: page.items.map((i) => summarize(deps, i, today)),
    total: page.total,
    offset,
    limit,
    filter: q.filter,
    product: q.product,
    today,
  };
}

// ── the review and the KPIs ──────────────────────────────────────────────────

/**
 * What the review of `month` opens with: the items raised during the month (or up to `now`, if
 * earlier) and every earlier item still open at the month's start (carried over, visibly, until
 * closed), each with its status as of `now`: overdue first, then open, then done; by due date.
 */
export async function reviewActionItems(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  month: string,
  now: Date,
): Promise<ReviewActionItem[]> {
  if (!isMonth(month)) throw new InputError('month_invalid', `"${month}" is not a month (YYYY-MM)`);
  const { start, end } = monthBounds(month, deps.config.timezone);
  const until = end.getTime() < now.getTime() ? end : now;
  const today = dayOf(now, deps.config.timezone);
  const rows = await listActionItemsForReview(deps.db, { from: start, until });
  const rank = { overdue: 0, open: 1, done: 2 } as const;
  return rows
    .map((r): ReviewActionItem => {
      const s = reviewStatusOf(r, today, start);
      return {
        id: r.id,
        title: r.title,
        ownerId: r.ownerId,
        dueDate: r.dueDate,
        status: s.status,
        productLine: r.productLine,
        carriedOver: s.carriedOver,
      };
    })
    .sort((a, b) => rank[a.status] - rank[b.status] || a.dueDate.localeCompare(b.dueDate) || a.id - b.id);
}

export interface ActionItemKpiReport extends ActionKpis {
  /** The month whose items the completion rate and median cover; null = every item ever. */
  month: string | null;
  /** The day "overdue" is judged on. */
  today: string;
}

/**
 * The action log's KPIs per team (the team owning the item's product line): completion rate and
 * median days to close of the items raised in `month` (all items without a month), and how many
 * open items are overdue today. For `/finops kpis` and the review parent.
 */
export async function actionItemKpis(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  opts: { now: Date; month?: string },
): Promise<ActionItemKpiReport> {
  const tz = deps.config.timezone;
  if (opts.month !== undefined && !isMonth(opts.month))
    throw new InputError('month_invalid', `"${opts.month}" is not a month (YYYY-MM)`);
  const range = opts.month !== undefined ? monthBounds(opts.month, tz) : undefined;
  const [period, open] = await Promise.all([
    listActionItemsCreated(deps.db, range ? { from: range.start, until: range.end } : {}),
    listOpenActionItems(deps.db),
  ]);
  const teamByProduct = new Map(deps.config.product_lines.map((p) => [p.id, p.team]));
  const today = dayOf(opts.now, tz);
  const kpis = actionKpisOf(
    period,
    open,
    today,
    (pl) => (pl === null ? null : (teamByProduct.get(pl) ?? null)),
    deps.config.teams.map((t) => t.id),
  );
  return { ...kpis, month: opts.month ?? null, today };
}

// ── the modal's choices ──────────────────────────────────────────────────────

/** Anomalies offered in the modal (a select holds at most 100 options). */
export const MODAL_ANOMALIES_MAX = 100;

export interface ActionModalChoices {
  products: Array<{ id: string; name: string }>;
  anomalies: Array<{ id: number; label: string }>;
}

function anomalyLabel(deps: Pick<ServiceDeps, 'config'>, a: Anomaly): string {
  const pl = deps.config.product_lines.find((p) => p.id === a.productLine);
  return `#${a.id} ${pl?.name ?? a.productLine ?? 'Unallocated'} · ${a.service} since ${a.firstDay}`;
}

/**
 * The product lines (config order) and the anomalies one may link: the open and acknowledged ones
 * of the product line (all of them without one), most recent first, and always the prefilled one.
 */
export async function actionModalChoices(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  prefill: { productLine?: string | null | undefined; anomalyId?: number | null | undefined },
): Promise<ActionModalChoices> {
  const products = deps.config.product_lines.map((p) => ({ id: p.id, name: p.name ?? p.id }));
  const open = await listAnomalies(deps.db, {
    kind: 'cost',
    statuses: ['open', 'acknowledged'],
    ...(prefill.productLine ? { productLine: prefill.productLine } : {}),
  });
  let list = open;
  if (prefill.anomalyId && !list.some((a) => a.id === prefill.anomalyId)) {
    const a = await getAnomaly(deps.db, prefill.anomalyId);
    if (a) list = [a, ...list];
  }
  return {
    products,
    anomalies: list.slice(0, MODAL_ANOMALIES_MAX).map((a) => ({ id: a.id, label: anomalyLabel(deps, a) })),
  };
}

/** What "Create action item" on an anomaly alert prefills: its product line, the link, a title. */
export async function prefillFromAnomaly(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  anomalyId: number,
): Promise<{ draft: ActionItemDraft; label: string; kind: Anomaly['kind'] } | null> {
  const a =
    Number.isSafeInteger(anomalyId) && anomalyId > 0 ? await getAnomaly(deps.db, anomalyId) : undefined;
  if (!a) return null;
  const pl = deps.config.product_lines.find((p) => p.id === a.productLine);
  const title =
    a.kind === 'labor'
      ? `Find why ${pl?.name ?? a.productLine ?? 'unallocated'} incident hours spiked in the week of ${a.firstDay}`
      : `Find the cause of the ${a.service} cost increase since ${a.firstDay}`;
  return {
    draft: {
      title: title.slice(0, ACTION_TITLE_MAX_LENGTH),
      productLine: pl ? pl.id : null,
      anomalyId: a.id,
    },
    label: anomalyLabel(deps, a),
    kind: a.kind,
  };
}
