/**
 * The GraphQL documents the GitHub ingestion sends. One page of pull requests brings each PR's
 * labels, files, commits, reviews and the reviews' comments in one request; the follow-up queries
 * page a nested connection of one node further when a PR has more than the first page holds.
 *
 * Nested `first` values are chosen to keep one page of 50 PRs well under GitHub's 500,000-node
 * limit (≈44,000 nodes) and around 17 rate-limit points.
 */

/** Nested page sizes of the PR page; the follow-up queries use 100. */
export const NESTED = { labels: 50, files: 100, commits: 100, reviews: 30, reviewComments: 20 } as const;

const ACTOR = '__typename login';

const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

const FILE_FIELDS = 'path additions deletions';
const COMMIT_FIELDS = `commit { oid authoredDate parents { totalCount } author { name user { login } } }`;
const REVIEW_COMMENT_FIELDS = `databaseId createdAt author { ${ACTOR} }`;
const REVIEW_FIELDS = `id databaseId state submittedAt author { ${ACTOR} }
      comments(first: ${NESTED.reviewComments}) { ${PAGE_INFO} nodes { ${REVIEW_COMMENT_FIELDS} } }`;

const PULL_REQUEST_FIELDS = `
    id databaseId number title state createdAt updatedAt mergedAt closedAt headRefName baseRefName
    author { ${ACTOR} }
    labels(first: ${NESTED.labels}) { ${PAGE_INFO} nodes { name } }
    files(first: ${NESTED.files}) { ${PAGE_INFO} nodes { ${FILE_FIELDS} } }
    commits(first: ${NESTED.commits}) { ${PAGE_INFO} nodes { ${COMMIT_FIELDS} } }
    reviews(first: ${NESTED.reviews}) { ${PAGE_INFO} nodes { ${REVIEW_FIELDS} } }`;

/** A page of PRs, most recently updated first. */
export const PULL_REQUESTS_PAGE = `query PullRequestsPage($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, orderBy: { field: UPDATED_AT, direction: DESC }) {
      ${PAGE_INFO}
      nodes {${PULL_REQUEST_FIELDS}
      }
    }
  }
}`;

/** The rest of one PR's files, commits, reviews or labels (`$after` = the previous endCursor). */
export const PULL_REQUEST_FILES = `query PullRequestFiles($id: ID!, $after: String) {
  node(id: $id) { ... on PullRequest { files(first: 100, after: $after) { ${PAGE_INFO} nodes { ${FILE_FIELDS} } } } }
}`;
export const PULL_REQUEST_COMMITS = `query PullRequestCommits($id: ID!, $after: String) {
  node(id: $id) { ... on PullRequest { commits(first: 100, after: $after) { ${PAGE_INFO} nodes { ${COMMIT_FIELDS} } } } }
}`;
export const PULL_REQUEST_REVIEWS = `query PullRequestReviews($id: ID!, $after: String) {
  node(id: $id) { ... on PullRequest { reviews(first: 100, after: $after) { ${PAGE_INFO} nodes { ${REVIEW_FIELDS} } } } }
}`;
export const PULL_REQUEST_LABELS = `query PullRequestLabels($id: ID!, $after: String) {
  node(id: $id) { ... on PullRequest { labels(first: 100, after: $after) { ${PAGE_INFO} nodes { name } } } }
}`;
/** The rest of one review's comments. */
export const REVIEW_COMMENTS = `query ReviewComments($id: ID!, $after: String) {
  node(id: $id) { ... on PullRequestReview { comments(first: 100, after: $after) { ${PAGE_INFO} nodes { ${REVIEW_COMMENT_FIELDS} } } } }
}`;

const DEPLOYMENT_STATUS_FIELDS = 'state createdAt';
/** A page of deployments, newest first, each with its statuses (REST would need one call per deployment). */
export const DEPLOYMENTS_PAGE = `query DeploymentsPage($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    deployments(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
      ${PAGE_INFO}
      nodes {
        id databaseId environment commitOid createdAt updatedAt
        creator { ${ACTOR} }
        statuses(first: 100) { ${PAGE_INFO} nodes { ${DEPLOYMENT_STATUS_FIELDS} } }
      }
    }
  }
}`;
export const DEPLOYMENT_STATUSES = `query DeploymentStatuses($id: ID!, $after: String) {
  node(id: $id) { ... on Deployment { statuses(first: 100, after: $after) { ${PAGE_INFO} nodes { ${DEPLOYMENT_STATUS_FIELDS} } } } }
}`;

/** Every document, by operation name (the fake server and the schema test use this). */
export const DOCUMENTS = {
  PullRequestsPage: PULL_REQUESTS_PAGE,
  PullRequestFiles: PULL_REQUEST_FILES,
  PullRequestCommits: PULL_REQUEST_COMMITS,
  PullRequestReviews: PULL_REQUEST_REVIEWS,
  PullRequestLabels: PULL_REQUEST_LABELS,
  ReviewComments: REVIEW_COMMENTS,
  DeploymentsPage: DEPLOYMENTS_PAGE,
  DeploymentStatuses: DEPLOYMENT_STATUSES,
} as const;
export type OperationName = keyof typeof DOCUMENTS;
