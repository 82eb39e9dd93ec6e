import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * The `DO UPDATE SET` of an upsert that takes the incoming row: `col = excluded.col` for each
 * column named. One place for the pattern every raw-signal table uses (a re-fetched PR, run,
 * incident or log entry replaces what was stored). Column names are the camelCase ones of
 * src/db/schema.ts, checked against the table's; the CamelCasePlugin maps them as it maps every
 * other reference.
 */
export function takeIncoming<T extends keyof Database, C extends keyof Database[T] & string>(
  _table: T,
  columns: readonly C[],
): Record<C, RawBuilder<never>> {
  const set = {} as Record<C, RawBuilder<never>>;
  for (const c of columns) set[c] = sql.ref<never>(`excluded.${c}`);
  return set;
}

/** Postgres allows 65,535 bind parameters per statement; rows are inserted in chunks well below. */
export const INSERT_CHUNK = 500;

/** `xs` in consecutive slices of at most `n`. */
export function chunks<T>(xs: readonly T[], n = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
