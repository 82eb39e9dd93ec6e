import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * The `posted_message` table: what the bot put into Slack, one row per (scope, message key,
 * channel). A message is CLAIMED (a row with `ts` null) before it is sent and CONFIRMED (its `ts`
 * written) right after Slack accepts it, so:
 * - the unique key makes two processes racing on the same message send it once;
 * - a definite refusal by Slack RELEASES the claim (the row is deleted) and a re-run sends it;
 * - a claim that stays unconfirmed (the process died between sending and recording, or the
 *   connection dropped with no answer) is "uncertain": Slack may or may not have the message, so
 *   it is reported, never sent again blindly.
 * Messages without a ts of their own (file uploads, ephemeral follow-ups) are confirmed with `''`.
 */
type Conn = Kysely<Database> | Transaction<Database>;

export interface MessageRef {
  /** `review:2026-10` */
  scope: string;
  /** `parent`, `reply:checkout`, `chart:stage-mix`, `showback:payments`… */
  key: string;
  channelId: string;
}

export interface PostedMessage extends MessageRef {
  /** null: claimed, not confirmed; `''`: posted, no ts of its own. */
  ts: string | null;
  threadTs: string | null;
  postedAt: Date;
}

export type ClaimOutcome =
  | { state: 'claimed' }
  | { state: 'posted'; message: PostedMessage }
  | { state: 'uncertain'; message: PostedMessage };

function toPosted(r: {
  scope: string;
  messageKey: string;
  channelId: string;
  ts: string | null;
  threadTs: string | null;
  postedAt: Date;
}): PostedMessage {
  return {
    scope: r.scope,
    key: r.messageKey,
    channelId: r.channelId,
    ts: r.ts,
    threadTs: r.threadTs,
    postedAt: r.postedAt,
  };
}

/** Claims a message before it is sent, or tells what an earlier attempt left. */
export async function claimPostedMessage(
  db: Conn,
  ref: MessageRef,
  at: Date,
  threadTs: string | null = null,
): Promise<ClaimOutcome> {
  const inserted = await db
    .insertInto('postedMessage')
    .values({
      scope: ref.scope,
      messageKey: ref.key,
      channelId: ref.channelId,
      ts: null,
      threadTs,
      postedAt: at,
    })
    .onConflict((oc) => oc.constraint('posted_message_uq').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { state: 'claimed' };
  const row = await findPostedMessage(db, ref);
  // Released between our insert and this read: claim again (bounded by the caller's single pass).
  if (!row) return claimPostedMessage(db, ref, at, threadTs);
  return row.ts === null ? { state: 'uncertain', message: row } : { state: 'posted', message: row };
}

/** Records Slack's ts for a claimed message (`''` when it has none of its own). */
export async function confirmPostedMessage(
  db: Conn,
  ref: MessageRef,
  ts: string,
  threadTs: string | null,
  at: Date,
): Promise<void> {
  await db
    .updateTable('postedMessage')
    .set({ ts, threadTs, postedAt: at })
    .where('scope', '=', ref.scope)
    .where('messageKey', '=', ref.key)
    .where('channelId', '=', ref.channelId)
    .execute();
}

/** Slack refused the message: forget the claim so the next run sends it. Confirmed rows stay. */
export async function releasePostedMessage(db: Conn, ref: MessageRef): Promise<void> {
  await db
    .deleteFrom('postedMessage')
    .where('scope', '=', ref.scope)
    .where('messageKey', '=', ref.key)
    .where('channelId', '=', ref.channelId)
    .where('ts', 'is', null)
    .execute();
}

export async function findPostedMessage(db: Conn, ref: MessageRef): Promise<PostedMessage | undefined> {
  const row = await db
    .selectFrom('postedMessage')
    .select(['scope', 'messageKey', 'channelId', 'ts', 'threadTs', 'postedAt'])
    .where('scope', '=', ref.scope)
    .where('messageKey', '=', ref.key)
    .where('channelId', '=', ref.channelId)
    .executeTakeFirst();
  return row ? toPosted(row) : undefined;
}

/** Every message of a scope (confirmed and claimed), in the order they were recorded. */
export async function listPostedMessages(db: Conn, scope: string): Promise<PostedMessage[]> {
  const rows = await db
    .selectFrom('postedMessage')
    .select(['scope', 'messageKey', 'channelId', 'ts', 'threadTs', 'postedAt'])
    .where('scope', '=', scope)
    .orderBy('id')
    .execute();
  return rows.map(toPosted);
}
