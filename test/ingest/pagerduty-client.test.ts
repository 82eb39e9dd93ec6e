import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPagerDutyClient,
  normaliseHost,
  OffsetCapError,
  type PagerDutyClient,
  PagerDutyApiError,
} from '../../src/ingest/pagerduty/client.ts';
import { fetchLogEntries, incidentPages } from '../../src/ingest/pagerduty/reads.ts';
import {
  type FakePagerDuty,
  pdIncident,
  pdLogEntry,
  pdUser,
  startFakePagerDuty,
  userRef,
} from '../fakes/fake-pagerduty.ts';

/** A sleep that records what it was asked to wait and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const users = Array.from({ length: 7 }, (_, i) => pdUser(`PU${i}`, `User ${i}`, `u${i}@example.com`));

describe('PagerDuty client (pdjs against the TLS fake)', () => {
  let fake: FakePagerDuty;
  let client: PagerDutyClient;
  let slept: ReturnType<typeof recordingSleep>;

  beforeEach(async () => {
    fake = await startFakePagerDuty({
      data: {
        users,
        incidents: [
          pdIncident({
            id: 'I1',
            number: 1,
            serviceId: 'S1',
            status: 'triggered',
            createdAt: '2026-10-01T10:00:00Z',
          }),
        ],
      },
    });
    slept = recordingSleep();
    client = createPagerDutyClient({ token: fake.token, host: fake.host, sleep: slept.sleep, pageSize: 3 });
  });

  afterEach(async () => {
    client.close();
    await fake.close();
  });

  it('talks to PAGERDUTY_API_HOST over https with the token and the v2 Accept header', async () => {
    const body = await client.get<{ users: unknown[] }>('/users', { limit: 1 });
    expect(body.users).toHaveLength(1);
    expect(fake.requests).toEqual([
      {
        method: 'GET',
        path: '/users',
        query: { limit: ['1'] },
        authorization: `Token token=${fake.token}`,
        accept: 'application/vnd.pagerduty+json;version=2',
        status: 200,
      },
    ]);
    expect(client.host).toBe(fake.host);
  });

  it('pages with offset and limit until more is false (total is null)', async () => {
    const pages: string[][] = [];
    for await (const page of client.pages<{ id: string }>('/users', 'users'))
      pages.push(page.map((u) => u.id));
    expect(pages).toEqual([['PU0', 'PU1', 'PU2'], ['PU3', 'PU4', 'PU5'], ['PU6']]);
    expect(fake.requests.map((r) => [r.query['offset']?.[0], r.query['limit']?.[0]])).toEqual([
      ['0', '3'],
      ['3', '3'],
      ['6', '3'],
    ]);
  });

  it('pages log entries that carry no pagination fields: a full page asks for the next, a short one ends', async () => {
    fake.data.logEntries['I1'] = Array.from({ length: 7 }, (_, i) =>
      pdLogEntry({
        id: `L${i}`,
        type: 'annotate_log_entry',
        incidentId: 'I1',
        createdAt: `2026-10-01T10:0${i}:00Z`,
        agent: userRef('PU1'),
      }),
    );
    const entries = await fetchLogEntries(client, 'I1');
    expect(entries.map((e) => e.id)).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
    const calls = fake.requestsTo('/incidents/I1/log_entries');
    expect(calls.map((r) => r.query['offset']?.[0])).toEqual(['0', '3', '6']);
    expect(calls[0]!.query['is_overview']).toEqual(['false']);

    // Exactly a multiple of the page size: one more request, which comes back empty.
    fake.data.logEntries['I1'] = fake.data.logEntries['I1']!.slice(0, 6);
    await fetchLogEntries(client, 'I1');
    expect(fake.requestsTo('/incidents/I1/log_entries').map((r) => r.query['offset']?.[0])).toEqual([
      '0',
      '3',
      '6',
      '0',
      '3',
      '6',
    ]);
  });

  it("waits out a 429 for ratelimit-reset seconds through the injected sleep, not pdjs's fixed 20 s retries", async () => {
    fake.fail({ path: '/users', status: 429, headers: { 'ratelimit-reset': '7' } });
    const body = await client.get<{ users: unknown[] }>('/users', { limit: 2 });
    expect(body.users).toHaveLength(2);
    expect(slept.waits).toEqual([7000]);
    // One request per attempt: pdjs's own immediate retry never reached the server.
    expect(fake.requestsTo('/users').map((r) => r.status)).toEqual([429, 200]);
    expect(client.stats).toEqual({ requests: 2, rateLimited: 1, rateLimitWaitMs: 7000 });
  });

  it('gives up on 429s once the total wait would pass the budget, with a message saying so', async () => {
    const c = createPagerDutyClient({
      token: fake.token,
      host: fake.host,
      sleep: slept.sleep,
      maxRateLimitWaitMs: 50_000,
    });
    try {
      // PagerDuty's documented 429: ratelimit-reset 20, code 2020.
      fake.fail({ path: '/users', status: 429, times: 10 });
      const err = await c.get('/users').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PagerDutyApiError);
      expect((err as PagerDutyApiError).status).toBe(429);
      expect((err as Error).message).toBe(
        'PagerDuty GET /users: 429 Rate Limit Exceeded, still after waiting 40 s in this run (ratelimit-reset 20); try again later',
      );
      expect(slept.waits).toEqual([20_000, 20_000]);
      expect(fake.requestsTo('/users')).toHaveLength(3);
    } finally {
      c.close();
    }
  });

  it('waits a growing fallback when a 429 carries no ratelimit-reset', async () => {
    fake.fail({ path: '/users', status: 429, times: 2, headers: { 'ratelimit-reset': 'soon' } });
    await client.get('/users');
    expect(slept.waits).toEqual([5000, 10_000]);
  });

  it("turns every non-2xx into an error carrying PagerDuty's message", async () => {
    fake.fail({ path: '/incidents', status: 500 });
    await expect(client.get('/incidents')).rejects.toThrow(
      'PagerDuty GET /incidents: 500 Internal Server Error (code 2001)',
    );
    await expect(client.get('/incidents/NOPE')).rejects.toThrow(
      'PagerDuty GET /incidents/NOPE: 404 Not Found (code 2100)',
    );
    await expect(client.get('/users', { limit: 101 })).rejects.toThrow(
      'PagerDuty GET /users: 400 Invalid Input Provided (code 2001: limit must be between 1 and 100, got 101)',
    );
    fake.fail({ path: '/users', status: 502, body: '<html>Bad Gateway</html>' });
    await expect(client.get('/users')).rejects.toThrow(
      'PagerDuty GET /users: 502 Bad Gateway (not a JSON body)',
    );
    const bad = createPagerDutyClient({ token: 'wrong', host: fake.host, sleep: slept.sleep });
    try {
      const err = await bad.get('/users').catch((e: unknown) => e);
      expect(err).toMatchObject({
        status: 401,
        pdCode: 2006,
        message: 'PagerDuty GET /users: 401 Unauthorized (code 2006)',
      });
    } finally {
      bad.close();
    }
    expect(slept.waits).toEqual([]);
  });

  it('stops before passing the offset cap, and incident reading goes on from the last creation time', async () => {
    const capped = await startFakePagerDuty({
      maxOffset: 4,
      data: {
        incidents: Array.from({ length: 7 }, (_, i) =>
          pdIncident({
            id: `I${i}`,
            number: i,
            serviceId: 'S1',
            status: 'resolved',
            createdAt: `2026-10-0${i + 1}T10:00:00Z`,
            resolvedAt: `2026-10-0${i + 1}T11:00:00Z`,
          }),
        ),
      },
    });
    const c = createPagerDutyClient({ token: capped.token, host: capped.host, pageSize: 2, maxOffset: 4 });
    try {
      const direct = async () => {
        for await (const _ of c.pages('/incidents', 'incidents', { since: '2026-09-01T00:00:00.000Z' })) {
          // read every page
        }
      };
      await expect(direct()).rejects.toBeInstanceOf(OffsetCapError);

      const seen: string[] = [];
      const window = { since: new Date('2026-09-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z') };
      for await (const page of incidentPages(c, 'S1', window)) seen.push(...page.map((p) => String(p.id)));
      // I3 is read twice (the first read ends on it, the second starts at its creation time).
      expect(seen).toEqual(['I0', 'I1', 'I2', 'I3', 'I3', 'I4', 'I5', 'I6']);
      const since = capped.requestsTo('/incidents').map((r) => r.query['since']?.[0]);
      expect(new Set(since)).toEqual(new Set(['2026-09-01T00:00:00.000Z', '2026-10-04T10:00:00.000Z']));
      expect(capped.requestsTo('/incidents').every((r) => Number(r.query['offset']) + 2 <= 4)).toBe(true);
    } finally {
      c.close();
      await capped.close();
    }
  });

  it('accepts a host with https:// and refuses plain http, which pdjs cannot speak', () => {
    expect(normaliseHost(undefined)).toBe('api.pagerduty.com');
    expect(normaliseHost(' https://api.eu.pagerduty.com/ ')).toBe('api.eu.pagerduty.com');
    expect(() => normaliseHost('http://127.0.0.1:8080')).toThrow('only speaks https');
  });

  it('reports an unreachable host as such', async () => {
    const c = createPagerDutyClient({ token: 't', host: '127.0.0.1:1', sleep: slept.sleep });
    try {
      await expect(c.get('/users')).rejects.toThrow('cannot reach PagerDuty at 127.0.0.1:1 (GET /users)');
    } finally {
      c.close();
    }
  });
});
