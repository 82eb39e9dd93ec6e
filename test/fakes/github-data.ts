/**
 * A generated GitHub repository for the fake server: pull requests with reviews, review comments,
 * commits and files, workflow runs and deployments. Deterministic for a seed. A few PRs are made
 * large on purpose so every nested connection needs a second page (commits > 100, files > 100,
 * reviews > 30, one review with > 20 comments, labels > 50), and a few were last updated before
 * the backfill window.
 */

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}
export interface FakeCommit {
  oid: string;
  authoredDate: string;
  parents: number;
  user: FakeUser | null;
  name: string;
}
export interface FakeReviewComment {
  databaseId: number;
  createdAt: string;
  author: FakeUser | null;
}
export interface FakeReview {
  nodeId: string;
  databaseId: number;
  state: string;
  submittedAt: string | null;
  author: FakeUser | null;
  comments: FakeReviewComment[];
}
export interface FakePullRequest {
  nodeId: string;
  databaseId: number;
  number: number;
  title: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  author: FakeUser | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  headRef: string;
  baseRef: string;
  files: Array<{ path: string; additions: number; deletions: number }>;
  commits: FakeCommit[];
  reviews: FakeReview[];
}
export interface FakeRun {
  id: number;
  name: string;
  event: string;
  status: string;
  conclusion: string | null;
  runAttempt: number;
  headSha: string;
  createdAt: string;
  runStartedAt: string;
  updatedAt: string;
  actor: FakeUser;
  triggeringActor: FakeUser;
  billableMs: number | null;
}
export interface FakeDeployment {
  nodeId: string;
  databaseId: number;
  environment: string;
  sha: string;
  createdAt: string;
  updatedAt: string;
  creator: FakeUser;
  statuses: Array<{ state: string; createdAt: string }>;
}
export interface FakeRepo {
  owner: string;
  name: string;
  id: number;
  /** The repository's last push: part of every PR in the REST list (`base.repo.pushed_at`). */
  pushedAt: string;
  prs: FakePullRequest[];
  runs: FakeRun[];
  deployments: FakeDeployment[];
}

export interface GenerateOptions {
  owner: string;
  name: string;
  prs: number;
  runs?: number;
  deployments?: number;
  seed?: number;
  /** The newest activity is just before this instant. */
  now: string;
  /** Activity is spread over this many days before `now`. */
  days?: number;
  /** PRs whose last update is older than the backfill window (default 3). */
  stalePrs?: number;
  /** Make the large PRs that need nested paging (default true). */
  bigPrs?: boolean;
}

export const PEOPLE: FakeUser[] = [
  'ada',
  'grace',
  'linus',
  'margaret',
  'ken',
  'barbara',
  'dennis',
  'frances',
].map((login) => ({ login, type: 'User' }));
export const STRANGERS: FakeUser[] = [
  { login: 'contractor-zed', type: 'User' },
  { login: 'drive-by-dev', type: 'User' },
];
export const DEPENDABOT: FakeUser = { login: 'dependabot[bot]', type: 'Bot' };
export const ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot' };

