import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { Db } from '../../src/db/connect.ts';
import type { Clock } from '../../src/ingest/github/client.ts';
import { InputError } from '../../src/lib/errors.ts';
import { formatAiCostIngest, ingestAiCosts } from '../../src/services/ingest-ai-costs.ts';
import { syncSources } from '../../src/services/sync-sources.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../fakes/fake-anthropic.ts';
import { type FakeOpenAi, type OpenAiCostResult, startFakeOpenAi } from '../fakes/fake-openai.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { testConfig, testDeps } from './focus-support.ts';

const config: Config = testConfig({
  product_lines: [
    { id: 'checkout', team: 'payments', cost: { sub_accounts: ['proj_checkout', 'wrkspc_checkout'] } },
    { id: 'search', team: 'data', cost: { sub_accounts: ['proj_search', 'wrkspc_search'] } },
  ],
  sources: { openai: {}, anthropic: { restate_days: 3 } },
});

/** Records every wait instead of sleeping. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => Date.parse('2026-12-07T06:00:00Z'), sleep: async (ms) => void waits.push(ms) };
}

/** Every UTC day from `start` to `end` inclusive. */
function days(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(start); t <= Date.parse(end); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** OpenAI results for every day of November and December 1–6: checkout 1.10 + 0.05, search 2.20, an unknown project 0.30. */
function openAiMonth(): Record<string, OpenAiCostResult[]> {
  const costs: Record<string, OpenAiCostResult[]> = {};
  for (const d of days('2026-11-01', '2026-12-06')) {
    costs[d] = [
      { project_id: 'proj_checkout', line_item: 'gpt-4o-2024-08-06, input', value: 1.1 },
      { project_id: 'proj_checkout', line_item: 'gpt-4o-2024-08-06, output', value: 0.05 },
      { project_id: 'proj_search', line_item: 'text-embedding-3-small', value: 2.2 },
      { project_id: 'proj_unknown', line_item: 'gpt-4o-mini-2024-07-18, input', value: 0.3 },
    ];
  }
  return costs;
}

/** Stored cost per vendor and product line, as exact numeric text, with row counts. */
async function sums(db: Db) {
  const r = await sql<{
    provider: string;
    pl: string | null;
    billed: string;
    effective: string;
    days: number;
  }>`
    select provider, product_line as pl, trim_scale(sum(billed_cost))::text as billed,
      trim_scale(sum(effective_cost))::text as effective, count(distinct day)::int as days
    from cost_daily group by 1, 2 order by 1, 2 nulls last`.execute(db);
  return r.rows.map((x) => [x.provider, x.pl, x.billed, x.effective, x.days]);
}

/** Everything a run could change: cost sources and daily rows, ids left out. */
async function stored(db: Db) {
  const sources = await db
    .selectFrom('costSource')
    .select(['sourceKey', 'kind', 'provider', 'billingPeriodStart', 'checksum', 'rowCount', 'totals'])
    .orderBy('sourceKey')
    .execute();
  const daily = await sql<Record<string, unknown>>`
    select s.source_key, d.day, d.provider, d.sub_account_id, d.service_category, d.service_name,
      d.charge_category, d.billing_currency, d.product_line, d.allocation, d.billed_cost::text,
      d.effective_cost::text, d.row_count
    from cost_daily d join cost_source s on s.id = d.source_id order by 1, 2, 4, 6, 9`.execute(db);
  return { sources, daily: daily.rows };
}

async function dayTotal(db: Db, provider: string, day: string): Promise<string | null> {
  const r = await sql<{ t: string | null }>`
    select trim_scale(sum(effective_cost))::text as t from cost_daily where provider = ${provider} and day = ${day}`.execute(
    db,
  );
  return r.rows[0]?.t ?? null;
}

describe.each(backends())('AI vendors’ cost APIs into cost_daily (%s)', (backend) => {
  let t: TestDb;
  let openai: FakeOpenAi;
  let anthropic: FakeAnthropic;
  const deps = (now: string): ServiceDeps => ({
    ...testDeps(t.db, config, new Date(now)),
    env: {
      OPENAI_ADMIN_KEY: openai.key,
      OPENAI_API_URL: openai.url,
      ANTHROPIC_ADMIN_KEY: anthropic.key,
      ANTHROPIC_API_URL: anthropic.url,
    },
  });

  beforeEach(async () => {
    t = await createTestDb(backend);
    openai = await startFakeOpenAi({ costs: openAiMonth(), pageSize: 10 });
    anthropic = await startFakeAnthropic();
  });
  afterEach(async () => {
    await openai.close();
    await anthropic.close();
    await t.close();
  });

  describe('OpenAI', () => {
    it('backfills from the first day of last month over several pages, allocated by project id, exactly', async () => {
      const clock = recordingClock();
      const r = await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai', { clock });
      expect(r.window).toEqual({ start: '2026-11-01', end: '2026-12-07' });
      // 36 daily buckets at 10 a page: four requests, each with the documented query.
      expect(openai.requests.map((q) => [q.query['page']?.[0] ?? null, q.query['limit']?.[0]])).toEqual([
        [null, '36'],
        [expect.any(String), '36'],
        [expect.any(String), '36'],
        [expect.any(String), '36'],
      ]);
      expect(openai.requests[0]?.query).toEqual({
        start_time: ['1793491200'],
        end_time: ['1796601600'],
        bucket_width: ['1d'],
        group_by: ['project_id', 'line_item'],
        limit: ['36'],
      });
      expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${openai.key}`);
      expect(openai.unknown).toEqual([]);
      expect(clock.waits).toEqual([]);
      // 36 days × (1.10 + 0.05), × 2.20, × 0.30 — December 7 (today) is not read yet.
      expect(await sums(t.db)).toEqual([
        ['OpenAI', 'checkout', '41.4', '41.4', 36],
        ['OpenAI', 'search', '79.2', '79.2', 36],
        ['OpenAI', null, '10.8', '10.8', 36],
      ]);
      const s = await stored(t.db);
      expect(s.sources).toHaveLength(37 - 1);
      expect(s.sources[0]).toMatchObject({
        sourceKey: 'openai:2026-11-01',
        kind: 'openai',
        provider: 'OpenAI',
        billingPeriodStart: '2026-11-01',
        rowCount: 4,
        totals: { USD: { billed: '3.65', effective: '3.65' } },
      });
      expect(s.daily.filter((d) => d['day'] === '2026-11-01')).toEqual([
        {
          sourceKey: 'openai:2026-11-01',
          day: '2026-11-01',
          provider: 'OpenAI',
          subAccountId: 'proj_checkout',
          serviceCategory: 'AI and Machine Learning',
          serviceName: 'OpenAI gpt-4o-2024-08-06, input',
          chargeCategory: 'Usage',
          billingCurrency: 'USD',
          productLine: 'checkout',
          allocation: 'direct',
          billedCost: '1.1',
          effectiveCost: '1.1',
          rowCount: 1,
        },
        expect.objectContaining({ serviceName: 'OpenAI gpt-4o-2024-08-06, output', effectiveCost: '0.05' }),
        expect.objectContaining({
          subAccountId: 'proj_search',
          productLine: 'search',
          effectiveCost: '2.2',
        }),
        expect.objectContaining({ subAccountId: 'proj_unknown', productLine: null, allocation: 'none' }),
      ]);
      const lines = formatAiCostIngest(r, 'EffectiveCost');
      expect(lines).toEqual([
        `OpenAI (${openai.url}): ingest run ${r.runId} succeeded`,
        '  read 2026-11-01 … 2026-12-06 (36 days, UTC): first run: from the first day of last month, so the review has two whole months',
        '  144 cost lines → 144 daily rows; each day replaced: 36 new, 0 revised, 0 unchanged',
        '  total: USD 131.40',
        '  allocation of EffectiveCost in USD: direct 120.60 · shared 0.00 · unallocated 10.80',
        '  requests: 4',
      ]);
      const run = await t.db
        .selectFrom('ingestRun')
        .selectAll()
        .where('id', '=', r.runId)
        .executeTakeFirstOrThrow();
      expect(run).toMatchObject({ source: 'openai', status: 'succeeded' });
    });

    it('a second run re-reads the last 7 days and replaces them: nothing counts twice, older days untouched', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      const before = await stored(t.db);
      const r = await ingestAiCosts(deps('2026-12-07T09:00:00Z'), 'openai');
      expect(r.window).toEqual({ start: '2026-11-30', end: '2026-12-07' });
      expect(r.windowReason).toBe(
        'the last 7 days again (sources.openai.restate_days), since vendors revise recent days',
      );
      expect(r.days.map((d) => d.change)).toEqual(Array(7).fill('unchanged'));
      const after = await stored(t.db);
      expect(after).toEqual(before);
      expect(await sums(t.db)).toEqual([
        ['OpenAI', 'checkout', '41.4', '41.4', 36],
        ['OpenAI', 'search', '79.2', '79.2', 36],
        ['OpenAI', null, '10.8', '10.8', 36],
      ]);
    });

    it('a day the vendor revised between two runs is replaced, a day outside the window is not', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      // OpenAI revises December 5 (in the next window) and November 20 (outside it), and adds December 7.
      openai.costs['2026-12-05'] = [
        { project_id: 'proj_checkout', line_item: 'gpt-4o-2024-08-06, input', value: 9.99 },
      ];
      openai.costs['2026-11-20'] = [
        { project_id: 'proj_checkout', line_item: 'gpt-4o-2024-08-06, input', value: 100 },
      ];
      openai.costs['2026-12-07'] = [
        { project_id: 'proj_search', line_item: 'text-embedding-3-small', value: 0.01 },
      ];
      const r = await ingestAiCosts(deps('2026-12-08T06:00:00Z'), 'openai');
      expect(r.window).toEqual({ start: '2026-12-01', end: '2026-12-08' });
      expect(r.days.map((d) => `${d.day} ${d.change}`)).toEqual([
        '2026-12-01 unchanged',
        '2026-12-02 unchanged',
        '2026-12-03 unchanged',
        '2026-12-04 unchanged',
        '2026-12-05 revised',
        '2026-12-06 unchanged',
        '2026-12-07 new',
      ]);
      expect(formatAiCostIngest(r, 'EffectiveCost').slice(2, 4)).toEqual([
        '  22 cost lines → 22 daily rows; each day replaced: 1 new, 1 revised, 5 unchanged',
        '    2026-12-05 revised: USD 3.65 → USD 9.99',
      ]);
      expect(await dayTotal(t.db, 'OpenAI', '2026-12-05')).toBe('9.99');
      expect(await dayTotal(t.db, 'OpenAI', '2026-11-20')).toBe('3.65');
      expect(await dayTotal(t.db, 'OpenAI', '2026-12-07')).toBe('0.01');
      // 41.4 − 1.15 (Dec 5's old checkout) + 9.99; search 79.2 − 2.2 + 0.01; unknown 10.8 − 0.3.
      expect(await sums(t.db)).toEqual([
        ['OpenAI', 'checkout', '50.24', '50.24', 36],
        ['OpenAI', 'search', '77.01', '77.01', 36],
        ['OpenAI', null, '10.5', '10.5', 35],
      ]);
    });

    it('a day the answer has no bucket for is left as stored, and said so; an empty bucket empties its day', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      const bucket = (day: string, results: unknown[]) => {
        const t0 = Date.parse(`${day}T00:00:00Z`) / 1000;
        return { object: 'bucket', start_time: t0, end_time: t0 + 86_400, results };
      };
      // The answer covers only December 4 (now empty) and December 5; the rest of the window is missing.
      openai.fail({
        status: 200,
        body: {
          object: 'page',
          data: [bucket('2026-12-04', []), bucket('2026-12-05', [])],
          has_more: false,
          next_page: null,
        },
      });
      const r = await ingestAiCosts(deps('2026-12-07T09:00:00Z'), 'openai');
      expect(r.days.map((d) => `${d.day} ${d.change}`)).toEqual(['2026-12-04 revised', '2026-12-05 revised']);
      expect(r.warnings).toEqual([
        'OpenAI gave no bucket for 5 days of the window (2026-11-30, 2026-12-01, 2026-12-02, 2026-12-03, 2026-12-06): left as stored',
      ]);
      expect(await dayTotal(t.db, 'OpenAI', '2026-12-04')).toBeNull();
      expect(await dayTotal(t.db, 'OpenAI', '2026-12-06')).toBe('3.65');
      expect(await dayTotal(t.db, 'OpenAI', '2026-11-30')).toBe('3.65');
    });

    it('waits out a 429 for its retry-after on the injected clock, then stores the run', async () => {
      openai.fail({ status: 429, headers: { 'retry-after': '3' } });
      const clock = recordingClock();
      const r = await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai', { clock });
      expect(clock.waits).toEqual([3000]);
      expect(openai.requests.map((q) => q.status)).toEqual([429, 200, 200, 200, 200]);
      expect(r.requests).toEqual({ requests: 5, rateLimited: 1, retries: 1, waitedMs: 3000 });
      expect(formatAiCostIngest(r, 'EffectiveCost').at(-1)).toBe(
        '  requests: 5 (1 rate-limited, 1 retried, waited 3 s)',
      );
      expect(await dayTotal(t.db, 'OpenAI', '2026-11-01')).toBe('3.65');
    });

    it('a refused key (401) is bad input naming the vendor and the variable, and changes nothing stored', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      const before = await stored(t.db);
      const d = deps('2026-12-08T06:00:00Z');
      const err = await ingestAiCosts(
        { ...d, env: { ...d.env, OPENAI_ADMIN_KEY: 'sk-admin-revoked' } },
        'openai',
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toBe(
        'OpenAI refused the key in OPENAI_ADMIN_KEY (401 on GET /v1/organization/costs: Incorrect API key provided: sk-admin-***. You can find your API key at https://platform.openai.com/account/api-keys.): set OPENAI_ADMIN_KEY to a valid OpenAI admin key',
      );
      expect(await stored(t.db)).toEqual(before);
      const runs = await t.db
        .selectFrom('ingestRun')
        .select(['source', 'status', 'error'])
        .orderBy('id')
        .execute();
      expect(runs.map((x) => [x.source, x.status])).toEqual([
        ['openai', 'succeeded'],
        ['openai', 'failed'],
      ]);
      expect(runs[1]?.error).toContain('OpenAI refused the key in OPENAI_ADMIN_KEY');
    });

    it('an unreachable API is retried with backoff on the injected clock, then a runtime error', async () => {
      const gone = await startFakeOpenAi();
      await gone.close();
      const d = deps('2026-12-07T06:00:00Z');
      const clock = recordingClock();
      const err = await ingestAiCosts({ ...d, env: { ...d.env, OPENAI_API_URL: gone.url } }, 'openai', {
        clock,
        maxRetries: 2,
      }).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^cannot reach OpenAI at ${gone.url.replaceAll('.', '\\.')} \\(GET /v1/organization/costs\\): fetch failed \\(.*ECONNREFUSED.*\\), still after 2 retries and 3 s of waiting; try again later$`,
        ),
      );
      expect(clock.waits).toEqual([1000, 2000]);
      expect(await stored(t.db)).toEqual({ sources: [], daily: [] });
    });

    it('a missing key names the variable before anything is read', async () => {
      const d = deps('2026-12-07T06:00:00Z');
      await expect(ingestAiCosts({ ...d, env: { OPENAI_API_URL: openai.url } }, 'openai')).rejects.toThrow(
        'OpenAI: OPENAI_ADMIN_KEY is not set: export an OpenAI organisation admin key in OPENAI_ADMIN_KEY',
      );
      expect(openai.requests).toEqual([]);
    });

    it('a failure on a later page (after its retries) stores nothing of the pages already read', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      const before = await stored(t.db);
      openai.costs['2026-11-25'] = [
        { project_id: 'proj_checkout', line_item: 'gpt-4o-2024-08-06, input', value: 5 },
      ];
      // From November 20: 17 days, two pages of 10; page 2 fails with 500 and so does its one retry.
      openai.fail({ status: 500, after: 1, times: 2 });
      const clock = recordingClock();
      await expect(
        ingestAiCosts(deps('2026-12-07T07:00:00Z'), 'openai', { since: '2026-11-20', clock, maxRetries: 1 }),
      ).rejects.toThrow(
        'OpenAI GET /v1/organization/costs: 500 fake OpenAI 500, still after 1 retry and 1 s of waiting; try again later',
      );
      expect(clock.waits).toEqual([1000]);
      expect(await stored(t.db)).toEqual(before);
    });
  });

  it('/finops sync runs a configured vendor through the same service and skips one that is not configured', async () => {
    const d = deps('2026-12-07T06:00:00Z');
    const [o] = await syncSources(d, 'openai');
    expect(o).toMatchObject({ source: 'openai', status: 'done' });
    expect(o?.lines[0]).toMatch(/^OpenAI \(http:\/\/127\.0\.0\.1:\d+\): ingest run \d+ succeeded$/);
    expect(await dayTotal(t.db, 'OpenAI', '2026-12-06')).toBe('3.65');
    const [a] = await syncSources({ ...d, config: testConfig() }, 'anthropic');
    expect(a).toMatchObject({
      source: 'anthropic',
      status: 'skipped',
      lines: ['sources.anthropic is not configured'],
    });
    expect(anthropic.requests).toEqual([]);
  });

  describe('Anthropic', () => {
    beforeEach(() => {
      for (const d of days('2026-11-01', '2026-12-06')) {
        anthropic.costs[d] = [
          {
            workspace_id: 'wrkspc_checkout',
            description: 'Claude Sonnet 4 Usage - Input Tokens',
            amount: '123.78912',
          },
          {
            workspace_id: 'wrkspc_search',
            description: 'Claude Haiku 4.5 Usage - Output Tokens',
            amount: '50',
          },
          { workspace_id: null, description: 'Claude Sonnet 4 Usage - Output Tokens', amount: '0.5' },
        ];
      }
    });

    it('backfills over two pages (31 buckets at most), reads cents exactly, sends the documented headers', async () => {
      const r = await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'anthropic');
      expect(anthropic.requests).toHaveLength(2);
      expect(anthropic.requests[0]?.query).toEqual({
        starting_at: ['2026-11-01T00:00:00Z'],
        ending_at: ['2026-12-07T00:00:00Z'],
        bucket_width: ['1d'],
        'group_by[]': ['workspace_id', 'description'],
        limit: ['31'],
      });
      expect(anthropic.requests[1]?.query['page']).toEqual([expect.stringMatching(/^page_/)]);
      expect(anthropic.requests[0]?.headers['x-api-key']).toBe(anthropic.key);
      expect(anthropic.requests[0]?.headers['anthropic-version']).toBe('2023-06-01');
      expect(r.days).toHaveLength(36);
      // 123.78912 cents = USD 1.2378912 a day × 36; 50 cents × 36 = 18; 0.5 cents × 36 = 0.18 (Default workspace).
      expect(await sums(t.db)).toEqual([
        ['Anthropic', 'checkout', '44.5640832', '44.5640832', 36],
        ['Anthropic', 'search', '18', '18', 36],
        ['Anthropic', null, '0.18', '0.18', 36],
      ]);
    });

    it('re-reads its own restate_days (3) and replaces a revised day; OpenAI’s rows are never touched', async () => {
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'openai');
      await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'anthropic');
      const openAiBefore = (await stored(t.db)).daily.filter((d) => d['provider'] === 'OpenAI');
      anthropic.costs['2026-12-05'] = [
        {
          workspace_id: 'wrkspc_checkout',
          description: 'Claude Sonnet 4 Usage - Input Tokens',
          amount: '1000',
        },
      ];
      const r = await ingestAiCosts(deps('2026-12-07T12:00:00Z'), 'anthropic');
      expect(r.window).toEqual({ start: '2026-12-04', end: '2026-12-07' });
      expect(r.days.map((d) => `${d.day} ${d.change}`)).toEqual([
        '2026-12-04 unchanged',
        '2026-12-05 revised',
        '2026-12-06 unchanged',
      ]);
      expect(await dayTotal(t.db, 'Anthropic', '2026-12-05')).toBe('10');
      expect((await stored(t.db)).daily.filter((d) => d['provider'] === 'OpenAI')).toEqual(openAiBefore);
    });

    it('a 403 (a key that may not read costs) is bad input too, nothing stored', async () => {
      anthropic.fail({
        status: 403,
        body: {
          type: 'error',
          error: {
            type: 'permission_error',
            message: 'Your API key does not have permission to use the specified resource.',
          },
        },
      });
      const err = await ingestAiCosts(deps('2026-12-07T06:00:00Z'), 'anthropic').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toBe(
        'Anthropic refused the key in ANTHROPIC_ADMIN_KEY (403 on GET /v1/organizations/cost_report: Your API key does not have permission to use the specified resource.): set ANTHROPIC_ADMIN_KEY to an admin key of the organisation (a project or workspace key cannot read its costs)',
      );
      expect(await stored(t.db)).toEqual({ sources: [], daily: [] });
    });

    it('a 401 names Anthropic and ANTHROPIC_ADMIN_KEY', async () => {
      const d = deps('2026-12-07T06:00:00Z');
      await expect(
        ingestAiCosts({ ...d, env: { ...d.env, ANTHROPIC_ADMIN_KEY: 'sk-ant-wrong' } }, 'anthropic'),
      ).rejects.toThrow(
        'Anthropic refused the key in ANTHROPIC_ADMIN_KEY (401 on GET /v1/organizations/cost_report: invalid x-api-key): set ANTHROPIC_ADMIN_KEY to a valid Anthropic admin key',
      );
      expect(await stored(t.db)).toEqual({ sources: [], daily: [] });
    });
  });
});
