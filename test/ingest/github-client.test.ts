import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createGithubClient,
  GithubApiError,
  type GithubClientOptions,
  nextLink,
  waitFromHeaders,
} from '../../src/ingest/github/client.ts';
import { fetchPullRequestPage, probePullRequests } from '../../src/ingest/github/reads.ts';
import { InputError } from '../../src/lib/errors.ts';
import { type FakeGithub, startFakeGithub } from '../fakes/fake-github.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { captureLogger, NOW, recordingClock, TOKEN } from './github-setup.ts';

const repo = { owner: 'acme', name: 'api' };
const PULLS = /^GET \/api\/v3\/repos\/acme\/api\/pulls$/;

describe('GitHub client: rate limits, retries and conditional requests (injected clock, no real sleeps)', () => {
  let fake: FakeGithub;
  beforeAll(async () => {
    fake = await startFakeGithub({
      token: TOKEN,
      repos: [generateRepo({ owner: 'acme', name: 'api', prs: 60, now: NOW, bigPrs: false })],
    });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const client = (extra: Partial<GithubClientOptions> = {}) => {
    const clock = recordingClock();
    const { logger, lines } = captureLogger();
    const c = createGithubClient({
      baseUrl: fake.apiUrl,
      token: TOKEN,
      clock,
      logger,
      graphqlIntervalMs: 0,
      ...extra,
    });
    return { c, clock, lines };
  };

  it('waits the retry-after of a secondary rate limit (403), then retries', async () => {
    const { c, clock } = client();
    fake.inject({ match: PULLS, kind: 'secondary', retryAfter: 7 });
    const page = await probePullRequests(c, repo, null);
    expect(page.data).toHaveLength(1);
    expect(clock.sleeps).toEqual([7000]);
    expect(c.stats).toMatchObject({ requests: 2, retries: 1, waitedMs: 7000 });
    expect(c.stats.waits).toEqual([{ reason: 'secondary-rate-limit', ms: 7000 }]);
    expect(fake.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it('waits a minute on a secondary limit that names no time, and honours a 429 the same way', async () => {
    const { c, clock } = client();
    fake.inject({ match: PULLS, kind: 'secondary' });
    fake.inject({ match: PULLS, kind: 'secondary', status: 429, retryAfter: 2 });
    await probePullRequests(c, repo, null);
    expect(clock.sleeps).toEqual([60_000, 2000]);
    expect(fake.requests.map((r) => r.status)).toEqual([403, 429, 200]);
  });

  it('waits until x-ratelimit-reset (plus a second) when the primary limit is spent', async () => {
    const { c, clock } = client();
    const reset = Math.floor(clock.now() / 1000) + 120;
    fake.inject({ match: PULLS, kind: 'primary', reset });
    fake.inject({ match: PULLS, kind: 'primary', reset: reset + 30, status: 429 });
    await probePullRequests(c, repo, null);
    // First wait: 120 s to the reset + 1 s. The clock then reads reset + 1; the second reset is 29 s later.
    expect(clock.sleeps).toEqual([121_000, 30_000]);
    expect(c.stats.waits.map((w) => w.reason)).toEqual(['rate-limit', 'rate-limit']);
  });

  it('gives up, without waiting, when the reset is further away than the time budget', async () => {
    const { c, clock } = client({ maxWaitMs: 15 * 60_000 });
    const reset = Math.floor(clock.now() / 1000) + 2 * 3600;
    fake.inject({ match: PULLS, kind: 'primary', reset });
    const err = await probePullRequests(c, repo, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err).toMatchObject({ reason: 'rate_limited', status: 403, resetAt: new Date(reset * 1000) });
    expect((err as Error).message).toContain(new Date(reset * 1000).toISOString());
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops retrying a rate limit after maxRetries attempts', async () => {
    const { c, clock } = client({ maxRetries: 2 });
    fake.inject({ match: PULLS, kind: 'secondary', retryAfter: 1, times: 5 });
    const err = await probePullRequests(c, repo, null).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'rate_limited' });
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('backs off on a 502 (1 s, 4 s, 9 s) and gives up after the retries', async () => {
    const { c, clock } = client();
    fake.inject({ match: PULLS, kind: 502 });
    await probePullRequests(c, repo, null);
    expect(clock.sleeps).toEqual([1000]);
    fake.reset();
    fake.inject({ match: PULLS, kind: 502, times: 4 });
    const err = await probePullRequests(c, repo, null).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'unavailable', status: 502 });
    expect(clock.sleeps).toEqual([1000, 1000, 4000, 9000]);
    expect(fake.requests).toHaveLength(4);
    // Giving up on one request leaves the next one its full retries.
    fake.inject({ match: PULLS, kind: 502 });
    await probePullRequests(c, repo, null);
    expect(clock.sleeps).toEqual([1000, 1000, 4000, 9000, 1000]);
  });

  it('rate limits and 5xx on GraphQL are handled the same way', async () => {
    const { c, clock } = client();
    fake.inject({ match: /^PullRequestsPage$/, kind: 'secondary', retryAfter: 3 });
    fake.inject({ match: /^PullRequestsPage$/, kind: 502 });
    const page = await fetchPullRequestPage(c, repo, 50, null);
    expect(page.items).toHaveLength(50);
    // The backoff grows with the request's attempt number, whatever made the earlier attempt fail.
    expect(clock.sleeps).toEqual([3000, 4000]);
    expect(c.stats.graphqlRequests).toBe(3);
  });

  it('turns a 304 into "not modified" and counts it; the 304 spends no rate limit', async () => {
    const { c } = client();
    const first = await probePullRequests(c, repo, null);
    expect(first.etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const remaining = fake.rateLimit.core;
    const second = await probePullRequests(c, repo, first.etag);
    expect(second).toEqual({ notModified: true, data: null, etag: first.etag, next: null });
    expect(c.stats).toMatchObject({ requests: 2, notModified: 1, retries: 0 });
    expect(fake.requests[1]?.ifNoneMatch).toBe(first.etag);
    expect(fake.rateLimit.core).toBe(remaining);
    expect(c.stats.rateLimit.core?.remaining).toBe(remaining);
  });

  it('follows Link headers on the server’s own origin', async () => {
    const { c } = client();
    const first = await c.get<unknown[]>('GET /repos/{owner}/{repo}/pulls', {
      owner: 'acme',
      repo: 'api',
      per_page: 25,
    });
    expect(first.next).toBe(`${fake.url}/api/v3/repos/acme/api/pulls?per_page=25&page=2`);
    const second = await c.getUrl<unknown[]>(first.next as string);
    expect(second.data).toHaveLength(25);
    expect(fake.requests.map((r) => r.query['page'] ?? '1')).toEqual(['1', '2']);
  });

  it('paces GraphQL requests by the injected clock', async () => {
    const { c, clock } = client({ graphqlIntervalMs: 1000 });
    await fetchPullRequestPage(c, repo, 10, null);
    await fetchPullRequestPage(c, repo, 10, null);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('a rejected token is bad input, and the token appears in no message or log line', async () => {
    const { c, lines } = client({ token: 'ghp_wrong_token_abcdef123456' });
    const err = await probePullRequests(c, repo, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^GitHub rejected the token \(401 Bad credentials\)/);
    expect((err as Error).message).not.toContain('ghp_wrong_token');
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(fake.requests).toHaveLength(1); // a 401 is not retried
  });

  it('an interrupted client stops at once, without retrying', async () => {
    const ac = new AbortController();
    const { c } = client({ signal: ac.signal });
    ac.abort();
    await expect(probePullRequests(c, repo, null)).rejects.toMatchObject({ reason: 'aborted' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('header arithmetic', () => {
  const now = Date.parse('2026-11-20T12:00:00Z');
  it('prefers retry-after, else waits for the reset of a spent primary limit, else says nothing', () => {
    expect(
      waitFromHeaders({ 'retry-after': '30', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }, now),
    ).toBe(30_000);
    expect(
      waitFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 90) }, now),
    ).toBe(91_000);
    expect(
      waitFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 - 5) }, now),
    ).toBe(1000);
    expect(waitFromHeaders({ 'x-ratelimit-remaining': '12' }, now)).toBeNull();
    expect(waitFromHeaders(undefined, now)).toBeNull();
  });
  it('reads the next URL of a Link header', () => {
    expect(
      nextLink(
        '<https://api.github.com/resource?page=2>; rel="next", <https://api.github.com/resource?page=5>; rel="last"',
      ),
    ).toBe('https://api.github.com/resource?page=2');
    expect(nextLink('<https://api.github.com/resource?page=1>; rel="prev"')).toBeNull();
    expect(nextLink(undefined)).toBeNull();
  });
});
