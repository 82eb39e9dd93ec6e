import type { Transaction } from 'kysely';
import {
  finishGithubRun,
  readGithubCursor,
  startGithubRun,
  storeDeployments,
  storedRunBilling,
  storePullRequests,
  storeWorkflowRuns,
  writeGithubCursor,
} from '../db/repos/github.ts';
import type { Database } from '../db/schema.ts';
import { type Clock, createGithubClient, GithubApiError } from '../ingest/github/client.ts';
import {
  billableMsFromTiming,
  type DeploymentRow,
  loginsOf,
  mapDeployment,
  GithubPayloadError,
  mapPullRequest,
  mapWorkflowRun,
  type Person,
  type PullRequestRecord,
  type RestWorkflowRun,
  type WorkflowRunRow,
} from '../ingest/github/map.ts';
import {
  completePullRequest,
  fetchDeploymentsPage,
  fetchPullRequestPage,
  fetchRunTiming,
  fetchWorkflowRunsPage,
  probeDeployments,
  probePullRequests,
  type RepoRef,
} from '../ingest/github/reads.ts';
import { type RepoTarget, reposFromConfig } from '../ingest/github/repo-spec.ts';
import { FinopsError, InputError, isInputError } from '../lib/errors.ts';
import type { OnProgress } from '../lib/progress.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * `finops ingest github` and the hourly job: every repository the config names, fetched once,
 * three streams each (pull requests with reviews, review comments, commits and files; workflow
 * runs; deployments with statuses), incremental and resumable.
 *
 * Each stream is read newest first and stops at its cursor. Its cursor row holds
 * `{ watermark, pending }`: `watermark` is the newest sort key of the last complete listing;
 * `pending` marks a listing in progress, written in the same transaction as each stored page, so a
 * run that is killed resumes after the last complete page (and first re-reads whatever became newer
 * meanwhile). The stream's ETag is stored with the watermark, so an unchanged repository costs
 * three conditional requests answered 304, which do not count against the rate limit.
 */

export const GITHUB_API = 'https://api.github.com';
/** Runs and deployments change after creation (status, re-runs): this much before the watermark is re-read. */
export const LOOKBACK_HOURS = 72;

export interface IngestGithubOptions {
  /** Where waits happen (tests pass a recording clock). */
  clock?: Clock;
  signal?: AbortSignal;
  /** Fetch each completed run's billable time (one extra request per new run). */
  billable?: boolean;
  /** PRs per GraphQL page. */
  pageSize?: number;
  graphqlIntervalMs?: number;
  maxWaitMs?: number;
  maxRetries?: number;
  /** Told at each repository and each stored page (the CLI shows it as progress). */
  onProgress?: OnProgress;
}

export type RepoProblem = {
  repo: string;
  where: string[];
  /** `repository`: nothing of it could be read; `runs` / `deployments`: only that stream (Actions disabled, a token without Actions or Deployments read access). */
  stream: 'repository' | 'runs' | 'deployments';
  reason: 'not_found' | 'forbidden';
  message: string;
};

export interface IngestGithubSummary {
  runId: number;
  status: 'succeeded' | 'partial' | 'failed';
  repos: number;
  reposDone: number;
  prs: number;
  reviews: number;
  reviewComments: number;
  commits: number;
  workflowRuns: number;
  deployments: number;
  requests: number;
  notModified: number;
  graphqlRequests: number;
  retries: number;
  waitedMs: number;
  rateLimitRemaining: number | null;
  graphqlRemaining: number | null;
  /** Repositories that are gone or that the token may not read: reported and skipped. */
  skipped: RepoProblem[];
  /** Repositories that failed for another reason (5xx after retries…); their cursors were left as they were. */
  failed: Array<{ repo: string; message: string }>;
  /** Logins not in `people`, with how many stored activity rows name them, most first. */
  unmapped: Array<{ login: string; count: number }>;
  /** Set when the run stopped early (rate limit exhausted, interrupted). */
  error: string | null;
}

export interface GithubSettings {
  token: string;
  tokenEnv: string;
  baseUrl: string;
}

