import type { Insertable } from 'kysely';
import { FinopsError } from '../../lib/errors.ts';
import type {
  GhCommitTable,
  GhDeploymentStatus,
  GhDeploymentTable,
  GhFile,
  GhPullRequestTable,
  GhReviewCommentTable,
  GhReviewTable,
  GhWorkflowRunTable,
} from '../../db/schema.ts';

/**
 * Pure mapping from GitHub payloads (GraphQL nodes for PRs and deployments, REST objects for
 * workflow runs) to rows. No I/O: the same payload always gives the same rows.
 */

// ── payload shapes (only the fields the queries ask for) ────────────────────
export interface GqlActor {
  __typename: string;
  login: string;
}
export interface GqlPageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface GqlConnection<T> {
  pageInfo: GqlPageInfo;
  nodes: T[];
}
export interface GqlFile {
  path: string;
  additions: number;
  deletions: number;
}
export interface GqlCommitNode {
  commit: {
    oid: string;
    authoredDate: string;
    parents: { totalCount: number };
    author: { name: string | null; user: { login: string } | null } | null;
  };
}
export interface GqlReviewComment {
  databaseId: number | null;
  createdAt: string;
  author: GqlActor | null;
}
export interface GqlReview {
  id: string;
  databaseId: number | null;
  state: string;
  submittedAt: string | null;
  author: GqlActor | null;
  comments: GqlConnection<GqlReviewComment>;
}
export interface GqlPullRequest {
  id: string;
  databaseId: number | null;
  number: number;
  title: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  headRefName: string | null;
  baseRefName: string | null;
  author: GqlActor | null;
  labels: GqlConnection<{ name: string }>;
  files: GqlConnection<GqlFile>;
  commits: GqlConnection<GqlCommitNode>;
  reviews: GqlConnection<GqlReview>;
}
export interface GqlDeployment {
  id: string;
  databaseId: number | null;
  environment: string | null;
  commitOid: string | null;
  createdAt: string;
  updatedAt: string;
  creator: GqlActor | null;
  statuses: GqlConnection<{ state: string; createdAt: string }>;
}
export interface RestUser {
  login: string;
  type?: string;
}
export interface RestWorkflowRun {
  id: number;
  name?: string | null;
  event?: string | null;
  status?: string | null;
  conclusion?: string | null;
  head_sha?: string | null;
  run_attempt?: number;
  created_at: string;
  updated_at: string;
  run_started_at?: string | null;
  actor?: RestUser | null;
  triggering_actor?: RestUser | null;
}
export interface RestRunTiming {
  billable?: Record<string, { total_ms?: number } | undefined>;
  run_duration_ms?: number;
}

// ── rows ──────────────────────────────────────────────────────────────────────
export type PullRequestRow = Omit<Insertable<GhPullRequestTable>, 'fetchedAt'> & {
  labels: string[];
  files: GhFile[];
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
};
export type ReviewRow = Insertable<GhReviewTable> & { submittedAt: string | null };
export type ReviewCommentRow = Insertable<GhReviewCommentTable> & { createdAt: string };
export type CommitRow = Insertable<GhCommitTable> & { authoredAt: string; parentCount: number };
export type WorkflowRunRow = Insertable<GhWorkflowRunTable> & {
  createdAt: string;
  updatedAt: string;
  runStartedAt: string | null;
};
export type DeploymentRow = Insertable<GhDeploymentTable> & {
  statuses: GhDeploymentStatus[];
  createdAt: string;
  updatedAt: string;
};

/** One PR with everything under it, as stored together in one transaction. */
export interface PullRequestRecord {
  pr: PullRequestRow;
  reviews: ReviewRow[];
  comments: ReviewCommentRow[];
  commits: CommitRow[];
}

// ── checked fields ──────────────────────────────────────────────────────────
/**
 * A payload field that is not what GitHub documents. The repository is reported as failed with
 * this message (its cursors stay, nothing of the page is stored) instead of the database refusing
 * the row with a bare "invalid input syntax" or a word stored where a count belongs.
 */
export class GithubPayloadError extends FinopsError {
  constructor(where: string, what: string) {
    super('github_payload', `unexpected GitHub payload at ${where}: ${what}`);
    this.name = 'GithubPayloadError';
  }
}

/** ISO 8601 with a zone, as GitHub writes every timestamp (`2026-11-12T16:35:18Z`). */
const ISO_INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

