import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type {
  ActivityInput,
  CommitInput,
  CostInput,
  DeploymentInput,
  IncidentInput,
  LogEntryInput,
  PdUserInput,
  PullRequestInput,
  ReviewCommentInput,
  ReviewInput,
  RevenueInput,
  WorkflowRunInput,
} from '../../model/types.ts';
import type { Database } from '../schema.ts';

/**
 * Reads what the effort and margin model needs for one month, from the raw tables other parts
 * fill (gh_*, pd_*, cost_daily, revenue). Read-only. The activity window reaches back before the
 * month far enough that the month's first sessions and incident overlaps are seen whole.
 */
type Conn = Kysely<Database> | Transaction<Database>;

export interface ActivityWindow {
  /** Start of the window (month start minus the session look-back). */
  from: Date;
  /** End of the month, exclusive. */
  to: Date;
  /** Repos (lower case) with `owner/name:glob` entries: their CI runs and deployments follow the PR of their commit. */
  globRepos: readonly string[];
}

const AI_CATEGORY = 'AI and Machine Learning';

/**
 * Rows come back as one JSON array of arrays per query (json_agg), instants as epoch
 * milliseconds: for the hundreds of thousands of rows of a large month this is 2–3× cheaper than
 * row-by-row results on both backends (no per-row protocol parsing, no timestamptz parsing).
 */
async function jsonRows(db: Conn, query: RawBuilder<unknown>): Promise<unknown[][]> {
  const r = await sql<{
    j: unknown[][] | string | null;
  }>`select coalesce(json_agg(x.r), '[]'::json) as j from (${query}) as x(r)`.execute(db);
  const j = r.rows[0]?.j ?? [];
  return typeof j === 'string' ? (JSON.parse(j) as unknown[][]) : j;
}

const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
const date = (v: unknown): Date => new Date(v as number);
const dateOrNull = (v: unknown): Date | null => (v === null ? null : new Date(v as number));
const str = (v: unknown) => v as string;
const strOrNull = (v: unknown) => v as string | null;
const num = (v: unknown) => v as number;
const numOrNull = (v: unknown) => (v === null ? null : Number(v));
const bool = (v: unknown) => v === true;

const toCommit = (x: unknown[]): CommitInput => ({
  repo: str(x[0]),
  prNumber: num(x[1]),
  sha: str(x[2]),
  authorLogin: strOrNull(x[3]),
  authorIsBot: bool(x[4]),
  authoredAt: date(x[5]),
  parentCount: num(x[6]),
});
const COMMIT_COLUMNS = sql`json_build_array(repo, pr_number, sha, author_login, author_is_bot, ${ms('authored_at')}, parent_count)`;

const toReview = (x: unknown[]): ReviewInput => ({
  id: num(x[0]),
  repo: str(x[1]),
  prNumber: num(x[2]),
  authorLogin: strOrNull(x[3]),
  authorIsBot: bool(x[4]),
  submittedAt: dateOrNull(x[5]),
});
const REVIEW_COLUMNS = sql`json_build_array(id, repo, pr_number, author_login, author_is_bot, ${ms('submitted_at')})`;

const toPullRequest = (x: unknown[]): PullRequestInput => ({
  repo: str(x[0]),
  number: num(x[1]),
  authorLogin: strOrNull(x[2]),
  authorIsBot: bool(x[3]),
  title: str(x[4]),
  labels: x[5] as string[],
  createdAt: date(x[6]),
  files: x[7] as PullRequestInput['files'],
});
const PR_COLUMNS = sql`json_build_array(repo, number, author_login, author_is_bot, title, labels, ${ms('created_at')}, files)`;

const within = (column: string, w: ActivityWindow) =>
  sql`${sql.ref(column)} >= ${w.from} and ${sql.ref(column)} < ${w.to}`;