/** Token and API base from the environment; a missing token is a config problem (exit 2). */
export function githubSettings(deps: Pick<ServiceDeps, 'config' | 'env'>): GithubSettings {
  const tokenEnv = deps.config.sources.github?.token_env ?? 'GITHUB_TOKEN';
  const token = deps.env[tokenEnv];
  if (!token) {
    throw new InputError(
      'github_token_missing',
      `${tokenEnv} is not set: export a GitHub token that can read the configured repositories (sources.github.token_env names the variable)`,
    );
  }
  return { token, tokenEnv, baseUrl: deps.env['GITHUB_API_URL'] || GITHUB_API };
}

interface StreamCursor {
  /** Newest sort key of the last complete listing. */
  watermark: string | null;
  /** When that listing began (our clock). */
  listedAt: string | null;
  pending: { top: string; after: string; floor: string } | null;
}

function parseCursor(text: string | null | undefined): StreamCursor {
  const empty = { watermark: null, listedAt: null, pending: null };
  if (!text) return empty;
  try {
    const v = JSON.parse(text) as Partial<StreamCursor>;
    return { watermark: v.watermark ?? null, listedAt: v.listedAt ?? null, pending: v.pending ?? null };
  } catch {
    return empty;
  }
}

/** Clock skew allowed between GitHub and us when deciding that a listing saw a whole second. */
const SKEW_MS = 5 * 60_000;

const ms = (iso: string) => Date.parse(iso);
const isoMax = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : ms(a) >= ms(b) ? a : b;

interface StreamSpec<T, R> {
  stream: 'pulls' | 'runs' | 'deployments';
  /** One page, newest first; `after` null = the top. */
  fetchPage(after: string | null): Promise<{ items: T[]; next: string | null }>;
  sortKey(item: T): string;
  /** Network work for the kept items (nested paging, timings), before the write transaction. */
  prepare(items: T[]): Promise<R[]>;
  store(trx: Transaction<Database>, rows: R[]): Promise<void>;
}

