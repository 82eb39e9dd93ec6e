import type { Db } from '../connect.ts';

export interface SharedAnswer {
  id: number;
  userId: string;
  channelId: string;
  text: string;
  blocks: unknown[];
  createdAt: Date;
}

/** How long a "Share in channel" button keeps working. */
export const SHARED_ANSWER_TTL_MS = 7 * 24 * 3_600_000;

/** Stores an answer and prunes expired ones (cheap: indexed on created_at). Returns its id. */
export async function insertSharedAnswer(
  db: Db,
  answer: { userId: string; channelId: string; text: string; blocks: unknown[] },
  now: Date,
): Promise<number> {
  await db
    .deleteFrom('sharedAnswer')
    .where('createdAt', '<', new Date(now.getTime() - SHARED_ANSWER_TTL_MS))
    .execute();
  const row = await db
    .insertInto('sharedAnswer')
    .values({ ...answer, blocks: JSON.stringify(answer.blocks), createdAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findSharedAnswer(db: Db, id: number): Promise<SharedAnswer | undefined> {
  return db.selectFrom('sharedAnswer').selectAll().where('id', '=', id).executeTakeFirst();
}
