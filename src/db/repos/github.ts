import { type Kysely, sql, type Transaction } from 'kysely';
import type {
  CommitRow,
  DeploymentRow,
  PullRequestRecord,
  ReviewCommentRow,
  ReviewRow,
  WorkflowRunRow,
} from '../../ingest/github/map.ts';
import type { Database } from '../schema.ts';
import { chunks, takeIncoming } from './upsert.ts';

/**
 * GitHub raw activity: gh_pull_request and its children (reviews, review comments, commits),
 * gh_workflow_run, gh_deployment; plus the github rows of ingest_cursor and ingest_run.
 * The caller owns the transaction.
 */
type Conn = Kysely<Database> | Transaction<Database>;

/**
 * Stores PRs with everything under them. Each PR's reviews, review comments and commits are
 * replaced as a whole (a force-push drops commits; a pending review can be deleted), so a PR is
 * always as complete as the fetch that read it.
 */
export async function storePullRequests(
  db: Conn,
  repo: string,
  records: readonly PullRequestRecord[],
): Promise<void> {
  if (records.length === 0) return;
  for (const part of chunks(records, 200)) {
    await db
      .insertInto('ghPullRequest')
      .values(
        part.map(({ pr }) => ({
          ...pr,
          labels: JSON.stringify(pr.labels),
          files: JSON.stringify(pr.files),
          fetchedAt: sql<Date>`now()`,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['repo', 'number'])
          .doUpdateSet(
            takeIncoming('ghPullRequest', [
              'githubId',
              'authorLogin',
              'authorIsBot',
              'title',
              'labels',
              'state',
              'createdAt',
              'updatedAt',
              'mergedAt',
              'closedAt',
              'headRef',
              'baseRef',
              'files',
              'fetchedAt',
            ]),
          ),
      )
      .execute();
  }
  const numbers = records.map((r) => r.pr.number);
  for (const table of ['ghReview', 'ghReviewComment', 'ghCommit'] as const) {
    await db.deleteFrom(table).where('repo', '=', repo).where('prNumber', 'in', numbers).execute();
  }
  const reviews: ReviewRow[] = records.flatMap((r) => r.reviews);
  const comments: ReviewCommentRow[] = records.flatMap((r) => r.comments);
  const commits: CommitRow[] = records.flatMap((r) => r.commits);
  for (const part of chunks(reviews)) {
    await db
      .insertInto('ghReview')
      .values(part)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(
            takeIncoming('ghReview', [
              'repo',
              'prNumber',
              'authorLogin',
              'authorIsBot',
              'state',
              'submittedAt',
            ]),
          ),
      )
      .execute();
  }
  for (const part of chunks(comments)) {
    await db
      .insertInto('ghReviewComment')
      .values(part)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(
            takeIncoming('ghReviewComment', ['repo', 'prNumber', 'authorLogin', 'authorIsBot', 'createdAt']),
          ),
      )
      .execute();
  }
  for (const part of chunks(commits)) {
    await db
      .insertInto('ghCommit')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Stored (updatedAt, billableMs) of runs, to keep a billable figure already fetched for an unchanged run. */
export async function storedRunBilling(
  db: Conn,
  ids: readonly number[],
): Promise<Map<number, { updatedAt: Date; billableMs: number | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('ghWorkflowRun')
    .select(['id', 'updatedAt', 'billableMs'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, { updatedAt: r.updatedAt, billableMs: r.billableMs }]));
}

export async function storeWorkflowRuns(db: Conn, rows: readonly WorkflowRunRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('ghWorkflowRun')
      .values(part)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(
            takeIncoming('ghWorkflowRun', [
              'repo',
              'name',
              'event',
              'actorLogin',
              'triggeringActorLogin',
              'actorIsBot',
              'triggeringActorIsBot',
              'runAttempt',
              'status',
              'conclusion',
              'headSha',
              'createdAt',
              'runStartedAt',
              'updatedAt',
              'billableMs',
            ]),
          ),
      )
      .execute();
  }
}

export async function storeDeployments(db: Conn, rows: readonly DeploymentRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('ghDeployment')
      .values(part.map((d) => ({ ...d, statuses: JSON.stringify(d.statuses) })))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(
            takeIncoming('ghDeployment', [
              'repo',
              'creatorLogin',
              'creatorIsBot',
              'environment',
              'sha',
              'createdAt',
              'updatedAt',
              'statuses',
            ]),
          ),
      )
      .execute();
  }
}

// ── cursors and runs ──────────────────────────────────────────────────────────
export const GITHUB_SOURCE = 'github';

export interface StoredCursor {
  cursor: string | null;
  etag: string | null;
}

export async function readGithubCursor(
  db: Conn,
  scope: string,
  stream: string,
): Promise<StoredCursor | null> {
  const row = await db
    .selectFrom('ingestCursor')
    .select(['cursor', 'etag'])
    .where('source', '=', GITHUB_SOURCE)
    .where('scope', '=', scope)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row ?? null;
}

export async function writeGithubCursor(
  db: Conn,
  scope: string,
  stream: string,
  value: StoredCursor,
  at: Date,
): Promise<void> {
  await db
    .insertInto('ingestCursor')
    .values({ source: GITHUB_SOURCE, scope, stream, cursor: value.cursor, etag: value.etag, updatedAt: at })
    .onConflict((oc) =>
      oc
        .columns(['source', 'scope', 'stream'])
        .doUpdateSet({ cursor: value.cursor, etag: value.etag, updatedAt: at }),
    )
    .execute();
}

export async function startGithubRun(db: Conn, at: Date): Promise<number> {
  const row = await db
    .insertInto('ingestRun')
    .values({ source: GITHUB_SOURCE, startedAt: at, status: 'running', stats: JSON.stringify({}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishGithubRun(
  db: Conn,
  id: number,
  done: {
    status: 'succeeded' | 'partial' | 'failed';
    stats: Record<string, unknown>;
    error: string | null;
    at: Date;
  },
): Promise<void> {
  await db
    .updateTable('ingestRun')
    .set({ status: done.status, stats: JSON.stringify(done.stats), error: done.error, finishedAt: done.at })
    .where('id', '=', id)
    .execute();
}