export async function ingestGithub(
  deps: ServiceDeps,
  opts: IngestGithubOptions = {},
): Promise<IngestGithubSummary> {
  // Bad input is refused before anything is read or written.
  const targets = reposFromConfig(deps.config);
  const settings = githubSettings(deps);
  const { db, logger } = deps;
  const client = createGithubClient({
    baseUrl: settings.baseUrl,
    token: settings.token,
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.graphqlIntervalMs !== undefined ? { graphqlIntervalMs: opts.graphqlIntervalMs } : {}),
    ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
  });
  const pageSize = opts.pageSize ?? 50;
  const people = new Set(deps.config.people.flatMap((p) => (p.github ? [p.github.toLowerCase()] : [])));
  const unmapped = new Map<string, number>();
  const seen = (persons: Person[]) => {
    for (const p of persons) {
      if (!p.login || p.isBot || people.has(p.login.toLowerCase())) continue;
      unmapped.set(p.login, (unmapped.get(p.login) ?? 0) + 1);
    }
  };
  const counts = { prs: 0, reviews: 0, reviewComments: 0, commits: 0, workflowRuns: 0, deployments: 0 };
  const skipped: RepoProblem[] = [];
  const failed: Array<{ repo: string; message: string }> = [];
  let reposDone = 0;
  let fatal: Error | null = null;
  const currentRepo = '';
  const tell = () =>
    opts.onProgress?.({
      unit: 'repositories',
      done: reposDone + skipped.length + failed.length,
      total: targets.length,
      detail: `${currentRepo} · ${n(counts.prs)} pull requests, ${n(counts.workflowRuns)} workflow runs so far`,
    });

  const since = new Date(deps.now());
  since.setUTCMonth(since.getUTCMonth() - (deps.config.sources.github?.backfill_months ?? 6));
  const sinceIso = since.toISOString();

  const runId = await startGithubRun(db, deps.now());

  /** Reads one stream newest first down to its floor, storing page by page; see the file comment. */
  async function runStream<T, R>(
    scope: string,
    spec: StreamSpec<T, R>,
    cursor: StreamCursor,
    etag: string | null,
    floorOf: (watermark: string | null) => string,
  ): Promise<void> {
    const write = (trx: Transaction<Database> | typeof db, c: StreamCursor, e: string | null) =>
      writeGithubCursor(trx, scope, spec.stream, { cursor: JSON.stringify(c), etag: e }, deps.now());
    let top: string | null = null;
    const listedAt = deps.now().toISOString();
    // Walks from `after` down to `floor`; with `track`, each stored page moves `pending` in the same transaction.
    const walk = async (
      after: string | null,
      floor: string,
      track: { top: () => string; floor: string } | null,
    ) => {
      let at = after;
      for (;;) {
        const page = await spec.fetchPage(at);
        const first = page.items[0];
        if (at === null && first && top === null) top = spec.sortKey(first);
        const keep = page.items.filter((i) => ms(spec.sortKey(i)) >= ms(floor));
        const end = keep.length < page.items.length || page.next === null;
        const rows = await spec.prepare(keep);
        await db.transaction().execute(async (trx) => {
          await spec.store(trx, rows);
          if (track && !end && page.next) {
            await write(
              trx,
              { ...cursor, pending: { top: track.top(), after: page.next, floor: track.floor } },
              etag,
            );
          }
        });
        tell();
        if (end || !page.next) return;
        at = page.next;
      }
    };
    if (cursor.pending) {
      const p = cursor.pending;
      // What became newer since the interrupted listing began, then the rest of that listing.
      await walk(null, p.top, null);
      await walk(p.after, p.floor, { top: () => p.top, floor: p.floor });
      top = isoMax(top, p.top);
    } else {
      const floor = floorOf(cursor.watermark);
      await walk(null, floor, { top: () => top ?? floor, floor });
    }
    await write(db, { watermark: isoMax(cursor.watermark, top), listedAt, pending: null }, etag);
  }

  const backOff = (watermark: string | null) =>
    watermark === null ? sinceIso : new Date(ms(watermark) - LOOKBACK_HOURS * 3_600_000).toISOString();

  async function ingestPulls(target: RepoTarget, ref: RepoRef, scope: string): Promise<void> {
    const stored = await readGithubCursor(db, scope, 'pulls');
    const cursor = parseCursor(stored?.cursor);
    const probe = await probePullRequests(client, ref, stored?.etag ?? null);
    if (probe.notModified && !cursor.pending) return;
    // The list also changes when the repository does (a push updates `base.repo.pushed_at`). When
    // the newest PR is no newer than the watermark, and the listing that set the watermark began
    // well after that second, no PR changed: keep the new ETag and skip the GraphQL listing.
    const newest = (probe.data?.[0] as { updated_at?: string } | undefined)?.updated_at;
    const { watermark, listedAt, pending } = cursor;
    if (
      !pending &&
      newest &&
      watermark &&
      listedAt &&
      ms(newest) <= ms(watermark) &&
      ms(watermark) < ms(listedAt) - SKEW_MS
    ) {
      await writeGithubCursor(
        db,
        scope,
        'pulls',
        { cursor: stored?.cursor ?? null, etag: probe.etag },
        deps.now(),
      );
      return;
    }
    await runStream<Parameters<typeof mapPullRequest>[1], PullRequestRecord>(
      scope,
      {
        stream: 'pulls',
        fetchPage: (after) => fetchPullRequestPage(client, ref, pageSize, after),
        sortKey: (pr) => pr.updatedAt,
        prepare: async (prs) => {
          const out: PullRequestRecord[] = [];
          for (const pr of prs)
            out.push(mapPullRequest(target.fullName, await completePullRequest(client, pr)));
          return out;
        },
        store: async (trx, records) => {
          await storePullRequests(trx, target.fullName, records);
          for (const r of records) {
            counts.prs++;
            counts.reviews += r.reviews.length;
            counts.reviewComments += r.comments.length;
            counts.commits += r.commits.length;
            seen(loginsOf(r));
          }
        },
      },
      cursor,
      probe.etag,
      (w) => w ?? sinceIso,
    );
  }

  async function ingestRuns(target: RepoTarget, ref: RepoRef, scope: string): Promise<void> {
    const stored = await readGithubCursor(db, scope, 'runs');
    const cursor = parseCursor(stored?.cursor);
    const first = await fetchWorkflowRunsPage(client, ref, 1, stored?.etag ?? null);
    if (first.notModified && !cursor.pending) return;
    const pageNo = (next: string | null) => (next ? (new URL(next).searchParams.get('page') ?? null) : null);
    await runStream<RestWorkflowRun, WorkflowRunRow>(
      scope,
      {
        stream: 'runs',
        fetchPage: async (after) => {
          // Page 1 was just read (as the change check) unless it came back 304.
          const page =
            after === null && !first.notModified
              ? first
              : await fetchWorkflowRunsPage(client, ref, Number(after ?? 1), null);
          return { items: page.data?.workflow_runs ?? [], next: pageNo(page.next) };
        },
        sortKey: (r) => r.created_at,
        prepare: async (runs) => {
          const known = await storedRunBilling(
            db,
            runs.map((r) => r.id),
          );
          const rows: WorkflowRunRow[] = [];
          for (const run of runs) {
            const prev = known.get(run.id);
            let billable: number | null = null;
            if (prev && prev.billableMs !== null && prev.updatedAt.getTime() === ms(run.updated_at))
              billable = prev.billableMs;
            else if (opts.billable && run.status === 'completed') {
              billable = billableMsFromTiming(await fetchRunTiming(client, ref, run.id));
            }
            rows.push(mapWorkflowRun(target.fullName, run, billable));
          }
          return rows;
        },
        store: async (trx, rows) => {
          await storeWorkflowRuns(trx, rows);
          counts.workflowRuns += rows.length;
          seen(
            rows.map((r) => ({
              login: r.triggeringActorLogin ?? null,
              isBot: r.triggeringActorIsBot ?? false,
            })),
          );
        },
      },
      cursor,
      first.etag,
      backOff,
    );
  }

  async function ingestDeployments(target: RepoTarget, ref: RepoRef, scope: string): Promise<void> {
    const stored = await readGithubCursor(db, scope, 'deployments');
    const cursor = parseCursor(stored?.cursor);
    const probe = await probeDeployments(client, ref, stored?.etag ?? null);
    if (probe.notModified && !cursor.pending) return;
    await runStream<Parameters<typeof mapDeployment>[1], DeploymentRow>(
      scope,
      {
        stream: 'deployments',
        fetchPage: (after) => fetchDeploymentsPage(client, ref, 100, after),
        sortKey: (d) => d.createdAt,
        prepare: async (nodes) =>
          nodes.map((d) => mapDeployment(target.fullName, d)).filter((d): d is DeploymentRow => d !== null),
        store: async (trx, rows) => {
          await storeDeployments(trx, rows);
          counts.deployments += rows.length;
          seen(rows.map((d) => ({ login: d.creatorLogin ?? null, isBot: d.creatorIsBot ?? false })));
        },
      },
      cursor,
      probe.etag,
      backOff,
    );
  }

  for (const target of targets) {
    const ref = { owner: target.owner, name: target.name };
    const scope = target.fullName.toLowerCase();
    const where = target.claims.map((c) => c.where);
    // Once the PRs were read the repository exists: a 403/404 on runs or deployments concerns that stream only.
    const stream = async (name: 'runs' | 'deployments', read: () => Promise<void>) => {
      try {
        await read();
      } catch (err) {
        if (!(err instanceof GithubApiError && (err.reason === 'not_found' || err.reason === 'forbidden')))
          throw err;
        skipped.push({
          repo: target.fullName,
          where,
          stream: name,
          reason: err.reason,
          message: err.message,
        });
        logger.warn(`github: ${target.fullName}: ${name} skipped`, { reason: err.reason });
      }
    };
    try {
      await ingestPulls(target, ref, scope);
      await stream('runs', () => ingestRuns(target, ref, scope));
      await stream('deployments', () => ingestDeployments(target, ref, scope));
      reposDone++;
      logger.info(`github: ${target.fullName} done`, { requests: client.stats.requests });
    } catch (err) {
      if (err instanceof GithubApiError && (err.reason === 'not_found' || err.reason === 'forbidden')) {
        skipped.push({
          repo: target.fullName,
          where,
          stream: 'repository',
          reason: err.reason,
          message: err.message,
        });
        logger.warn(`github: ${target.fullName} skipped`, { reason: err.reason });
        continue;
      }
      if (
        (err instanceof GithubApiError && (err.reason === 'unavailable' || err.reason === 'failed')) ||
        err instanceof GithubPayloadError
      ) {
        failed.push({ repo: target.fullName, message: err.message });
        logger.warn(
          `github: ${target.fullName} failed; its cursors stay where the last complete page left them`,
          {
            error: err.message,
          },
        );
        continue;
      }
      // Rate limit exhausted, interrupted, bad credentials, or a bug: stop the run here.
      fatal = err instanceof Error ? err : new Error(String(err));
      break;
    }
  }

  const list = [...unmapped.entries()]
    .map(([login, count]) => ({ login, count }))
    .sort((a, b) => b.count - a.count || (a.login < b.login ? -1 : 1));
  const s = client.stats;
  const summary: IngestGithubSummary = {
    runId,
    status: fatal ? 'failed' : skipped.length + failed.length > 0 ? 'partial' : 'succeeded',
    repos: targets.length,
    reposDone,
    ...counts,
    requests: s.requests,
    notModified: s.notModified,
    graphqlRequests: s.graphqlRequests,
    retries: s.retries,
    waitedMs: s.waitedMs,
    rateLimitRemaining: s.rateLimit.core?.remaining ?? null,
    graphqlRemaining: s.rateLimit.graphql?.remaining ?? null,
    skipped,
    failed,
    unmapped: list,
    error: fatal ? fatal.message : null,
  };
  const { runId: _id, unmapped: all, ...rest } = summary;
  await finishGithubRun(db, runId, {
    status: summary.status,
    stats: { ...rest, unmapped: all.slice(0, 50) },
    error: summary.error ?? (failed.length > 0 ? failed.map((f) => f.message).join('; ') : null),
    at: deps.now(),
  });
  if (fatal && (isInputError(fatal) || !(fatal instanceof FinopsError))) throw fatal;
  return summary;
}

