import { type Kysely, sql } from 'kysely';

/**
 * Job runs get a lease: the claiming process refreshes `heartbeat_at` while it works, so a
 * `running` row whose owner died (killed, host lost) can be taken over once the heartbeat is
 * older than the lease. `attempt` counts take-overs; `as_of` is the instant the run was "as of"
 * (the cron tick or `finops jobs run --at`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('job_run')
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('as_of', 'timestamptz')
    .execute();
  // `finops jobs list` reads the latest run of each job.
  await db.schema
    .createIndex('job_run_job_started_idx')
    .on('job_run')
    .columns(['job', 'started_at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
