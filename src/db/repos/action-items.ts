import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { ActionEventTable, ActionItemTable, Database } from '../schema.ts';

/**
 * The action log: `action_item` (the current state of each item) and the append-only
 * `action_event` (every change, creation included: who, when, what, before/after). Plain
 * functions taking `db` or a transaction first; the caller owns the transaction and always writes
 * the event in the same one as the change, so the item table is never the only record.
 */
type Conn = Kysely<Database> | Transaction<Database>;

export type ActionItemStatus = 'open' | 'done';

export interface ActionItem {
  id: number;
  title: string;
  ownerId: string;
  creatorId: string;
  /** `YYYY-MM-DD`, a day in config.timezone. */
  dueDate: string;
  productLine: string | null;
  status: ActionItemStatus;
  anomalyId: number | null;
  /** The Slack message the item was raised from (shortcut), when there is one. */
  sourcePermalink: string | null;
  /** Where the item was raised: the confirmation goes to this channel, in `sourceTs`'s thread. */
  sourceChannel: string | null;
  sourceTs: string | null;
  /** `YYYY-MM` of the review whose thread raised it. */
  reviewMonth: string | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export const ACTION_EVENT_KINDS = [
  'created',
  'done',
  'reopened',
  'snoozed',
  'reassigned',
  'noted',
  'reminded',
  'flagged',
] as const;
export type ActionEventKind = (typeof ACTION_EVENT_KINDS)[number];

export interface ActionEvent {
  id: number;
  actionItemId: number;
  actorId: string;
  at: Date;
  kind: ActionEventKind;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface NewActionItemRow {
  title: string;
  ownerId: string;
  creatorId: string;
  dueDate: string;
  productLine: string | null;
  anomalyId: number | null;
  sourcePermalink: string | null;
  sourceChannel: string | null;
  sourceTs: string | null;
  reviewMonth: string | null;
  idempotencyKey: string;
  createdAt: Date;
}

export interface NewActionEvent {
  actionItemId: number;
  actorId: string;
  at: Date;
  kind: ActionEventKind;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export function actionItemRowToItem(r: Selectable<ActionItemTable>): ActionItem {
  return {
    id: r.id,
    title: r.title,
    ownerId: r.ownerId,
    creatorId: r.creatorId,
    dueDate: r.dueDate,
    productLine: r.productLine,
    status: r.status,
    anomalyId: r.anomalyId,
    sourcePermalink: r.sourcePermalink,
    sourceChannel: r.sourceChannel,
    sourceTs: r.sourceTs,
    reviewMonth: r.reviewMonth,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    closedAt: r.closedAt,
  };
}

const json = (v: unknown): Record<string, unknown> | null =>
  v === null || v === undefined
    ? null
    : ((typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>);

function eventRowToEvent(r: Selectable<ActionEventTable>): ActionEvent {
  return {
    id: r.id,
    actionItemId: r.actionItemId,
    actorId: r.actorId,
    at: r.at,
    kind: r.kind as ActionEventKind,
    before: json(r.before),
    after: json(r.after),
  };
}

/**
 * Inserts an item unless one with the same idempotency key exists (a double-clicked submit, a
 * retried view submission). Returns the new item, or undefined when the key was taken: a
 * concurrent insert of the same key waits on the unique index and then does nothing.
 */
export async function insertActionItem(db: Conn, row: NewActionItemRow): Promise<ActionItem | undefined> {
  const inserted = await db
    .insertInto('actionItem')
    .values({ ...row, status: 'open', updatedAt: row.createdAt })
    .onConflict((oc) => oc.column('idempotencyKey').doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ? actionItemRowToItem(inserted) : undefined;
}

export async function findActionItemByKey(db: Conn, idempotencyKey: string): Promise<ActionItem | undefined> {
  const row = await db
    .selectFrom('actionItem')
    .selectAll()
    .where('idempotencyKey', '=', idempotencyKey)
    .executeTakeFirst();
  return row ? actionItemRowToItem(row) : undefined;
}

export async function getActionItem(db: Conn, id: number): Promise<ActionItem | undefined> {
  const row = await db.selectFrom('actionItem').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? actionItemRowToItem(row) : undefined;
}

/** Reads and row-locks an item for a change (inside the caller's transaction). */
export async function getActionItemForUpdate(db: Conn, id: number): Promise<ActionItem | undefined> {
  const row = await db
    .selectFrom('actionItem')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row ? actionItemRowToItem(row) : undefined;
}

export interface ActionItemPatch {
  title?: string;
  ownerId?: string;
  dueDate?: string;
  status?: ActionItemStatus;
  closedAt?: Date | null;
}

export async function updateActionItem(
  db: Conn,
  id: number,
  patch: ActionItemPatch,
  at: Date,
): Promise<ActionItem> {
  const row = await db
    .updateTable('actionItem')
    .set({ ...patch, updatedAt: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return actionItemRowToItem(row);
}

export async function insertActionEvent(db: Conn, e: NewActionEvent): Promise<void> {
  await db
    .insertInto('actionEvent')
    .values({
      actionItemId: e.actionItemId,
      actorId: e.actorId,
      at: e.at,
      kind: e.kind,
      before: e.before === null ? null : JSON.stringify(e.before),
      after: e.after === null ? null : JSON.stringify(e.after),
    })
    .execute();
}

/** An item's history, oldest first. */
export async function listActionEvents(db: Conn, actionItemId: number): Promise<ActionEvent[]> {
  const rows = await db
    .selectFrom('actionEvent')
    .selectAll()
    .where('actionItemId', '=', actionItemId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map(eventRowToEvent);
}

export interface ActionItemQuery {
  status?: ActionItemStatus;
  ownerId?: string;
  productLine?: string;
  /** Items due strictly before this day. */
  dueBefore?: string;
  /** Items whose product line is one of these (an empty list matches nothing). */
  productLines?: readonly string[];
}

function filtered(db: Conn, q: ActionItemQuery) {
  let s = db.selectFrom('actionItem');
  if (q.status !== undefined) s = s.where('status', '=', q.status);
  if (q.ownerId !== undefined) s = s.where('ownerId', '=', q.ownerId);
  if (q.productLine !== undefined) s = s.where('productLine', '=', q.productLine);
  if (q.dueBefore !== undefined) s = s.where('dueDate', '<', q.dueBefore);
  if (q.productLines !== undefined)
    s =
      q.productLines.length === 0
        ? s.where(sql<boolean>`false`)
        : s.where('productLine', 'in', [...q.productLines]);
  return s;
}

/**
 * One page of items matching the query, open before done, then by due date and id (a stable
 * order, so pages neither skip nor repeat items while nothing changes), and the total count.
 */
export async function listActionItemsPage(
  db: Conn,
  q: ActionItemQuery,
  page: { offset: number; limit: number },
): Promise<{ items: ActionItem[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, q)
      .selectAll()
      .orderBy(sql`case when status = 'open' then 0 else 1 end`)
      .orderBy('dueDate')
      .orderBy('id')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    filtered(db, q)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(actionItemRowToItem), total: Number(count.n) };
}

/** Every open item, by due date then id (the reminder run reads them all). */
export async function listOpenActionItems(db: Conn): Promise<ActionItem[]> {
  const rows = await db
    .selectFrom('actionItem')
    .selectAll()
    .where('status', '=', 'open')
    .orderBy('dueDate')
    .orderBy('id')
    .execute();
  return rows.map(actionItemRowToItem);
}

/**
 * What a review of a month looks back on: items created in [from, until), plus every item created
 * before `from` that was still open at `from` (open now, or closed on or after `from`). Created
 * before `until`; by due date then id.
 */
export async function listActionItemsForReview(
  db: Conn,
  range: { from: Date; until: Date },
): Promise<ActionItem[]> {
  const rows = await db
    .selectFrom('actionItem')
    .selectAll()
    .where('createdAt', '<', range.until)
    .where((eb) =>
      eb.or([eb('createdAt', '>=', range.from), eb('status', '=', 'open'), eb('closedAt', '>=', range.from)]),
    )
    .orderBy('dueDate')
    .orderBy('id')
    .execute();
  return rows.map(actionItemRowToItem);
}

/** Items created in [from, until) (both optional), for the KPIs. */
export async function listActionItemsCreated(
  db: Conn,
  range: { from?: Date; until?: Date },
): Promise<ActionItem[]> {
  let q = db.selectFrom('actionItem').selectAll();
  if (range.from) q = q.where('createdAt', '>=', range.from);
  if (range.until) q = q.where('createdAt', '<', range.until);
  const rows = await q.orderBy('id').execute();
  return rows.map(actionItemRowToItem);
}

/**
 * Items raised in a channel since `since` whose confirmation message was never recorded as posted
 * (posted_message scope `action:<id>`, key `confirmation`, with a ts): a sweep retries them.
 */
export async function listUnconfirmedActionItems(db: Conn, since: Date): Promise<ActionItem[]> {
  const rows = await db
    .selectFrom('actionItem')
    .selectAll()
    .where('sourceChannel', 'is not', null)
    .where('createdAt', '>=', since)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('postedMessage')
            .select('postedMessage.id')
            .where('postedMessage.messageKey', '=', 'confirmation')
            .where('postedMessage.ts', 'is not', null)
            // Raw SQL is not renamed by the CamelCasePlugin: snake_case here.
            .where(sql<boolean>`posted_message.scope = 'action:' || action_item.id`),
        ),
      ),
    )
    .orderBy('id')
    .execute();
  return rows.map(actionItemRowToItem);
}
