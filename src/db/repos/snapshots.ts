import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { aiUnitCostOf } from '../../model/margin.ts';
import type { ProductLineReport, Snapshot, SnapshotData } from '../../model/types.ts';
import type { Database, SnapshotTable } from '../schema.ts';

/**
 * The `snapshot` table: one row per month. `open` rows are rebuilt freely; a `frozen` row (its
 * review was posted) changes only through `replaceFrozenSnapshot`, which the caller pairs with an
 * audit event in the same transaction.
 */
type Conn = Kysely<Database> | Transaction<Database>;

function rowToSnapshot(row: Selectable<SnapshotTable>): Snapshot {
  const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as SnapshotData;
  return {
    ...data,
    productLines: data.productLines.map(withAiUnitCost),
    status: row.status,
    builtAt: row.builtAt,
    frozenAt: row.frozenAt,
  };
}

/** Snapshots stored before `aiUnitCost` existed (issue 12) get it from their own figures. */
function withAiUnitCost(p: ProductLineReport): ProductLineReport {
  return p.aiUnitCost === undefined ? { ...p, aiUnitCost: aiUnitCostOf(p) } : p;
}

export async function readSnapshot(db: Conn, month: string): Promise<Snapshot | null> {
  const row = await db.selectFrom('snapshot').selectAll().where('month', '=', month).executeTakeFirst();
  return row ? rowToSnapshot(row) : null;
}

export async function readSnapshots(db: Conn, months: readonly string[]): Promise<Map<string, Snapshot>> {
  if (months.length === 0) return new Map();
  const rows = await db
    .selectFrom('snapshot')
    .selectAll()
    .where('month', 'in', [...months])
    .execute();
  return new Map(rows.map((r) => [r.month, rowToSnapshot(r)]));
}

/**
 * Only the product lines' figures of stored snapshots (what drift is measured against), without
 * reading each snapshot's explanation, which is most of its size.
 */
export async function readSnapshotFigures(
  db: Conn,
  months: readonly string[],
): Promise<Map<string, ProductLineReport[]>> {
  if (months.length === 0) return new Map();
  const rows = await db
    .selectFrom('snapshot')
    .select(['month', sql<ProductLineReport[] | string>`data -> 'productLines'`.as('productLines')])
    .where('month', 'in', [...months])
    .execute();
  return new Map(
    rows.map((r) => [
      r.month,
      (
        (typeof r.productLines === 'string'
          ? JSON.parse(r.productLines)
          : r.productLines) as ProductLineReport[]
      ).map(withAiUnitCost),
    ]),
  );
}

/** Months that have a snapshot, newest first, with their status. */
export async function listSnapshots(
  db: Conn,
): Promise<Array<{ month: string; status: 'open' | 'frozen'; builtAt: Date; frozenAt: Date | null }>> {
  return db
    .selectFrom('snapshot')
    .select(['month', 'status', 'builtAt', 'frozenAt'])
    .orderBy('month', 'desc')
    .execute();
}

const columns = (data: SnapshotData, builtAt: Date) => ({
  modelVersion: data.modelVersion,
  configHash: data.configHash,
  inputCounts: JSON.stringify(data.inputCounts),
  data: JSON.stringify(data),
  builtAt,
});

/**
 * Writes the month's snapshot unless it is frozen. Returns `false` (and writes nothing) when a
 * frozen snapshot is there: a closed, reviewed month only changes through a rebuild.
 */
export async function saveOpenSnapshot(db: Conn, data: SnapshotData, builtAt: Date): Promise<boolean> {
  const r = await db
    .insertInto('snapshot')
    .values({ month: data.month, status: 'open', ...columns(data, builtAt) })
    .onConflict((oc) =>
      oc.column('month').doUpdateSet(columns(data, builtAt)).where('snapshot.status', '=', 'open'),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Replaces the numbers of a frozen snapshot (it stays frozen). Returns false when it is not frozen. */
export async function replaceFrozenSnapshot(db: Conn, data: SnapshotData, builtAt: Date): Promise<boolean> {
  const r = await db
    .updateTable('snapshot')
    .set(columns(data, builtAt))
    .where('month', '=', data.month)
    .where('status', '=', 'frozen')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Freezes a month's snapshot (its review was posted). True when it was open and is now frozen. */
export async function freezeSnapshot(db: Conn, month: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('snapshot')
    .set({ status: 'frozen', frozenAt: at })
    .where('month', '=', month)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface SnapshotAudit {
  actor: string;
  at: Date;
  month: string;
  reason: string;
  details: Record<string, unknown>;
}

/** The audit trail of a rebuild: who, when, why and what changed. */
export async function recordSnapshotRebuild(db: Conn, a: SnapshotAudit): Promise<void> {
  await db
    .insertInto('auditEvent')
    .values({
      at: a.at,
      actor: a.actor,
      kind: 'snapshot.rebuilt',
      subject: `snapshot:${a.month}`,
      details: JSON.stringify({ reason: a.reason, ...a.details }),
    })
    .execute();
}
