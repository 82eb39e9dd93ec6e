import { afterEach, describe, expect, it } from 'vitest';
import { type IngestGithubSummary, ingestGithub } from '../../src/services/ingest-github.ts';
import { startFakeGithub } from '../fakes/fake-github.ts';
import { type FakePullRequest, type FakeRepo, generateRepo, PEOPLE } from '../fakes/github-data.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import {
  captureLogger,
  dumpGithub,
  githubConfig,
  makeDeps,
  NOW,
  recordingClock,
  TOKEN,
} from './github-setup.ts';

const SINCE = Date.parse('2026-05-20T12:00:00Z'); // NOW minus the default 6 months of backfill

function freshRepos(): FakeRepo[] {
  return [
    generateRepo({
      owner: 'acme',
      name: 'checkout-api',
      prs: 260,
      runs: 180,
      deployments: 40,
      now: NOW,
      seed: 1,
    }),
    generateRepo({
      owner: 'acme',
      name: 'monorepo',
      prs: 90,
      runs: 40,
      deployments: 5,
      now: NOW,
      seed: 2,
      bigPrs: false,
    }),
  ];
}

const inWindow = (p: FakePullRequest) => Date.parse(p.updatedAt) >= SINCE;
const uniqCommits = (p: FakePullRequest) => new Set(p.commits.map((c) => c.oid)).size;
const config = githubConfig({
  checkout: ['acme/checkout-api', 'acme/monorepo:services/checkout/**'],
  search: ['acme/monorepo:services/search/**'],
});
const opts = (clock = recordingClock()) => ({ clock, graphqlIntervalMs: 0 });

