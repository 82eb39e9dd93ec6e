/**
 * GitHub ingestion of a 5,000-PR repository (plus 2,000 workflow runs and 200 deployments, all
 * within the 6-month backfill) from the local fake GitHub into PGlite (in memory) and, when
 * TEST_DATABASE_URL is set, Postgres; then an hourly run with nothing new.
 * Targets (issue 3): at most 3 requests per 100 PRs on the backfill; one cheap (304) request per
 * repository and stream when nothing changed. Time and memory are reported alongside.
 * GraphQL pacing is off here (graphqlIntervalMs: 0); in production each GraphQL request waits 1 s
 * after the previous one, which adds ≈ 1 s per 50 PRs to a backfill.
 */
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { ingestGithub } from '../src/services/ingest-github.ts';
import { startFakeGithub } from '../test/fakes/fake-github.ts';
import { generateRepo } from '../test/fakes/github-data.ts';
import { backends, createTestDb } from '../test/support/db.ts';

const PRS = 5000;
const NOW = '2026-11-20T12:00:00Z';
const TOKEN = 'ghp_bench_token_0123456789';

const config = validateConfig({
  timezone: 'Europe/Berlin',
  rates: [{ effective_from: '2026-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } }],
  teams: [{ id: 'payments' }],
  people: ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances'].map((github) => ({
    github,
  })),
  product_lines: [{ id: 'checkout', team: 'payments', repos: ['acme/big'] }],
}).config;

const clock = { now: () => Date.parse(NOW), sleep: async () => {} };
const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;

for (const backend of backends()) {
  const repo = generateRepo({
    owner: 'acme',
    name: 'big',
    prs: PRS,
    runs: 2000,
    deployments: 200,
    now: NOW,
    days: 150,
    stalePrs: 0,
    seed: 7,
  });
  const fake = await startFakeGithub({ token: TOKEN, repos: [repo], rateLimit: 1_000_000 });
  const h = await createTestDb(backend);
  const deps = {
    db: h.db,
    config,
    configHash: 'bench',
    logger: silentLogger,
    now: () => new Date(NOW),
    env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.apiUrl },
    dataDir: '/tmp',
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const first = await ingestGithub(deps, { clock, graphqlIntervalMs: 0 });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const by = (pred: (r: (typeof fake.requests)[number]) => boolean) => fake.requests.filter(pred).length;
    const prPages = by((r) => r.operation === 'PullRequestsPage');
    const followUps = by((r) =>
      /^(PullRequest(Files|Commits|Reviews|Labels)|ReviewComments)$/.test(r.operation ?? ''),
    );
    const prProbe = by((r) => r.path.endsWith('/pulls'));
    const prRequests = prPages + followUps + prProbe;
    console.log(
      `[${backend}] backfill: ${first.prs} PRs, ${first.reviews} reviews, ${first.reviewComments} review comments, ${first.commits} commits, ${first.workflowRuns} runs, ${first.deployments} deployments`,
    );
    console.log(
      `[${backend}] requests: ${first.requests} in all (GraphQL ${first.graphqlRequests}); PR stream ${prRequests} = probe ${prProbe} + pages ${prPages} + nested follow-ups ${followUps} → ${((prRequests / first.prs) * 100).toFixed(2)} per 100 PRs; runs pages ${by((r) => r.path.endsWith('/actions/runs'))}; deployments ${by((r) => r.path.endsWith('/deployments') || r.operation === 'DeploymentsPage')}`,
    );
    console.log(
      `[${backend}] time: ${(wall / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (fake server included: same process); peak RSS ${mib(peakRss)}, peak heap ${mib(peakHeap)}`,
    );
    gc?.();
    console.log(
      `[${backend}] heap retained after the run (after GC): ${mib(process.memoryUsage().heapUsed - heapBefore)}`,
    );
    fake.reset();
    const t1 = performance.now();
    const second = await ingestGithub(deps, { clock, graphqlIntervalMs: 0 });
    console.log(
      `[${backend}] nothing new: ${second.requests} requests (304: ${second.notModified}), ${second.prs} PRs stored, ${((performance.now() - t1) / 1000).toFixed(2)} s`,
    );
  } finally {
    clearInterval(sampler);
    await h.close();
    await fake.close();
  }
}