const MIN = 60_000;
const PATHS = [
  'src/app.ts',
  'src/lib/money.ts',
  'src/api/routes.ts',
  'test/app.test.ts',
  'src/lib/money.spec.ts',
  'services/checkout/api.ts',
  'services/checkout/test/api.test.ts',
  'services/search/index.ts',
  'docs/readme.md',
];
const LABELS = ['bug', 'feature', 'hotfix', 'chore', 'docs'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

export function generateRepo(opts: GenerateOptions): FakeRepo {
  const rand = mulberry32(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const now = Date.parse(opts.now);
  const days = opts.days ?? 120;
  const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const repoId = 700_000 + (opts.seed ?? 42);
  const key = `${opts.owner}_${opts.name}`.replace(/[^A-Za-z0-9_]/g, '_');
  let reviewId = repoId * 1000;
  let commentId = repoId * 10_000;
  const stale = opts.stalePrs ?? 3;
  const humans = [...PEOPLE, ...STRANGERS];
  const prs: FakePullRequest[] = [];

  for (let i = 1; i <= opts.prs; i++) {
    const isStale = i <= stale;
    // Stale PRs were opened and finished ~8 months before `now`, outside a 6-month backfill.
    const created = isStale
      ? now - 240 * 1440 * MIN - i * 60 * MIN
      : now - rand() * days * 1440 * MIN - 3 * 1440 * MIN;
    const author: FakeUser | null = rand() < 0.06 ? DEPENDABOT : rand() < 0.02 ? null : pick(humans);
    let t = created;
    const step = () => {
      t += int(5, 300) * MIN;
      return t;
    };
    const big = opts.bigPrs !== false;
    const nCommits = big && i === stale + 4 ? 130 : int(1, 6);
    const commits: FakeCommit[] = [];
    for (let c = 0; c < nCommits; c++) {
      const bot = author?.type === 'Bot';
      const unlinked = !bot && rand() < 0.05;
      commits.push({
        oid: hex(rand, 40),
        authoredDate: iso(step()),
        parents: rand() < 0.08 ? 2 : 1,
        user: bot || unlinked ? null : author,
        name: bot ? (author?.login ?? 'bot') : unlinked ? 'Laptop User' : (author?.login ?? 'ghost'),
      });
    }
    const nFiles = big && i === stale + 5 ? 140 : int(1, 8);
    const files = Array.from({ length: nFiles }, (_, f) => ({
      path: nFiles > 10 ? `src/generated/file-${f}.ts` : (PATHS[(i + f) % PATHS.length] as string),
      additions: int(0, 200),
      deletions: int(0, 60),
    }));
    const nReviews = big && i === stale + 6 ? 35 : int(0, 3);
    const reviews: FakeReview[] = [];
    for (let r = 0; r < nReviews; r++) {
      const byAuthor = rand() < 0.15;
      const reviewer: FakeUser | null = byAuthor ? author : rand() < 0.05 ? ACTIONS_BOT : pick(humans);
      const nComments = big && i === stale + 7 && r === 0 ? 25 : int(0, 3);
      const pending = !big || i !== stale + 6 ? rand() < 0.03 : false;
      const submittedAt = pending ? null : iso(step());
      const comments = Array.from({ length: nComments }, () => ({
        databaseId: ++commentId,
        createdAt: iso(step()),
        author: reviewer,
      }));
      reviews.push({
        nodeId: `PRR_${key}_${++reviewId}`,
        databaseId: reviewId,
        state: pending
          ? 'PENDING'
          : byAuthor
            ? 'COMMENTED'
            : pick(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED']),
        submittedAt,
        author: reviewer,
        comments,
      });
    }
    const fate = rand();
    const state: FakePullRequest['state'] = fate < 0.7 ? 'MERGED' : fate < 0.8 ? 'CLOSED' : 'OPEN';
    const endAt = state === 'OPEN' ? null : iso(step());
    const nLabels = big && i === stale + 8 ? 55 : int(0, 2);
    const labels =
      nLabels > LABELS.length
        ? Array.from({ length: nLabels }, (_, l) => `area-${l}`)
        : [...new Set(Array.from({ length: nLabels }, () => pick(LABELS)))];
    const titleKind = rand();
    const title =
      titleKind < 0.1 ? `Revert "Change ${i - 1}"` : titleKind < 0.25 ? `fix: edge case ${i}` : `Change ${i}`;
    prs.push({
      nodeId: `PR_${key}_${i}`,
      databaseId: repoId * 100 + i,
      number: i,
      title,
      state,
      author,
      labels,
      createdAt: iso(created),
      updatedAt: iso(Math.min(t, now - MIN)),
      mergedAt: state === 'MERGED' ? endAt : null,
      closedAt: endAt,
      headRef: `feature/${i}`,
      baseRef: 'main',
      files,
      commits,
      reviews,
    });
  }

  const runs: FakeRun[] = [];
  const nRuns = opts.runs ?? Math.ceil(opts.prs / 2);
  for (let k = 1; k <= nRuns; k++) {
    const created = now - ((nRuns - k + 1) / (nRuns + 1)) * days * 1440 * MIN;
    const name = pick(['CI', 'CI', 'Lint', 'Deploy production']);
    const actor = rand() < 0.1 ? DEPENDABOT : rand() < 0.05 ? ACTIONS_BOT : pick(humans);
    const rerun = rand() < 0.12;
    const triggeringActor = rerun ? pick(PEOPLE) : actor;
    const started = created + (rerun ? int(30, 600) * MIN : int(0, 2) * MIN);
    const inProgress = k > nRuns - 2;
    const durationMs = int(1, 25) * MIN + int(0, 59) * 1000;
    runs.push({
      id: repoId * 10_000 + k,
      name,
      event: name === 'Deploy production' ? 'workflow_dispatch' : pick(['push', 'pull_request']),
      status: inProgress ? 'in_progress' : 'completed',
      conclusion: inProgress ? null : pick(['success', 'success', 'failure']),
      runAttempt: rerun ? int(2, 3) : 1,
      headSha: hex(rand, 40),
      createdAt: iso(created),
      runStartedAt: iso(started),
      updatedAt: iso(Math.min(started + durationMs, now - MIN)),
      actor,
      triggeringActor,
      billableMs: inProgress ? null : Math.round(durationMs / 60_000 + 1) * 60_000,
    });
  }
  // Newest first, as GitHub lists them.
  runs.reverse();

  const deployments: FakeDeployment[] = [];
  const nDeps = opts.deployments ?? Math.ceil(opts.prs / 10);
  for (let k = 1; k <= nDeps; k++) {
    const created = now - ((nDeps - k + 1) / (nDeps + 1)) * days * 1440 * MIN;
    const ok = rand() < 0.85;
    const statuses = [
      { state: 'QUEUED', createdAt: iso(created + MIN) },
      { state: 'IN_PROGRESS', createdAt: iso(created + 2 * MIN) },
      { state: ok ? 'SUCCESS' : 'FAILURE', createdAt: iso(created + int(3, 20) * MIN) },
    ];
    deployments.push({
      nodeId: `DE_${key}_${k}`,
      databaseId: repoId * 1000 + k,
      environment: rand() < 0.7 ? 'production' : 'staging',
      sha: hex(rand, 40),
      createdAt: iso(created),
      updatedAt: statuses[statuses.length - 1]?.createdAt ?? iso(created),
      creator: rand() < 0.3 ? ACTIONS_BOT : pick(PEOPLE),
      statuses,
    });
  }
  deployments.reverse();

  return {
    owner: opts.owner,
    name: opts.name,
    id: repoId,
    pushedAt: iso(now - 30 * MIN),
    prs,
    runs,
    deployments,
  };
}

/** PRs in GitHub's `sort=updated&direction=desc` order (ties: higher number first). */
export function byUpdatedDesc(prs: FakePullRequest[]): FakePullRequest[] {
  return [...prs].sort((a, b) =>
    a.updatedAt === b.updatedAt ? b.number - a.number : a.updatedAt < b.updatedAt ? 1 : -1,
  );
}
