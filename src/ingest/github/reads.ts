import type { GithubClient, Page } from './client.ts';
import type {
  GqlConnection,
  GqlDeployment,
  GqlPullRequest,
  GqlReview,
  RestRunTiming,
  RestWorkflowRun,
} from './map.ts';
import {
  DEPLOYMENT_STATUSES,
  DEPLOYMENTS_PAGE,
  PULL_REQUEST_COMMITS,
  PULL_REQUEST_FILES,
  PULL_REQUEST_LABELS,
  PULL_REQUEST_REVIEWS,
  PULL_REQUESTS_PAGE,
  REVIEW_COMMENTS,
} from './queries.ts';

/**
 * Paginated reads of one repository. PRs and deployments come from GraphQL (one request brings a
 * page with everything nested under it; nested connections longer than a page are completed with
 * follow-up queries); change detection and workflow runs use REST, whose list answers carry ETags.
 */

export interface RepoRef {
  owner: string;
  name: string;
}

export interface GqlPage<T> {
  items: T[];
  /** endCursor when there is a next page. */
  next: string | null;
}

/** Cheapest change check for PRs: the most recently updated one, conditional on the stored ETag. */
export function probePullRequests(
  client: GithubClient,
  repo: RepoRef,
  etag: string | null,
): Promise<Page<unknown[]>> {
  return client.get<unknown[]>(
    'GET /repos/{owner}/{repo}/pulls',
    { owner: repo.owner, repo: repo.name, state: 'all', sort: 'updated', direction: 'desc', per_page: 1 },
    etag,
  );
}

/** Same for deployments: the newest one, conditional. */
export function probeDeployments(
  client: GithubClient,
  repo: RepoRef,
  etag: string | null,
): Promise<Page<unknown[]>> {
  return client.get<unknown[]>(
    'GET /repos/{owner}/{repo}/deployments',
    { owner: repo.owner, repo: repo.name, per_page: 1 },
    etag,
  );
}

interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

async function drain<T>(first: Connection<T>, more: (after: string) => Promise<Connection<T>>): Promise<T[]> {
  const all = [...first.nodes];
  let info = first.pageInfo;
  while (info.hasNextPage && info.endCursor) {
    const next = await more(info.endCursor);
    all.push(...next.nodes);
    info = next.pageInfo;
  }
  return all;
}

const done = <T>(nodes: T[]): GqlConnection<T> => ({
  pageInfo: { hasNextPage: false, endCursor: null },
  nodes,
});

/** One page of PRs, most recently updated first, exactly as GraphQL returned them (nested connections may be partial). */
export async function fetchPullRequestPage(
  client: GithubClient,
  repo: RepoRef,
  first: number,
  after: string | null,
): Promise<GqlPage<GqlPullRequest>> {
  const data = await client.graphql<{
    repository: { pullRequests: GqlConnection<GqlPullRequest> } | null;
  }>('PullRequestsPage', PULL_REQUESTS_PAGE, { owner: repo.owner, name: repo.name, first, after });
  const conn = data.repository?.pullRequests;
  if (!conn) return { items: [], next: null };
  return { items: conn.nodes, next: conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null };
}

/** Reads the rest of every nested connection the page cut short, so the PR is complete. */
export async function completePullRequest(client: GithubClient, pr: GqlPullRequest): Promise<GqlPullRequest> {
  const nodeQuery = async <K extends 'files' | 'commits' | 'reviews' | 'labels'>(
    op: string,
    query: string,
    field: K,
    after: string,
  ): Promise<GqlPullRequest[K]> => {
    const data = await client.graphql<{ node: Pick<GqlPullRequest, K> | null }>(op, query, {
      id: pr.id,
      after,
    });
    if (!data.node) return done([]) as GqlPullRequest[K];
    return data.node[field];
  };
  const labels = await drain(pr.labels, (a) =>
    nodeQuery('PullRequestLabels', PULL_REQUEST_LABELS, 'labels', a),
  );
  const files = await drain(pr.files, (a) => nodeQuery('PullRequestFiles', PULL_REQUEST_FILES, 'files', a));
  const commits = await drain(pr.commits, (a) =>
    nodeQuery('PullRequestCommits', PULL_REQUEST_COMMITS, 'commits', a),
  );
  const reviews = await drain(pr.reviews, (a) =>
    nodeQuery('PullRequestReviews', PULL_REQUEST_REVIEWS, 'reviews', a),
  );
  const completeReviews: GqlReview[] = [];
  for (const r of reviews) {
    const comments = await drain(r.comments, async (after) => {
      const data = await client.graphql<{ node: Pick<GqlReview, 'comments'> | null }>(
        'ReviewComments',
        REVIEW_COMMENTS,
        {
          id: r.id,
          after,
        },
      );
      return data.node?.comments ?? done([]);
    });
    completeReviews.push({ ...r, comments: done(comments) });
  }
  return {
    ...pr,
    labels: done(labels),
    files: done(files),
    commits: done(commits),
    reviews: done(completeReviews),
  };
}

/** A page of workflow runs (newest first); page 1 is conditional on `etag`. */
export function fetchWorkflowRunsPage(
  client: GithubClient,
  repo: RepoRef,
  page: number,
  etag: string | null,
): Promise<Page<{ total_count: number; workflow_runs: RestWorkflowRun[] }>> {
  return client.get(
    'GET /repos/{owner}/{repo}/actions/runs',
    { owner: repo.owner, repo: repo.name, per_page: 100, page },
    page === 1 ? etag : null,
  );
}

export async function fetchRunTiming(
  client: GithubClient,
  repo: RepoRef,
  runId: number,
): Promise<RestRunTiming> {
  const page = await client.get<RestRunTiming>('GET /repos/{owner}/{repo}/actions/runs/{run_id}/timing', {
    owner: repo.owner,
    repo: repo.name,
    run_id: runId,
  });
  return page.data ?? {};
}

/** A page of deployments, newest first, each with all its statuses. */
export async function fetchDeploymentsPage(
  client: GithubClient,
  repo: RepoRef,
  first: number,
  after: string | null,
): Promise<GqlPage<GqlDeployment>> {
  const data = await client.graphql<{ repository: { deployments: GqlConnection<GqlDeployment> } | null }>(
    'DeploymentsPage',
    DEPLOYMENTS_PAGE,
    { owner: repo.owner, name: repo.name, first, after },
  );
  const conn = data.repository?.deployments;
  if (!conn) return { items: [], next: null };
  const items: GqlDeployment[] = [];
  for (const d of conn.nodes) {
    const statuses = await drain(d.statuses, async (a) => {
      const more = await client.graphql<{ node: Pick<GqlDeployment, 'statuses'> | null }>(
        'DeploymentStatuses',
        DEPLOYMENT_STATUSES,
        { id: d.id, after: a },
      );
      return more.node?.statuses ?? done([]);
    });
    items.push({ ...d, statuses: done(statuses) });
  }
  return { items, next: conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null };
}
