import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, JobRunRow } from '../schema.ts';

/**
 * Job runs: one row per (job, period_key), enforced by the unique constraint `job_run_job_period_uq`.
 * Postgres is the coordinator between processes and replicas: a claim is an INSERT … ON CONFLICT
 * DO NOTHING, a take-over a conditional UPDATE … RETURNING, so exactly one caller wins either way.
 */

type Conn = Kysely<Database> | Transaction<Database>;

export const JOB_RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

export interface JobRun {
  id: number;
  job: string;
  periodKey: string;
  /** `host:pid:nonce` of the process that holds (or held) the run. */
  owner: string;
  status: JobRunStatus;
  attempt: number;
  asOf: Date | null;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
  stats: Record<string, unknown>;
  error: string | null;
}

export function jobRunRowToJobRun(row: JobRunRow): JobRun {
  return {
    id: row.id,
    job: row.job,
    periodKey: row.periodKey,
    owner: row.owner,
    status: (JOB_RUN_STATUSES as readonly string[]).includes(row.status)
      ? (row.status as JobRunStatus)
      : 'failed',
    attempt: row.attempt,
    asOf: row.asOf,
    startedAt: row.startedAt,
    heartbeatAt: row.heartbeatAt,
    finishedAt: row.finishedAt,
    stats: row.stats,
    error: row.error,
  };
}

export interface ClaimRequest {
  job: string;
  periodKey: string;
  owner: string;
  asOf: Date;
  /** A `running` row whose heartbeat is older than this (by the database clock) is presumed dead. */
  leaseMs: number;
}

export type ClaimResult =
  | { claimed: true; run: JobRun; takeover: 'failed' | 'stale' | null }
  | { claimed: false; existing: JobRun };

/**
 * Claims (job, period): inserts the run, or takes over a failed run or a running one whose owner
 * stopped heartbeating. Every step is a single statement, so two processes racing here see exactly
 * one `claimed: true`; no transaction is held while the job runs.
 */
export async function claimJobRun(db: Conn, req: ClaimRequest): Promise<ClaimResult> {
  const inserted = await db
    .insertInto('jobRun')
    .values({
      job: req.job,
      periodKey: req.periodKey,
      owner: req.owner,
      status: 'running',
      asOf: req.asOf,
      stats: JSON.stringify({}),
    })
    .onConflict((oc) => oc.columns(['job', 'periodKey']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { claimed: true, run: jobRunRowToJobRun(inserted), takeover: null };

  for (;;) {
    const existing = await findJobRun(db, req.job, req.periodKey);
    // Gone between the two statements (deleted by an operator): claim afresh.
    if (!existing) return claimJobRun(db, req);
    const takeover = existing.status === 'failed' ? 'failed' : existing.status === 'running' ? 'stale' : null;
    if (takeover === null) return { claimed: false, existing };
    // Conditional on what we just read (status and owner): under concurrent take-overs Postgres
    // re-checks the WHERE on the locked row, so only the first UPDATE matches.
    const taken = await db
      .updateTable('jobRun')
      .set({
        owner: req.owner,
        status: 'running',
        asOf: req.asOf,
        attempt: sql<number>`attempt + 1`,
        startedAt: sql<Date>`now()`,
        heartbeatAt: sql<Date>`now()`,
        finishedAt: null,
        error: null,
        stats: JSON.stringify({}),
      })
      .where('id', '=', existing.id)
      .where('owner', '=', existing.owner)
      .where('status', '=', existing.status)
      .$if(takeover === 'stale', (qb) =>
        qb.where('heartbeatAt', '<', sql<Date>`now() - ${req.leaseMs} * interval '1 millisecond'`),
      )
      .returningAll()
      .executeTakeFirst();
    if (taken) return { claimed: true, run: jobRunRowToJobRun(taken), takeover };
    if (takeover === 'stale') {
      const again = await findJobRun(db, req.job, req.periodKey);
      // Still the same live owner: its heartbeat is fresh, so the period is taken.
      if (again && again.owner === existing.owner && again.status === 'running')
        return { claimed: false, existing: again };
    }
    // Someone else changed the row in between: read it again and decide on what is there now.
  }
}

export async function findJobRun(db: Conn, job: string, periodKey: string): Promise<JobRun | undefined> {
  const row = await db
    .selectFrom('jobRun')
    .selectAll()
    .where('job', '=', job)
    .where('periodKey', '=', periodKey)
    .executeTakeFirst();
  return row ? jobRunRowToJobRun(row) : undefined;
}

/** True when the run's heartbeat is older than the lease, by the database clock (as the claim judges it). */
export async function jobRunIsStale(db: Conn, id: number, leaseMs: number): Promise<boolean> {
  const row = await db
    .selectFrom('jobRun')
    .select(sql<boolean>`heartbeat_at < now() - ${leaseMs} * interval '1 millisecond'`.as('stale'))
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.stale ?? true;
}

/** Refreshes the lease; false when this owner no longer holds the run (it was taken over). */
export async function heartbeatJobRun(db: Conn, id: number, owner: string): Promise<boolean> {
  const r = await db
    .updateTable('jobRun')
    .set({ heartbeatAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface FinishJobRun {
  status: 'succeeded' | 'failed';
  stats: Record<string, unknown>;
  error: string | null;
}

/** Records the outcome; false (and nothing written) when this owner no longer holds the run. */
export async function finishJobRun(
  db: Conn,
  id: number,
  owner: string,
  outcome: FinishJobRun,
): Promise<JobRun | undefined> {
  const row = await db
    .updateTable('jobRun')
    .set({
      status: outcome.status,
      stats: JSON.stringify(outcome.stats),
      error: outcome.error,
      finishedAt: sql<Date>`now()`,
      heartbeatAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('owner', '=', owner)
    .where('status', '=', 'running')
    .returningAll()
    .executeTakeFirst();
  return row ? jobRunRowToJobRun(row) : undefined;
}

/** The most recent run (by start) of each named job. */
export async function latestJobRuns(db: Conn, jobs: readonly string[]): Promise<Map<string, JobRun>> {
  if (jobs.length === 0) return new Map();
  const rows = await db
    .selectFrom('jobRun')
    .selectAll()
    .distinctOn('job')
    .where('job', 'in', jobs)
    .orderBy('job')
    .orderBy('startedAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return new Map(rows.map((r) => [r.job, jobRunRowToJobRun(r)]));
}

export async function listJobRuns(db: Conn, job: string, limit = 20): Promise<JobRun[]> {
  const rows = await db
    .selectFrom('jobRun')
    .selectAll()
    .where('job', '=', job)
    .orderBy('startedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(jobRunRowToJobRun);
}
