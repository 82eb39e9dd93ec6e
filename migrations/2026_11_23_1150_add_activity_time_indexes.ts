import { type Kysely, sql } from 'kysely';

/**
 * Building a month's snapshot reads the activity of one month out of all the history kept: each
 * raw activity table gets an index on the instant the effort model reads it by, so that read
 * stays the size of the month, not of the history.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('gh_commit_authored_at_idx').on('gh_commit').column('authored_at').execute();
  await db.schema.createIndex('gh_review_submitted_at_idx').on('gh_review').column('submitted_at').execute();
  await db.schema
    .createIndex('gh_review_comment_created_at_idx')
    .on('gh_review_comment')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('gh_pull_request_created_at_idx')
    .on('gh_pull_request')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('gh_deployment_created_at_idx')
    .on('gh_deployment')
    .column('created_at')
    .execute();
  // CI runs are read by the start of their latest attempt (re-runs start after the run was created).
  await sql`create index gh_workflow_run_started_idx on gh_workflow_run ((coalesce(run_started_at, created_at)))`.execute(
    db,
  );
  // Incidents still open, or resolved after a month began.
  await db.schema
    .createIndex('pd_incident_resolved_at_idx')
    .on('pd_incident')
    .column('resolved_at')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