function instant(value: unknown, where: string): string {
  if (typeof value !== 'string' || !ISO_INSTANT_RE.test(value) || Number.isNaN(Date.parse(value)))
    throw new GithubPayloadError(where, `expected a timestamp, got ${JSON.stringify(value)}`);
  return value;
}

function optionalInstant(value: unknown, where: string): string | null {
  return value === null || value === undefined ? null : instant(value, where);
}

function lineCount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new GithubPayloadError(where, `expected a count of lines, got ${JSON.stringify(value)}`);
  return value;
}

/** Text fields (titles, names) as text whatever came: a number or null must not break a row. */
function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : value === null || value === undefined
      ? ''
      : JSON.stringify(value);
}

// ── people and bots ─────────────────────────────────────────────────────────
const BOT_SUFFIX = '[bot]';

export function isBotLogin(login: string | null | undefined): boolean {
  return typeof login === 'string' && login.toLowerCase().endsWith(BOT_SUFFIX);
}

export interface Person {
  login: string | null;
  isBot: boolean;
}

/**
 * A GraphQL actor as a login. GraphQL names an app `dependabot` with `__typename: Bot` where REST
 * says `dependabot[bot]` with `type: Bot`; logins are stored in the REST form so one bot has one
 * login whichever API reported it.
 */
export function gqlPerson(actor: GqlActor | null | undefined): Person {
  if (!actor?.login) return { login: null, isBot: false };
  const isBot = actor.__typename === 'Bot' || isBotLogin(actor.login);
  const login =
    actor.__typename === 'Bot' && !isBotLogin(actor.login) ? `${actor.login}${BOT_SUFFIX}` : actor.login;
  return { login, isBot };
}

export function restPerson(user: RestUser | null | undefined): Person {
  if (!user?.login) return { login: null, isBot: false };
  return { login: user.login, isBot: user.type === 'Bot' || isBotLogin(user.login) };
}

// ── pull requests ─────────────────────────────────────────────────────────────
/** `state`: GraphQL's OPEN / CLOSED / MERGED, lower-cased. */
export function mapPullRequest(repo: string, node: GqlPullRequest): PullRequestRecord {
  const at = `${repo}#${node.number}`;
  const author = gqlPerson(node.author);
  const pr: PullRequestRow = {
    repo,
    number: node.number,
    githubId: node.databaseId,
    authorLogin: author.login,
    authorIsBot: author.isBot,
    title: text(node.title),
    labels: (node.labels?.nodes ?? []).map((l) => l?.name).filter((l): l is string => typeof l === 'string'),
    state: text(node.state).toLowerCase(),
    createdAt: instant(node.createdAt, `${at} createdAt`),
    updatedAt: instant(node.updatedAt, `${at} updatedAt`),
    mergedAt: optionalInstant(node.mergedAt, `${at} mergedAt`),
    closedAt: optionalInstant(node.closedAt, `${at} closedAt`),
    headRef: node.headRefName,
    baseRef: node.baseRefName,
    files: node.files.nodes.map((f) => ({
      path: text(f.path),
      additions: lineCount(f.additions, `${at} files ${JSON.stringify(f.path)} additions`),
      deletions: lineCount(f.deletions, `${at} files ${JSON.stringify(f.path)} deletions`),
    })),
  };
  const reviews: ReviewRow[] = [];
  const comments: ReviewCommentRow[] = [];
  for (const r of node.reviews.nodes) {
    // A review without a database id cannot be keyed; GitHub gives one to every review.
    if (r.databaseId === null) continue;
    const who = gqlPerson(r.author);
    reviews.push({
      id: r.databaseId,
      repo,
      prNumber: node.number,
      authorLogin: who.login,
      authorIsBot: who.isBot,
      state: text(r.state),
      submittedAt: optionalInstant(r.submittedAt, `${at} review ${r.databaseId} submittedAt`),
    });
    for (const c of r.comments.nodes) {
      if (c.databaseId === null) continue;
      const cw = gqlPerson(c.author);
      comments.push({
        id: c.databaseId,
        repo,
        prNumber: node.number,
        authorLogin: cw.login,
        authorIsBot: cw.isBot,
        createdAt: instant(c.createdAt, `${at} review comment ${c.databaseId} createdAt`),
      });
    }
  }
  const commits: CommitRow[] = [];
  const seen = new Set<string>();
  for (const { commit } of node.commits.nodes) {
    if (seen.has(commit.oid)) continue;
    seen.add(commit.oid);
    const login = commit.author?.user?.login ?? null;
    commits.push({
      repo,
      prNumber: node.number,
      sha: commit.oid,
      authorLogin: login,
      // A bot's git identity is not a GitHub user: only the name (`dependabot[bot]`) tells.
      authorIsBot: isBotLogin(login) || isBotLogin(commit.author?.name),
      authoredAt: instant(commit.authoredDate, `${at} commit ${commit.oid} authoredDate`),
      parentCount: commit.parents.totalCount,
    });
  }
  // Review comments can be reported under two reviews while a thread is being edited: key by id.
  return { pr, reviews: uniqueBy(reviews, (r) => r.id), comments: uniqueBy(comments, (c) => c.id), commits };
}

