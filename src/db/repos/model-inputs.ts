import { type Kysely, sql, type Transaction } from 'kysely';
import type {
  ActivityInput,
  CommitInput,
  CostInput,
  PullRequestInput,
  ReviewInput,
  RevenueInput,
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

export async function readActivity(db: Conn, w: ActivityWindow): Promise<ActivityInput> {
  const [commitRows, reviewRows, commentRows, openedRows, runRows, deploymentRows] = await Promise.all([
    db
      .selectFrom('ghCommit')
      .select(['repo', 'prNumber', 'sha', 'authorLogin', 'authorIsBot', 'authoredAt', 'parentCount'])
      .where('authoredAt', '>=', w.from)
      .where('authoredAt', '<', w.to)
      .execute(),
    db
      .selectFrom('ghReview')
      .select(['id', 'repo', 'prNumber', 'authorLogin', 'authorIsBot', 'submittedAt'])
      .where('submittedAt', '>=', w.from)
      .where('submittedAt', '<', w.to)
      .execute(),
    db
      .selectFrom('ghReviewComment')
      .select(['id', 'repo', 'prNumber', 'authorLogin', 'authorIsBot', 'createdAt'])
      .where('createdAt', '>=', w.from)
      .where('createdAt', '<', w.to)
      .execute(),
    db
      .selectFrom('ghPullRequest')
      .select(['repo', 'number', 'authorLogin', 'authorIsBot', 'title', 'labels', 'createdAt', 'files'])
      .where('createdAt', '>=', w.from)
      .where('createdAt', '<', w.to)
      .execute(),
    db
      .selectFrom('ghWorkflowRun')
      .select([
        'id',
        'repo',
        'name',
        'actorLogin',
        'actorIsBot',
        'runAttempt',
        'headSha',
        'createdAt',
        'runStartedAt',
        'updatedAt',
        'status',
        'billableMs',
      ])
      // A run starts at or after it is created; re-runs start later.
      .where('createdAt', '<', w.to)
      .where(sql<Date>`coalesce(run_started_at, created_at)`, '>=', w.from)
      .where(sql<Date>`coalesce(run_started_at, created_at)`, '<', w.to)
      .execute(),
    db
      .selectFrom('ghDeployment')
      .select(['id', 'repo', 'creatorLogin', 'creatorIsBot', 'sha', 'createdAt'])
      .where('createdAt', '>=', w.from)
      .where('createdAt', '<', w.to)
      .execute(),
  ]);

  const commits: CommitInput[] = commitRows;
  // Monorepo CI runs and deployments: the commits (and so the PRs) their sha belongs to.
  if (w.globRepos.length > 0) {
    const known = new Set(commitRows.map((c) => c.sha));
    const shas = [
      ...new Set(
        [...runRows.map((r) => r.headSha), ...deploymentRows.map((d) => d.sha)].filter(
          (s): s is string => s !== null && !known.has(s),
        ),
      ),
    ];
    if (shas.length > 0) {
      const linked = await db
        .selectFrom('ghCommit')
        .select(['repo', 'prNumber', 'sha', 'authorLogin', 'authorIsBot', 'authoredAt', 'parentCount'])
        .where(sql<string>`lower(repo)`, 'in', [...w.globRepos])
        .where(sql<boolean>`sha = any(${sql.val(shas)}::text[])`)
        .execute();
      commits.push(...linked);
    }
  }

  // Every PR an event refers to, with its file list; and the reviews before the window that may
  // be a PR's first review (commits after it are review work).
  const opened = new Set(openedRows.map((p) => `${p.repo}\u0000${p.number}`));
  const wanted = new Map<string, [string, number]>();
  const want = (repo: string, n: number) => {
    const k = `${repo}\u0000${n}`;
    if (!opened.has(k)) wanted.set(k, [repo, n]);
  };
  for (const c of commits) want(c.repo, c.prNumber);
  for (const r of reviewRows) want(r.repo, r.prNumber);
  for (const c of commentRows) want(c.repo, c.prNumber);
  const keys = [...wanted.values()];
  const allKeys = [...keys, ...openedRows.map((p) => [p.repo, p.number] as [string, number])];
  const inKeys = (cols: string, ks: Array<[string, number]>) =>
    sql<boolean>`(${sql.raw(cols)}) in (select * from unnest(${sql.val(ks.map((k) => k[0]))}::text[], ${sql.val(
      ks.map((k) => k[1]),
    )}::int[]))`;
  const [olderPrs, earlierReviews] = await Promise.all([
    keys.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('ghPullRequest')
          .select(['repo', 'number', 'authorLogin', 'authorIsBot', 'title', 'labels', 'createdAt', 'files'])
          .where(inKeys('repo, number', keys))
          .execute(),
    allKeys.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('ghReview')
          .select(['id', 'repo', 'prNumber', 'authorLogin', 'authorIsBot', 'submittedAt'])
          .where(inKeys('repo, pr_number', allKeys))
          .where('submittedAt', '<', w.from)
          .execute(),
  ]);
  const pullRequests: PullRequestInput[] = [...openedRows, ...olderPrs];
  const reviews: ReviewInput[] = [...reviewRows, ...earlierReviews];

  const incidentFilter = (qb: Conn) =>
    qb
      .selectFrom('pdIncident')
      .where('createdAt', '<', w.to)
      .where((eb) => eb.or([eb('resolvedAt', 'is', null), eb('resolvedAt', '>=', w.from)]));
  const [incidents, logEntries, pdUsers] = await Promise.all([
    incidentFilter(db).select(['id', 'number', 'serviceId', 'title', 'createdAt', 'resolvedAt']).execute(),
    db
      .selectFrom('pdLogEntry')
      .select([
        'id',
        'incidentId',
        'type',
        'agentId',
        'agentType',
        'assigneeIds',
        'unassignedIds',
        'createdAt',
      ])
      .where('incidentId', 'in', incidentFilter(db).select('id'))
      .execute(),
    db.selectFrom('pdUser').select(['id', 'email']).execute(),
  ]);

  return {
    pullRequests,
    reviews,
    reviewComments: commentRows,
    commits,
    workflowRuns: runRows,
    deployments: deploymentRows,
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
