import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../fakes/fake-anthropic.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/fake-openai.ts';
import { runFinops } from '../support/cli.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

const CONFIG = `
timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: { mid: 95, senior: 125, staff: 150, principal: 180 }
teams:
  - { id: ai }
product_lines:
  - { id: assistant, name: Shopping Assistant, team: ai, cost: { sub_accounts: [proj_assistant, wrkspc_assistant] } }
sources:
  openai: {}
  anthropic: {}
`;

/** Every UTC day of November 2026 and on up to (not including) today, so any run date is covered. */
function daysSinceNovember(): string[] {
  const out: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (let t = Date.parse('2026-11-01'); new Date(t).toISOString().slice(0, 10) < today; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** `finops ingest openai|anthropic` as a person runs it: the real binary against the fakes. */
describe.each(backends())('finops ingest openai|anthropic on %s', (backend) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-ai-cli-'));
  let db: TestDb | undefined;
  let openai: FakeOpenAi;
  let anthropic: FakeAnthropic;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'finops.yml'), CONFIG);
    // Shopping Assistant sells 100 answers in November.
    writeFileSync(
      path.join(dir, 'revenue.csv'),
      'month,product_line,revenue,units\n2026-11,assistant,5000,100\n',
    );
    if (backend === 'postgres') db = await createTestDb('postgres');
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    openai = await startFakeOpenAi();
    anthropic = await startFakeAnthropic();
    for (const d of daysSinceNovember()) {
      openai.costs[d] = [
        { project_id: 'proj_assistant', line_item: 'gpt-4o-2024-08-06, output', value: 10.5 },
      ];
      // 12.5 cents a day.
      anthropic.costs[d] = [
        {
          workspace_id: 'wrkspc_assistant',
          description: 'Claude Haiku 4.5 Usage - Input Tokens',
          amount: '12.5',
        },
      ];
    }
    env = {
      FINOPS_CONFIG: path.join(dir, 'finops.yml'),
      FINOPS_DATA_DIR: path.join(dir, `data-${backend}`),
      DATABASE_URL: db?.url,
      OPENAI_ADMIN_KEY: openai.key,
      OPENAI_API_URL: openai.url,
      ANTHROPIC_ADMIN_KEY: anthropic.key,
      ANTHROPIC_API_URL: anthropic.url,
    };
  });
  afterEach(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('ingests both vendors and the report gives the AI cost per unit of the revenue CSV', async () => {
    const o = await runFinops(['ingest', 'openai', '--since', '2026-11-01'], env);
    expect(o.stderr).toBe('');
    expect(o.code).toBe(0);
    const lines = o.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^OpenAI \(http:\/\/127\.0\.0\.1:\d+\): ingest run \d+ succeeded$/);
    expect(lines[1]).toMatch(
      /^ {2}read 2026-11-01 … \d{4}-\d{2}-\d{2} \(\d+ days, UTC\): from --since 2026-11-01$/,
    );
    expect(o.stdout).toMatch(
      /\n {2}allocation of EffectiveCost in USD: direct [\d,.]+ · shared 0\.00 · unallocated 0\.00\n/,
    );
    const a = await runFinops(['ingest', 'anthropic', '--since', '2026-11-01'], env);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^Anthropic \(http:\/\/127\.0\.0\.1:\d+\): ingest run \d+ succeeded\n/);
    const rev = await runFinops(['ingest', 'revenue', path.join(dir, 'revenue.csv')], env);
    expect(rev.code).toBe(0);

    const r = await runFinops(['report', '--month', '2026-11', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pl = JSON.parse(r.stdout).productLines[0];
    // November: 30 × 10.50 (OpenAI) + 30 × 0.125 (Anthropic) = 318.75 of AI cost over 100 units.
    expect(pl).toMatchObject({
      id: 'assistant',
      aiCost: 318.75,
      units: 100,
      unitCost: 3.19,
      aiUnitCost: 3.19,
    });
    expect(Object.keys(pl).slice(10, 13)).toEqual(['grossMarginPct', 'unitCost', 'aiUnitCost']);
  });

  it('a missing key, a refused key or a bad --since: one line naming what to fix, exit 2', async () => {
    const missing = await runFinops(['ingest', 'openai'], { ...env, OPENAI_ADMIN_KEY: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'finops ingest: OpenAI: OPENAI_ADMIN_KEY is not set: export an OpenAI organisation admin key in OPENAI_ADMIN_KEY\n',
    );
    const refused = await runFinops(['ingest', 'anthropic'], { ...env, ANTHROPIC_ADMIN_KEY: 'sk-ant-wrong' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'finops ingest: Anthropic refused the key in ANTHROPIC_ADMIN_KEY (401 on GET /v1/organizations/cost_report: invalid x-api-key): set ANTHROPIC_ADMIN_KEY to a valid Anthropic admin key\n',
    );
    const since = await runFinops(['ingest', 'openai', '--since', 'last week'], env);
    expect(since.code).toBe(2);
    expect(since.stderr).toBe('finops ingest: --since last week: expected a day YYYY-MM-DD (UTC)\n');
    expect(openai.requests).toEqual([]);
  });
});
