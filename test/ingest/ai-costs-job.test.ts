import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { detectAnomaliesJob } from '../../src/jobs/detect-anomalies.ts';
import { INGEST_AI_COSTS_SCHEDULE, ingestAiCostsJob } from '../../src/jobs/ingest-ai-costs.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import type { JobContext } from '../../src/jobs/types.ts';
import { listAnomalies } from '../../src/db/repos/anomalies.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../fakes/fake-anthropic.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/fake-openai.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { testConfig, testDeps } from './focus-support.ts';

const both: Config = testConfig({
  product_lines: [
    { id: 'checkout', team: 'payments', cost: { sub_accounts: ['proj_checkout'] } },
    { id: 'search', team: 'data', cost: { sub_accounts: ['wrkspc_search'] } },
  ],
  sources: { openai: {}, anthropic: {} },
});

function days(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(start); t <= Date.parse(end); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

describe.each(backends())('the daily ingest-ai-costs job (%s)', (backend) => {
  let t: TestDb;
  let openai: FakeOpenAi;
  let anthropic: FakeAnthropic;
  const deps = (config: Config, env: Record<string, string> = {}): ServiceDeps => ({
    ...testDeps(t.db, config),
    env: {
      OPENAI_ADMIN_KEY: openai.key,
      OPENAI_API_URL: openai.url,
      ANTHROPIC_ADMIN_KEY: anthropic.key,
      ANTHROPIC_API_URL: anthropic.url,
      ...env,
    },
  });
  // 06:15 in Berlin on 7 December: the job's own tick.
  const ctx = (d: ServiceDeps, at = '2026-12-07T05:15:00Z', dryRun = false): JobContext => ({
    deps: d,
    messenger: undefined,
    at: new Date(at),
    dryRun,
    periodKey: '2026-12-07',
  });

  beforeEach(async () => {
    t = await createTestDb(backend);
    openai = await startFakeOpenAi();
    anthropic = await startFakeAnthropic();
    // Checkout's gpt-4o input costs 1.10 a day until December 6, when it jumps to 301.10.
    for (const d of days('2026-11-01', '2026-12-06')) {
      openai.costs[d] = [
        {
          project_id: 'proj_checkout',
          line_item: 'gpt-4o-2024-08-06, input',
          value: d === '2026-12-06' ? 301.1 : 1.1,
        },
      ];
      anthropic.costs[d] = [
        { workspace_id: 'wrkspc_search', description: 'Claude Sonnet 4 Usage - Input Tokens', amount: '250' },
      ];
    }
  });
  afterEach(async () => {
    await openai.close();
    await anthropic.close();
    await t.close();
  });

  it('is registered daily at 06:15, after ingest-focus (06:00) and before detect-anomalies (07:30)', () => {
    expect(JOBS).toContain(ingestAiCostsJob);
    expect(INGEST_AI_COSTS_SCHEDULE).toBe('15 6 * * *');
    expect(ingestAiCostsJob.periodKey(new Date('2026-12-06T23:30:00Z'), both)).toBe('2026-12-07');
  });

  it('ingests both vendors, and that morning’s anomaly detection sees the new AI cost by line item', async () => {
    const r = await ingestAiCostsJob.run(ctx(deps(both)));
    expect(r.error).toBeUndefined();
    expect(r.stats).toEqual({
      vendors: 2,
      failed: 0,
      openaiLines: 36,
      openaiDays: 36,
      openaiRevised: 0,
      anthropicLines: 36,
      anthropicDays: 36,
      anthropicRevised: 0,
    });
    expect(r.summary).toContain(`OpenAI (${openai.url}): ingest run`);
    expect(r.summary).toContain(`Anthropic (${anthropic.url}): ingest run`);

    const detected = await detectAnomaliesJob.run({
      ...ctx(deps(both), '2026-12-07T06:30:00Z'),
      periodKey: '2026-12-07',
    });
    expect(detected.stats).toMatchObject({ detected: 1, new: 1 });
    const [a, ...rest] = await listAnomalies(t.db, { kind: 'cost' });
    expect(rest).toEqual([]);
    // Baseline: the 14 days before, all 1.10; the spike is 301.10, impact 300.
    expect(a).toMatchObject({
      productLine: 'checkout',
      service: 'OpenAI gpt-4o-2024-08-06, input',
      currency: 'USD',
      firstDay: '2026-12-06',
      lastDay: '2026-12-06',
      actual: 301.1,
      expected: 1.1,
      impact: 300,
      rootCause: [{ subAccount: 'proj_checkout', region: null, increase: 300 }],
    });
  });

  it('keeps the vendors apart: a refused Anthropic key fails the run, OpenAI’s days are stored all the same', async () => {
    const r = await ingestAiCostsJob.run(ctx(deps(both, { ANTHROPIC_ADMIN_KEY: 'sk-ant-revoked' })));
    expect(r.stats).toMatchObject({ vendors: 2, failed: 1, openaiDays: 36 });
    expect(r.error).toBe(
      'Anthropic refused the key in ANTHROPIC_ADMIN_KEY (401 on GET /v1/organizations/cost_report: invalid x-api-key): set ANTHROPIC_ADMIN_KEY to a valid Anthropic admin key',
    );
    expect(r.summary).toContain('Anthropic failed, its stored cost unchanged: Anthropic refused the key');
    const providers = await t.db.selectFrom('costDaily').select('provider').distinct().execute();
    expect(providers.map((p) => p.provider)).toEqual(['OpenAI']);
  });

  it('reads only the configured vendors, and a dry run reads nothing', async () => {
    const onlyOpenAi = testConfig({ sources: { openai: { restate_days: 3 } } });
    const dry = await ingestAiCostsJob.run(ctx(deps(onlyOpenAi), undefined, true));
    expect(dry.summary).toBe('would read OpenAI (key in OPENAI_ADMIN_KEY, last 3 day(s) again)');
    expect(openai.requests).toEqual([]);
    const none = await ingestAiCostsJob.run(ctx(deps(testConfig())));
    expect(none).toEqual({
      stats: { vendors: 0 },
      summary: 'neither sources.openai nor sources.anthropic is configured: nothing to read',
    });
    await ingestAiCostsJob.run(ctx(deps(onlyOpenAi)));
    expect(openai.requests).toHaveLength(1);
    expect(anthropic.requests).toEqual([]);
  });
});