export async function readActivity(db: Conn, w: ActivityWindow): Promise<ActivityInput> {
  const [commitRows, reviewRows, commentRows, openedRows, runRows, deploymentRows] = await Promise.all([
    jsonRows(db, sql`select ${COMMIT_COLUMNS} from gh_commit where ${within('authored_at', w)}`),
    jsonRows(db, sql`select ${REVIEW_COLUMNS} from gh_review where ${within('submitted_at', w)}`),
    jsonRows(
      db,
      sql`select json_build_array(id, repo, pr_number, author_login, author_is_bot, ${ms('created_at')})
          from gh_review_comment where ${within('created_at', w)}`,
    ),
    jsonRows(db, sql`select ${PR_COLUMNS} from gh_pull_request where ${within('created_at', w)}`),
    // A run starts at or after it is created; re-runs start later.
    jsonRows(
      db,
      sql`select json_build_array(id, repo, name, actor_login, actor_is_bot, run_attempt, head_sha,
            ${ms('created_at')}, ${ms('run_started_at')}, ${ms('updated_at')}, status, billable_ms)
          from gh_workflow_run
          where created_at < ${w.to} and coalesce(run_started_at, created_at) >= ${w.from}
            and coalesce(run_started_at, created_at) < ${w.to}`,
    ),
    jsonRows(
      db,
      sql`select json_build_array(id, repo, creator_login, creator_is_bot, sha, ${ms('created_at')})
          from gh_deployment where ${within('created_at', w)}`,
    ),
  ]);

  const commits = commitRows.map(toCommit);
  const reviewComments: ReviewCommentInput[] = commentRows.map((x) => ({
    id: num(x[0]),
    repo: str(x[1]),
    prNumber: num(x[2]),
    authorLogin: strOrNull(x[3]),
    authorIsBot: bool(x[4]),
    createdAt: date(x[5]),
  }));
  const workflowRuns: WorkflowRunInput[] = runRows.map((x) => ({
    id: num(x[0]),
    repo: str(x[1]),
    name: str(x[2]),
    actorLogin: strOrNull(x[3]),
    actorIsBot: bool(x[4]),
    runAttempt: num(x[5]),
    headSha: strOrNull(x[6]),
    createdAt: date(x[7]),
    runStartedAt: dateOrNull(x[8]),
    updatedAt: date(x[9]),
    status: strOrNull(x[10]),
    billableMs: numOrNull(x[11]),
  }));
  const deployments: DeploymentInput[] = deploymentRows.map((x) => ({
    id: num(x[0]),
    repo: str(x[1]),
    creatorLogin: strOrNull(x[2]),
    creatorIsBot: bool(x[3]),
    sha: strOrNull(x[4]),
    createdAt: date(x[5]),
  }));

  // Monorepo CI runs and deployments: the commits (and so the PRs) their sha belongs to.
  if (w.globRepos.length > 0) {
    const known = new Set(commits.map((c) => c.sha));
    const shas = [
      ...new Set(
        [...workflowRuns.map((r) => r.headSha), ...deployments.map((d) => d.sha)].filter(
          (s): s is string => s !== null && !known.has(s),
        ),
      ),
    ];
    if (shas.length > 0) {
      const linked = await jsonRows(
        db,
        sql`select ${COMMIT_COLUMNS} from gh_commit
            where lower(repo) = any(${sql.val([...w.globRepos])}::text[]) and sha = any(${sql.val(shas)}::text[])`,
      );
      commits.push(...linked.map(toCommit));
    }
  }

  // Every PR an event refers to, with its file list; and the reviews before the window that may
  // be a PR's first review (commits after it are review work).
  const openedPrs = openedRows.map(toPullRequest);
  const opened = new Set(openedPrs.map((p) => `${p.repo}\u0000${p.number}`));
  const wanted = new Map<string, [string, number]>();
  const want = (repo: string, n: number) => {
    const k = `${repo}\u0000${n}`;
    if (!opened.has(k)) wanted.set(k, [repo, n]);
  };
  for (const c of commits) want(c.repo, c.prNumber);
  for (const r of reviewRows) want(str(r[1]), num(r[2]));
  for (const c of reviewComments) want(c.repo, c.prNumber);
  const keys = [...wanted.values()];
  const allKeys = [...keys, ...openedPrs.map((p) => [p.repo, p.number] as [string, number])];
  const inKeys = (cols: string, ks: Array<[string, number]>) =>
    sql`(${sql.raw(cols)}) in (select * from unnest(${sql.val(ks.map((k) => k[0]))}::text[], ${sql.val(
      ks.map((k) => k[1]),
    )}::int[]))`;
  const [olderPrs, earlierReviews] = await Promise.all([
    keys.length === 0
      ? Promise.resolve([])
      : jsonRows(db, sql`select ${PR_COLUMNS} from gh_pull_request where ${inKeys('repo, number', keys)}`),
    allKeys.length === 0
      ? Promise.resolve([])
      : jsonRows(
          db,
          sql`select ${REVIEW_COLUMNS} from gh_review
              where ${inKeys('repo, pr_number', allKeys)} and submitted_at < ${w.from}`,
        ),
  ]);
  const pullRequests = [...openedPrs, ...olderPrs.map(toPullRequest)];
  const reviews = [...reviewRows, ...earlierReviews].map(toReview);

  const incidentIds = sql`select id from pd_incident
    where created_at < ${w.to} and (resolved_at is null or resolved_at >= ${w.from})`;
  const [incidentRows, entryRows, userRows] = await Promise.all([
    jsonRows(
      db,
      sql`select json_build_array(id, number, service_id, title, ${ms('created_at')}, ${ms('resolved_at')})
          from pd_incident where id in (${incidentIds})`,
    ),
    jsonRows(
      db,
      sql`select json_build_array(id, incident_id, type, agent_id, agent_type, assignee_ids, unassigned_ids, ${ms('created_at')})
          from pd_log_entry where incident_id in (${incidentIds})`,
    ),
    jsonRows(db, sql`select json_build_array(id, email) from pd_user`),
  ]);
  const incidents: IncidentInput[] = incidentRows.map((x) => ({
    id: str(x[0]),
    number: numOrNull(x[1]),
    serviceId: str(x[2]),
    title: str(x[3]),
    createdAt: date(x[4]),
    resolvedAt: dateOrNull(x[5]),
  }));
  const logEntries: LogEntryInput[] = entryRows.map((x) => ({
    id: str(x[0]),
    incidentId: str(x[1]),
    type: str(x[2]),
    agentId: strOrNull(x[3]),
    agentType: strOrNull(x[4]),
    assigneeIds: x[5] as string[],
    unassignedIds: x[6] as string[],
    createdAt: date(x[7]),
  }));
  const pdUsers: PdUserInput[] = userRows.map((x) => ({ id: str(x[0]), email: strOrNull(x[1]) }));

  return {
    pullRequests,
    reviews,
    reviewComments,
    commits,
    workflowRuns,
    deployments,
    incidents,
    logEntries,
    pdUsers,
  };
}