const n = (v: number) => v.toLocaleString('en-US');

/** The summary lines `finops ingest github` prints and the job reports. */
export function formatGithubSummary(s: IngestGithubSummary, topUnmapped = 10): string[] {
  const lines = [
    `repos: ${n(s.repos)}, PRs: ${n(s.prs)} new/updated, requests: ${n(s.requests)} (304: ${n(s.notModified)}), rate limit left: ${s.rateLimitRemaining === null ? 'unknown' : n(s.rateLimitRemaining)}`,
    `reviews: ${n(s.reviews)}, review comments: ${n(s.reviewComments)}, commits: ${n(s.commits)}, workflow runs: ${n(s.workflowRuns)}, deployments: ${n(s.deployments)}; GraphQL requests: ${n(s.graphqlRequests)}${s.graphqlRemaining === null ? '' : ` (GraphQL rate limit left: ${n(s.graphqlRemaining)})`}${s.waitedMs > 0 ? `; waited ${n(Math.round(s.waitedMs / 1000))} s for rate limits and retries` : ''}`,
  ];
  if (s.unmapped.length > 0) {
    const top = s.unmapped.slice(0, topUnmapped).map((u) => `${u.login} (${n(u.count)})`);
    const more = s.unmapped.length > topUnmapped ? `, and ${n(s.unmapped.length - topUnmapped)} more` : '';
    lines.push(`unmapped logins (add them to people in the config): ${top.join(', ')}${more}`);
  }
  return lines;
}

/** One line per repository that was skipped or failed: what happened and what to do. */
export function githubProblemLines(s: IngestGithubSummary): string[] {
  return [
    ...s.skipped.map((p) => {
      if (p.stream === 'repository') {
        return p.reason === 'not_found'
          ? `repository ${p.repo} not found (404), or the token cannot see it: fix ${p.where.join(', ')} in the config, or give the token read access to it`
          : `repository ${p.repo} is forbidden to the token (403): give the token read access to it, or remove ${p.where.join(', ')} from the config`;
      }
      const what = p.stream === 'runs' ? 'workflow runs' : 'deployments';
      const permission = p.stream === 'runs' ? 'Actions' : 'Deployments';
      return p.reason === 'forbidden'
        ? `repository ${p.repo}: ${what} are forbidden to the token (403): give it read access to ${permission}; its pull requests were read`
        : `repository ${p.repo}: ${what} are not available (404; ${p.stream === 'runs' ? 'Actions may be disabled' : 'the API may be off'} for it); its pull requests were read`;
    }),
    ...s.failed.map(
      (f) => `repository ${f.repo} could not be read (${f.message}); the next run resumes where it stopped`,
    ),
  ];
}