describe.each(backends())('GitHub ingestion on %s', (backend) => {
  let h: TestDb;
  afterEach(async () => {
    await h?.close();
  });

  it('backfills every stream with the fields the effort model needs, within 3 requests per 100 PRs', async () => {
    const repos = freshRepos();
    const fake = await startFakeGithub({ token: TOKEN, repos });
    h = await createTestDb(backend);
    const { logger, lines } = captureLogger();
    try {
      const s = await ingestGithub(makeDeps(h.db, config, fake.apiUrl, logger), opts());
      const [api, mono] = repos as [FakeRepo, FakeRepo];
      const expectedPrs = [...api.prs, ...mono.prs].filter(inWindow);
      expect(s.status).toBe('succeeded');
      expect(s.repos).toBe(2); // the monorepo is claimed twice and fetched once
      expect(s.prs).toBe(expectedPrs.length);
      expect(fake.unknownRoutes).toEqual([]);
      expect(fake.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);

      const prRows = await h.db.selectFrom('ghPullRequest').selectAll().execute();
      expect(prRows).toHaveLength(expectedPrs.length);
      // The stale PRs (last updated 8 months ago) are outside the backfill window.
      expect(prRows.some((r) => r.repo === 'acme/checkout-api' && r.number <= 3)).toBe(false);

      const count = async (t: 'ghReview' | 'ghReviewComment' | 'ghCommit') =>
        Number(
          (
            await h.db
              .selectFrom(t)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      expect(await count('ghReview')).toBe(expectedPrs.reduce((a, p) => a + p.reviews.length, 0));
      expect(await count('ghReviewComment')).toBe(
        expectedPrs.reduce((a, p) => a + p.reviews.reduce((b, r) => b + r.comments.length, 0), 0),
      );
      expect(await count('ghCommit')).toBe(expectedPrs.reduce((a, p) => a + uniqCommits(p), 0));

      // The big PRs were completed with follow-up queries: every commit, file, review, comment, label.
      const big = (n: number) => api.prs.find((p) => p.number === n) as FakePullRequest;
      const row = (n: number) => prRows.find((r) => r.repo === 'acme/checkout-api' && r.number === n);
      expect((row(8)?.files ?? []).length).toBe(140);
      expect(row(11)?.labels).toHaveLength(55);
      const commits7 = await h.db
        .selectFrom('ghCommit')
        .selectAll()
        .where('repo', '=', 'acme/checkout-api')
        .where('prNumber', '=', 7)
        .execute();
      expect(commits7).toHaveLength(130);
      const reviews9 = await h.db
        .selectFrom('ghReview')
        .selectAll()
        .where('repo', '=', 'acme/checkout-api')
        .where('prNumber', '=', 9)
        .execute();
      expect(reviews9).toHaveLength(35);
      const firstReview10 = big(10).reviews[0];
      const comments10 = await h.db
        .selectFrom('ghReviewComment')
        .selectAll()
        .where('prNumber', '=', 10)
        .where('repo', '=', 'acme/checkout-api')
        .execute();
      expect(comments10.length).toBeGreaterThanOrEqual(25);
      expect(firstReview10?.comments).toHaveLength(25);

      // One PR, field by field.
      const p = expectedPrs.find(
        (x) => x.author?.type === 'User' && x.state === 'MERGED' && x.labels.length > 0,
      ) as FakePullRequest;
      const repoOf = api.prs.includes(p) ? 'acme/checkout-api' : 'acme/monorepo';
      const r = prRows.find((x) => x.repo === repoOf && x.number === p.number);
      expect(r).toMatchObject({
        githubId: p.databaseId,
        authorLogin: p.author?.login,
        authorIsBot: false,
        title: p.title,
        labels: p.labels,
        state: 'merged',
        createdAt: new Date(p.createdAt),
        updatedAt: new Date(p.updatedAt),
        mergedAt: new Date(p.mergedAt as string),
        closedAt: new Date(p.closedAt as string),
        headRef: p.headRef,
        baseRef: 'main',
        files: p.files,
      });

      // Bots keep the REST login form and are flagged; merge commits keep their parent count.
      const botPr = prRows.find((x) => x.authorLogin === 'dependabot[bot]');
      expect(botPr?.authorIsBot).toBe(true);
      const botCommits = await h.db
        .selectFrom('ghCommit')
        .selectAll()
        .where('authorIsBot', '=', true)
        .execute();
      expect(botCommits.length).toBeGreaterThan(0);
      const merges = await h.db.selectFrom('ghCommit').selectAll().where('parentCount', '=', 2).execute();
      expect(merges.length).toBe(
        expectedPrs.reduce((a, x) => a + x.commits.filter((c) => c.parents === 2).length, 0),
      );
      const anyCommit = expectedPrs.find((x) => x.commits[0]?.user)?.commits[0];
      const c = await h.db
        .selectFrom('ghCommit')
        .selectAll()
        .where('sha', '=', anyCommit?.oid as string)
        .executeTakeFirstOrThrow();
      expect(c).toMatchObject({
        authorLogin: anyCommit?.user?.login,
        authoredAt: new Date(anyCommit?.authoredDate as string),
        parentCount: anyCommit?.parents,
      });
      const pending = await h.db.selectFrom('ghReview').selectAll().where('state', '=', 'PENDING').execute();
      expect(pending.every((x) => x.submittedAt === null)).toBe(true);

      // Workflow runs: everything created in the window, re-runs with who re-ran them.
      const runs = await h.db.selectFrom('ghWorkflowRun').selectAll().orderBy('id').execute();
      const expectedRuns = [...api.runs, ...mono.runs].filter((x) => Date.parse(x.createdAt) >= SINCE);
      expect(runs).toHaveLength(expectedRuns.length);
      const rerun = api.runs.find(
        (x) => x.runAttempt > 1 && x.actor.login !== x.triggeringActor.login && x.actor.type === 'User',
      );
      expect(runs.find((x) => x.id === rerun?.id)).toMatchObject({
        name: rerun?.name,
        event: rerun?.event,
        actorLogin: rerun?.actor.login,
        triggeringActorLogin: rerun?.triggeringActor.login,
        actorIsBot: false,
        triggeringActorIsBot: false,
        runAttempt: rerun?.runAttempt,
        status: rerun?.status,
        conclusion: rerun?.conclusion,
        createdAt: new Date(rerun?.createdAt as string),
        runStartedAt: new Date(rerun?.runStartedAt as string),
        updatedAt: new Date(rerun?.updatedAt as string),
        billableMs: null, // only with --billable
      });

      // Deployments with their statuses, oldest first, lower case.
      const deps = await h.db.selectFrom('ghDeployment').selectAll().execute();
      expect(deps).toHaveLength(
        [...api.deployments, ...mono.deployments].filter((d) => Date.parse(d.createdAt) >= SINCE).length,
      );
      const d0 = api.deployments[0];
      expect(deps.find((d) => d.id === d0?.databaseId)).toMatchObject({
        repo: 'acme/checkout-api',
        environment: d0?.environment,
        sha: d0?.sha,
        creatorLogin: d0?.creator.login,
        creatorIsBot: d0?.creator.type === 'Bot',
        statuses: d0?.statuses.map((x) => ({ state: x.state.toLowerCase(), createdAt: x.createdAt })),
      });

      // Economy: one probe and one GraphQL request per 50 PRs per repository, plus exactly one
      // follow-up per oversized connection (PRs 7–11 of acme/checkout-api were made oversized).
      const pages = (r: FakeRepo) => Math.ceil(r.prs.filter(inWindow).length / 50);
      const prCalls = fake.requests.filter(
        (x) => x.operation === 'PullRequestsPage' || x.path.endsWith('/pulls'),
      );
      expect(prCalls).toHaveLength(2 + pages(api) + pages(mono));
      expect(prCalls.length).toBeLessThanOrEqual((expectedPrs.length / 100) * 3);
      const followUps = fake.requests.filter(
        (x) =>
          x.operation && /^(PullRequest(Files|Commits|Reviews|Labels)|ReviewComments)$/.test(x.operation),
      );
      expect(followUps.map((x) => x.operation).sort()).toEqual([
        'PullRequestCommits',
        'PullRequestFiles',
        'PullRequestLabels',
        'PullRequestReviews',
        'ReviewComments',
      ]);
      expect(s.requests).toBe(fake.requests.length);
      expect(s.rateLimitRemaining).toBe(fake.rateLimit.core);

      // People: unknown logins counted, bots and configured people (any case) are not.
      const unmapped = Object.fromEntries(s.unmapped.map((u) => [u.login, u.count]));
      expect(Object.keys(unmapped).sort()).toEqual(['contractor-zed', 'drive-by-dev']);
      for (const person of PEOPLE) expect(unmapped[person.login]).toBeUndefined();

      // The token never reaches a log line.
      expect(lines.join('\n')).not.toContain(TOKEN);

      // The run is recorded with its stats.
      const run = await h.db
        .selectFrom('ingestRun')
        .selectAll()
        .where('id', '=', s.runId)
        .executeTakeFirstOrThrow();
      expect(run).toMatchObject({ source: 'github', status: 'succeeded', error: null });
      expect(run.stats).toMatchObject({ prs: s.prs, requests: s.requests });
    } finally {
      await fake.close();
    }
  });

  /** The rows an uninterrupted first run leaves (ETags differ between fake instances, so they are left out). */
  let reference: Record<string, unknown[]> | undefined;
  async function referenceDump(): Promise<Record<string, unknown[]>> {
    if (reference) return reference;
    const fake = await startFakeGithub({ token: TOKEN, repos: freshRepos() });
    const db = await createTestDb(backend);
    try {
      await ingestGithub(makeDeps(db.db, config, fake.apiUrl, captureLogger().logger), opts());
      reference = await dumpGithub(db.db, { etags: false });
      return reference;
    } finally {
      await db.close();
      await fake.close();
    }
  }

  it('a second run stores nothing and makes only conditional requests, answered 304', async () => {
    const fake = await startFakeGithub({ token: TOKEN, repos: freshRepos() });
    h = await createTestDb(backend);
    try {
      const deps = makeDeps(h.db, config, fake.apiUrl, captureLogger().logger);
      await ingestGithub(deps, opts());
      const before = await dumpGithub(h.db);
      const fetchedAt = await h.db
        .selectFrom('ghPullRequest')
        .select(['number', 'fetchedAt'])
        .orderBy('repo')
        .orderBy('number')
        .execute();
      const limitBefore = fake.rateLimit.core;
      fake.reset();
      const s = await ingestGithub(deps, opts());
      expect(s).toMatchObject({
        status: 'succeeded',
        prs: 0,
        workflowRuns: 0,
        deployments: 0,
        requests: 6,
        notModified: 6,
      });
      expect(
        fake.requests.every((r) => r.method === 'GET' && r.ifNoneMatch !== null && r.status === 304),
      ).toBe(true);
      expect(fake.rateLimit.core).toBe(limitBefore);
      expect(await dumpGithub(h.db)).toEqual(before);
      expect(
        await h.db
          .selectFrom('ghPullRequest')
          .select(['number', 'fetchedAt'])
          .orderBy('repo')
          .orderBy('number')
          .execute(),
      ).toEqual(fetchedAt);
    } finally {
      await fake.close();
    }
  });

  it('a push that changes no PR costs one probe answered 200 and no GraphQL listing', async () => {
    const repos = freshRepos();
    const fake = await startFakeGithub({ token: TOKEN, repos });
    h = await createTestDb(backend);
    try {
      const deps = makeDeps(h.db, config, fake.apiUrl, captureLogger().logger);
      await ingestGithub(deps, opts());
      const before = await dumpGithub(h.db, { etags: false });
      (repos[0] as FakeRepo).pushedAt = '2026-11-20T12:05:00Z';
      fake.reset();
      const s = await ingestGithub(deps, opts());
      expect(s).toMatchObject({ prs: 0, requests: 6, notModified: 5 });
      expect(fake.requests.filter((r) => r.operation !== null)).toEqual([]);
      expect(await dumpGithub(h.db, { etags: false })).toEqual(before);
      // The new ETag was kept: the next run is all 304s again.
      fake.reset();
      expect(await ingestGithub(deps, opts())).toMatchObject({ requests: 6, notModified: 6 });
    } finally {
      await fake.close();
    }
  });

  it('an update re-reads only what changed since the cursor', async () => {
    const repos = freshRepos();
    const fake = await startFakeGithub({ token: TOKEN, repos });
    h = await createTestDb(backend);
    try {
      const deps = makeDeps(h.db, config, fake.apiUrl, captureLogger().logger);
      await ingestGithub(deps, opts());
      const api = repos[0] as FakeRepo;
      const oldTop = api.prs
        .map((p) => p.updatedAt)
        .sort()
        .at(-1) as string;
      // Ada reviews PR 100 with one comment; a new CI run starts.
      const pr = api.prs.find((p) => p.number === 100) as FakePullRequest;
      pr.reviews.push({
        nodeId: 'PRR_new',
        databaseId: 99_000_001,
        state: 'APPROVED',
        submittedAt: '2026-11-20T12:30:00Z',
        author: { login: 'ada', type: 'User' },
        comments: [
          {
            databaseId: 99_000_002,
            createdAt: '2026-11-20T12:29:00Z',
            author: { login: 'ada', type: 'User' },
          },
        ],
      });
      pr.updatedAt = '2026-11-20T12:30:00Z';
      const newRun = {
        ...(api.runs[0] as FakeRepo['runs'][number]),
        id: 99_000_003,
        createdAt: '2026-11-20T12:31:00Z',
        runStartedAt: '2026-11-20T12:31:00Z',
        updatedAt: '2026-11-20T12:40:00Z',
      };
      api.runs.unshift(newRun);
      fake.reset();
      const s = await ingestGithub(deps, opts());
      expect(s.prs).toBe(api.prs.filter((p) => p.updatedAt >= oldTop).length);
      const lookbackFloor = Date.parse(api.runs[1]?.createdAt as string) - 72 * 3_600_000;
      expect(s.workflowRuns).toBe(api.runs.filter((r) => Date.parse(r.createdAt) >= lookbackFloor).length);
      expect(s.deployments).toBe(0);
      // checkout-api: PR probe + one page, runs page 1, deployments probe (304); monorepo: 3 × 304.
      expect(
        fake.requests.map((r) => `${r.operation ?? r.path.split('/').slice(-1)[0]}:${r.status}`),
      ).toEqual([
        'pulls:200',
        'PullRequestsPage:200',
        'runs:200',
        'deployments:304',
        'pulls:304',
        'runs:304',
        'deployments:304',
      ]);
      const review = await h.db
        .selectFrom('ghReview')
        .selectAll()
        .where('id', '=', 99_000_001)
        .executeTakeFirstOrThrow();
      expect(review).toMatchObject({
        repo: 'acme/checkout-api',
        prNumber: 100,
        authorLogin: 'ada',
        state: 'APPROVED',
      });
      const row = await h.db
        .selectFrom('ghPullRequest')
        .select('updatedAt')
        .where('number', '=', 100)
        .where('repo', '=', 'acme/checkout-api')
        .executeTakeFirstOrThrow();
      expect(row.updatedAt).toEqual(new Date('2026-11-20T12:30:00Z'));
      expect(
        await h.db.selectFrom('ghWorkflowRun').select('id').where('id', '=', 99_000_003).executeTakeFirst(),
      ).toBeDefined();
    } finally {
      await fake.close();
    }
  });

  it('a run killed mid-way and re-run ends with exactly the rows of an uninterrupted run', async () => {
    const expected = await referenceDump();
    const repos = freshRepos();
    const fake = await startFakeGithub({ token: TOKEN, repos });
    h = await createTestDb(backend);
    try {
      const deps = makeDeps(h.db, config, fake.apiUrl, captureLogger().logger);
      const kill = new AbortController();
      let pages = 0;
      fake.onRequest = (r) => {
        if (r.operation === 'PullRequestsPage' && ++pages === 4) kill.abort();
      };
      const first = await ingestGithub(deps, { ...opts(), signal: kill.signal });
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/interrupted/);
      // Three complete pages are stored and the cursor says where the listing stopped.
      expect(await h.db.selectFrom('ghPullRequest').select('number').execute()).toHaveLength(150);
      const cursor = await h.db
        .selectFrom('ingestCursor')
        .selectAll()
        .where('scope', '=', 'acme/checkout-api')
        .where('stream', '=', 'pulls')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(cursor.cursor as string)).toMatchObject({
        watermark: null,
        pending: { after: expect.any(String) },
      });

      fake.onRequest = null;
      fake.reset();
      const second = await ingestGithub(deps, opts());
      expect(second.status).toBe('succeeded');
      expect(await dumpGithub(h.db, { etags: false })).toEqual(expected);
      // It resumed: one page from the top for what changed meanwhile, then the three pages left.
      const api = repos[0] as FakeRepo;
      const apiPages = fake.requests.filter(
        (r) => r.operation === 'PullRequestsPage' && r.variables?.['name'] === 'checkout-api',
      );
      expect(apiPages).toHaveLength(1 + Math.ceil(api.prs.filter(inWindow).length / 50) - 3);
    } finally {
      await fake.close();
    }
  });

  it('a 502 that outlasts the retries skips the repository with its cursor at the last complete page; the next run completes it', async () => {
    const expected = await referenceDump();
    const fake = await startFakeGithub({ token: TOKEN, repos: freshRepos() });
    h = await createTestDb(backend);
    try {
      const deps = makeDeps(h.db, config, fake.apiUrl, captureLogger().logger);
      let pages = 0;
      fake.onRequest = (r) => {
        if (r.operation === 'PullRequestsPage' && ++pages === 3)
          fake.inject({ match: /^PullRequestsPage$/, kind: 502, times: 4 });
      };
      const clock = recordingClock();
      const first = await ingestGithub(deps, opts(clock));
      expect(first.status).toBe('partial');
      expect(first.failed).toEqual([{ repo: 'acme/checkout-api', message: expect.stringContaining('502') }]);
      expect(first.reposDone).toBe(1); // the monorepo went on
      expect(clock.sleeps).toEqual([1000, 4000, 9000]); // backoff between the 4 attempts
      expect(
        await h.db
          .selectFrom('ghPullRequest')
          .select('number')
          .where('repo', '=', 'acme/checkout-api')
          .execute(),
      ).toHaveLength(100);
      const run = await h.db
        .selectFrom('ingestRun')
        .selectAll()
        .where('id', '=', first.runId)
        .executeTakeFirstOrThrow();
      expect(run.status).toBe('partial');

      fake.onRequest = null;
      const second = await ingestGithub(deps, opts());
      expect(second.status).toBe('succeeded');
      expect(await dumpGithub(h.db, { etags: false })).toEqual(expected);
    } finally {
      await fake.close();
    }
  });

  it('a repository that is gone or forbidden is reported and skipped; the others continue', async () => {
    const fake = await startFakeGithub({
      token: TOKEN,
      repos: [
        generateRepo({ owner: 'acme', name: 'checkout-api', prs: 30, now: NOW, seed: 3, bigPrs: false }),
      ],
      forbidden: ['acme/secret'],
    });
    h = await createTestDb(backend);
    try {
      const cfg = githubConfig({
        checkout: ['acme/gone', 'acme/checkout-api'],
        search: ['acme/secret:src/**'],
      });
      const s: IngestGithubSummary = await ingestGithub(
        makeDeps(h.db, cfg, fake.apiUrl, captureLogger().logger),
        opts(),
      );
      expect(s.status).toBe('partial');
      expect(s.reposDone).toBe(1);
      expect(s.skipped).toEqual([
        {
          repo: 'acme/gone',
          where: ['product_lines[0].repos[0]'],
          stream: 'repository',
          reason: 'not_found',
          message: expect.stringContaining('404'),
        },
        {
          repo: 'acme/secret',
          where: ['product_lines[1].repos[0]'],
          stream: 'repository',
          reason: 'forbidden',
          message: expect.stringContaining('403'),
        },
      ]);
      const repos = await h.db.selectFrom('ghPullRequest').select('repo').distinct().execute();
      expect(repos).toEqual([{ repo: 'acme/checkout-api' }]);
      const cursors = await h.db.selectFrom('ingestCursor').select('scope').distinct().execute();
      expect(cursors).toEqual([{ scope: 'acme/checkout-api' }]);
    } finally {
      await fake.close();
    }
  });

  it('a token that may not read Actions skips the runs only; PRs and deployments are read', async () => {
    const fake = await startFakeGithub({
      token: TOKEN,
      repos: [
        generateRepo({
          owner: 'acme',
          name: 'checkout-api',
          prs: 12,
          runs: 5,
          deployments: 3,
          now: NOW,
          seed: 4,
          bigPrs: false,
          stalePrs: 0,
        }),
      ],
    });
    fake.inject({ match: /actions\/runs$/, kind: 'forbidden' });
    h = await createTestDb(backend);
    try {
      const cfg = githubConfig({ checkout: ['acme/checkout-api'] });
      const s = await ingestGithub(makeDeps(h.db, cfg, fake.apiUrl, captureLogger().logger), opts());
      expect(s).toMatchObject({ status: 'partial', reposDone: 1, prs: 12, workflowRuns: 0, deployments: 3 });
      expect(s.skipped).toEqual([
        {
          repo: 'acme/checkout-api',
          where: ['product_lines[0].repos[0]'],
          stream: 'runs',
          reason: 'forbidden',
          message: expect.stringContaining('403'),
        },
      ]);
      const { githubProblemLines } = await import('../../src/services/ingest-github.ts');
      expect(githubProblemLines(s)).toEqual([
        'repository acme/checkout-api: workflow runs are forbidden to the token (403): give it read access to Actions; its pull requests were read',
      ]);
    } finally {
      await fake.close();
    }
  });

  it('--billable reads each completed run’s billable time once, and the hourly job runs the same ingestion', async () => {
    const repos = [
      generateRepo({
        owner: 'acme',
        name: 'checkout-api',
        prs: 20,
        runs: 30,
        deployments: 2,
        now: NOW,
        seed: 5,
        bigPrs: false,
      }),
    ];
    const fake = await startFakeGithub({ token: TOKEN, repos });
    h = await createTestDb(backend);
    try {
      const cfg = githubConfig({ checkout: ['acme/checkout-api'] });
      const deps = makeDeps(h.db, cfg, fake.apiUrl, captureLogger().logger);
      await ingestGithub(deps, { ...opts(), billable: true });
      const runs = await h.db
        .selectFrom('ghWorkflowRun')
        .select(['id', 'status', 'billableMs'])
        .orderBy('id')
        .execute();
      const api = repos[0] as FakeRepo;
      expect(runs).toEqual(
        [...api.runs]
          .sort((a, b) => a.id - b.id)
          .map((r) => ({
            id: r.id,
            status: r.status,
            billableMs: r.status === 'completed' ? r.billableMs : null,
          })),
      );
      const timings = fake.requests.filter((r) => r.path.endsWith('/timing'));
      expect(timings).toHaveLength(api.runs.filter((r) => r.status === 'completed').length);

      // A new run: page 1 changes, the lookback re-reads the others, only the new one is timed.
      api.runs.unshift({
        ...(api.runs[0] as FakeRepo['runs'][number]),
        id: 88_000_001,
        status: 'completed',
        createdAt: '2026-11-20T12:10:00Z',
        updatedAt: '2026-11-20T12:20:00Z',
        billableMs: 600_000,
      });
      fake.reset();
      const { ingestGithubJob } = await import('../../src/jobs/ingest-github.ts');
      const result = await ingestGithubJob.run({
        deps: { ...deps },
        messenger: undefined,
        at: new Date(NOW),
        dryRun: false,
        periodKey: '2026-11-20T12',
      });
      expect(result.summary).toMatch(/^repos: 1, PRs: 0 new\/updated, requests: \d+ \(304: 2\)/);
      expect(result.stats).toMatchObject({ status: 'succeeded', repos: 1, reposDone: 1, prs: 0 });
      // The job runs without --billable: the new run is stored without a billable figure, the others keep theirs.
      expect(fake.requests.filter((r) => r.path.endsWith('/timing'))).toHaveLength(0);
      const again = await h.db
        .selectFrom('ghWorkflowRun')
        .select(['id', 'billableMs'])
        .where('billableMs', 'is not', null)
        .execute();
      expect(again).toHaveLength(timings.length);
      // The next --billable run that re-reads the runs times only those without a figure yet.
      api.runs.unshift({
        ...(api.runs[0] as FakeRepo['runs'][number]),
        id: 88_000_002,
        createdAt: '2026-11-20T12:30:00Z',
        updatedAt: '2026-11-20T12:35:00Z',
      });
      fake.reset();
      await ingestGithub(deps, { ...opts(), billable: true });
      expect(fake.requests.filter((r) => r.path.endsWith('/timing')).map((r) => r.path)).toEqual([
        '/api/v3/repos/acme/checkout-api/actions/runs/88000002/timing',
        '/api/v3/repos/acme/checkout-api/actions/runs/88000001/timing',
      ]);
    } finally {
      await fake.close();
    }
  });
});