export interface MonthCosts {
  costs: CostInput[];
  /** cost_daily rows of the month in the report currency. */
  rows: number;
  /** Rows in other billing currencies: kept apart, never summed into the report. */
  otherCurrencyRows: number;
}

/**
 * Cloud and AI cost of a month per product line, in `currency`, by `metric` (never mixed). Days
 * are UTC calendar days (FOCUS ChargePeriodStart), so a month is its days `YYYY-MM-01`…
 */
export async function readMonthCosts(
  db: Conn,
  month: string,
  nextMonth: string,
  currency: string,
  metric: 'BilledCost' | 'EffectiveCost',
): Promise<MonthCosts> {
  const column = metric === 'BilledCost' ? sql.ref('billed_cost') : sql.ref('effective_cost');
  const rows = await db
    .selectFrom('costDaily')
    .select([
      'productLine',
      'billingCurrency',
      'serviceCategory',
      sql<number>`sum(${column})`.as('amount'),
      sql<number>`sum(1)`.as('rows'),
    ])
    .where('day', '>=', `${month}-01`)
    .where('day', '<', `${nextMonth}-01`)
    .groupBy(['productLine', 'billingCurrency', 'serviceCategory'])
    .orderBy('productLine')
    .orderBy('serviceCategory')
    .execute();
  const out: MonthCosts = { costs: [], rows: 0, otherCurrencyRows: 0 };
  for (const r of rows) {
    if (r.billingCurrency !== currency) {
      out.otherCurrencyRows += Number(r.rows);
      continue;
    }
    out.rows += Number(r.rows);
    out.costs.push({
      productLine: r.productLine,
      ai: r.serviceCategory === AI_CATEGORY,
      amount: Number(r.amount),
    });
  }
  return out;
}

export async function readMonthRevenue(db: Conn, month: string): Promise<RevenueInput[]> {
  const rows = await db
    .selectFrom('revenue')
    .select(['productLine', 'revenue', 'units'])
    .where('month', '=', month)
    .execute();
  return rows.map((r) => ({
    productLine: r.productLine,
    revenue: Number(r.revenue),
    units: r.units === null ? null : Number(r.units),
  }));
}
