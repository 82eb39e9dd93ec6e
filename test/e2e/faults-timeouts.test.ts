/**
 * Vendors that stop answering: the fake GitHub and the TLS fake PagerDuty read a request and never
 * answer it. Each client gives the attempt up after its timeout (short here, 60 s and 30 s by
 * default): GitHub retries it with backoff like a 5xx and goes on, or after the retries reports the
 * source unavailable; PagerDuty reports the stuck request as an error naming it. Nothing hangs. (5xx
 * and rate limits: test/ingest/github-client.test.ts and test/ingest/pagerduty-client.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubClient } from '../../src/ingest/github/client.ts';
import { fetchPullRequestPage } from '../../src/ingest/github/reads.ts';
import { createPagerDutyClient } from '../../src/ingest/pagerduty/client.ts';
import { type FakeGithub, startFakeGithub } from '../fakes/fake-github.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { type FakePagerDuty, pagerDutyTestAccount, startFakePagerDuty } from '../fakes/fake-pagerduty.ts';
import { NOW, recordingClock, TOKEN } from '../ingest/github-setup.ts';

const repo = { owner: 'acme', name: 'api' };

describe('a vendor that stops answering', () => {
  let github: FakeGithub;
  let pagerduty: FakePagerDuty;
  beforeAll(async () => {
    github = await startFakeGithub({
      token: TOKEN,
      repos: [generateRepo({ owner: 'acme', name: 'api', prs: 20, now: NOW, bigPrs: false })],
    });
    pagerduty = await startFakePagerDuty({ data: pagerDutyTestAccount() });
  });
  afterAll(async () => {
    await github.close();
    await pagerduty.close();
  });

  const githubClient = () => {
    const clock = recordingClock();
    const client = createGithubClient({
      baseUrl: github.apiUrl,
      token: TOKEN,
      clock,
      graphqlIntervalMs: 0,
      requestTimeoutMs: 300,
    });
    return { client, clock };
  };

  it('GitHub: a stuck request is given up after the timeout and retried with backoff; the page arrives', async () => {
    github.reset();
    github.inject({ match: /^PullRequestsPage$/, kind: 'hang' });
    const { client, clock } = githubClient();
    const page = await fetchPullRequestPage(client, repo, 50, null);
    expect(page.items).toHaveLength(20);
    expect(clock.sleeps).toEqual([1000]);
    expect(github.requests.map((r) => [r.operation, r.status])).toEqual([
      ['PullRequestsPage', 0],
      ['PullRequestsPage', 200],
    ]);
  });

  it('GitHub: a source that never answers is reported unavailable after the retries, not waited on forever', async () => {
    github.reset();
    github.inject({ match: /^PullRequestsPage$/, kind: 'hang', times: 4 });
    const { client, clock } = githubClient();
    const err = await fetchPullRequestPage(client, repo, 50, null).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'GithubApiError', reason: 'unavailable' });
    expect(clock.sleeps).toEqual([1000, 4000, 9000]);
    expect(github.requests).toHaveLength(4);
  });

  it('PagerDuty: a stuck request ends in an error naming it after the timeout', async () => {
    pagerduty.fail({ path: '/users', status: 200, hang: true });
    const client = createPagerDutyClient({
      token: pagerduty.token,
      host: pagerduty.host,
      sleep: async () => {},
      timeoutMs: 300,
    });
    try {
      const err = await client.get('/users').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).toMatch(/\/users/);
      expect(String((err as Error).message)).toMatch(/timeout|timed out/i);
      // The next request is answered: the stuck one held nothing back.
      const users = await client.get<{ users: unknown[] }>('/users');
      expect(users.users.length).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });
});