function uniqueBy<T>(items: T[], key: (t: T) => number): T[] {
  const seen = new Set<number>();
  return items.filter((it) => {
    const k = key(it);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ── workflow runs ─────────────────────────────────────────────────────────────
/**
 * `actorLogin` is who triggered the run's first attempt; `triggeringActorLogin` is who started the
 * latest attempt (the person who pressed re-run when `runAttempt > 1`; the actor when GitHub names
 * no triggering actor). Each has its own bot flag.
 */
export function mapWorkflowRun(
  repo: string,
  run: RestWorkflowRun,
  billableMs: number | null,
): WorkflowRunRow {
  const actor = restPerson(run.actor);
  const triggering = run.triggering_actor?.login ? restPerson(run.triggering_actor) : actor;
  return {
    id: run.id,
    repo,
    name: run.name ?? '',
    event: run.event ?? null,
    actorLogin: actor.login,
    triggeringActorLogin: triggering.login,
    actorIsBot: actor.isBot,
    triggeringActorIsBot: triggering.isBot,
    runAttempt: typeof run.run_attempt === 'number' && run.run_attempt >= 1 ? run.run_attempt : 1,
    status: run.status ?? null,
    conclusion: run.conclusion ?? null,
    headSha: run.head_sha ?? null,
    createdAt: instant(run.created_at, `${repo} workflow run ${run.id} created_at`),
    runStartedAt: optionalInstant(run.run_started_at, `${repo} workflow run ${run.id} run_started_at`),
    updatedAt: instant(run.updated_at, `${repo} workflow run ${run.id} updated_at`),
    billableMs,
  };
}

/** The billable milliseconds of a run across runner OSes, or null when GitHub reports none. */
export function billableMsFromTiming(timing: RestRunTiming): number | null {
  const entries = Object.values(timing.billable ?? {});
  const values = entries.map((e) => e?.total_ms).filter((v): v is number => typeof v === 'number');
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
}

// ── deployments ───────────────────────────────────────────────────────────────
/** Statuses oldest first, `state` lower-cased as REST spells it (`success`, `in_progress`…). */
export function mapDeployment(repo: string, node: GqlDeployment): DeploymentRow | null {
  if (node.databaseId === null) return null;
  const who = gqlPerson(node.creator);
  const statuses = node.statuses.nodes
    .map((s) => ({ state: s.state.toLowerCase(), createdAt: s.createdAt }))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  return {
    id: node.databaseId,
    repo,
    creatorLogin: who.login,
    creatorIsBot: who.isBot,
    environment: node.environment,
    sha: node.commitOid,
    createdAt: instant(node.createdAt, `${repo} deployment ${node.databaseId} createdAt`),
    updatedAt: instant(node.updatedAt, `${repo} deployment ${node.databaseId} updatedAt`),
    statuses,
  };
}

// ── people seen ───────────────────────────────────────────────────────────────
/** Every (login, isBot) an activity row names, once per row: the input of the unmapped count. */
export function loginsOf(record: PullRequestRecord): Person[] {
  return [
    { login: record.pr.authorLogin ?? null, isBot: record.pr.authorIsBot ?? false },
    ...record.reviews.map((r) => ({ login: r.authorLogin ?? null, isBot: r.authorIsBot ?? false })),
    ...record.comments.map((c) => ({ login: c.authorLogin ?? null, isBot: c.authorIsBot ?? false })),
    ...record.commits.map((c) => ({ login: c.authorLogin ?? null, isBot: c.authorIsBot ?? false })),
  ];
}
