import type { Kysely, Transaction } from 'kysely';
import type { AnomalyTimes } from '../../model/review-kpis.ts';
import type { Database } from '../schema.ts';

/**
 * What the monthly review reads besides snapshots: the action log as it stood over the reviewed
 * month, and the timing columns of the month's anomalies. Plain reads; the service decides.
 */
type Conn = Kysely<Database> | Transaction<Database>;

export interface ReviewActionRow {
  id: number;
  title: string;
  ownerId: string;
  dueDate: string;
  productLine: string | null;
  status: 'open' | 'done';
  createdAt: Date;
  closedAt: Date | null;
}

/**
 * Items that were open at some point between `from` and `now`: everything still open, and what
 * was closed since `from`; created before `now`. Ordered by due date, then id.
 */
export async function listActionItemsForReview(
  db: Conn,
  range: { from: Date; now: Date },
): Promise<ReviewActionRow[]> {
  return db
    .selectFrom('actionItem')
    .select(['id', 'title', 'ownerId', 'dueDate', 'productLine', 'status', 'createdAt', 'closedAt'])
    .where('createdAt', '<', range.now)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'open'),
        eb('closedAt', '>=', range.from),
        eb.and([eb('closedAt', 'is', null), eb('updatedAt', '>=', range.from)]),
      ]),
    )
    .orderBy('dueDate')
    .orderBy('id')
    .execute();
}

/** Anomalies whose first anomalous day is in [fromDay, toDay] (inclusive), with their timings. */
export async function listAnomalyTimes(db: Conn, fromDay: string, toDay: string): Promise<AnomalyTimes[]> {
  return db
    .selectFrom('anomaly')
    .select(['firstDay', 'status', 'detectedAt', 'alertedAt', 'acknowledgedAt', 'resolvedAt'])
    .where('firstDay', '>=', fromDay)
    .where('firstDay', '<=', toDay)
    .orderBy('firstDay')
    .orderBy('id')
    .execute();
}
