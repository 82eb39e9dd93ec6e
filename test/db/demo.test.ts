import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { STAGES, type Stage } from '../../src/config/schema.ts';
import type { Db } from '../../src/db/connect.ts';
import { FinopsError } from '../../src/lib/errors.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { toReportJson } from '../../src/model/report-json.ts';
import type { SnapshotData } from '../../src/model/types.ts';
import { computeSnapshotData } from '../../src/services/build-snapshot.ts';
import { demoConfig } from '../../src/services/demo/config.ts';
import { demoDatabaseState, findForeignData, readDemoSeed, seedDemo } from '../../src/services/demo/seed.ts';
import { DEMO_SPIKE, DEMO_STORY } from '../../src/services/demo/story.ts';
import { planCostAnomalies } from '../../src/services/detect-anomalies.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

const END = '2026-10';
const MONTHS = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
const NOW = new Date('2026-11-05T10:00:00Z');
const SLOW = 300_000;

/** Every demo table, in a stable order, with serial ids and bookkeeping clocks left out. */
const DIGEST_QUERIES: Array<[string, string]> = [
  ['gh_pull_request', 'select * from gh_pull_request order by repo, number'],
  ['gh_review', 'select * from gh_review order by id'],
  ['gh_review_comment', 'select * from gh_review_comment order by id'],
  ['gh_commit', 'select * from gh_commit order by repo, pr_number, sha'],
  ['gh_workflow_run', 'select * from gh_workflow_run order by id'],
  ['gh_deployment', 'select * from gh_deployment order by id'],
  ['pd_user', 'select * from pd_user order by id'],
  ['pd_incident', 'select * from pd_incident order by id'],
  ['pd_log_entry', 'select * from pd_log_entry order by id'],
  [
    'cost_source',
    'select source_key, kind, provider, billing_period_start, file_name, checksum, row_count, totals, ingested_at from cost_source order by source_key',
  ],
  [
    'cost_daily',
    `select s.source_key, d.day, d.provider, d.sub_account_id, d.region, d.service_category, d.service_name,
       d.charge_category, d.is_correction, d.billing_currency, d.pricing_category, d.commitment_status,
       d.product_line, d.allocation, d.billed_cost, d.effective_cost, d.row_count
     from cost_daily d join cost_source s on s.id = d.source_id
     order by s.source_key, d.day, d.provider, d.sub_account_id, d.region, d.service_name, d.charge_category, d.pricing_category`,
  ],
  ['revenue', 'select * from revenue order by month, product_line'],
  [
    'demo_seed',
    'select seed, months, first_month, end_month, rollout_month, spike_days, config_hash, row_counts from demo_seed',
  ],
];

async function digest(db: Db): Promise<{ hash: string; counts: Record<string, number> }> {
  const all = createHash('sha256');
  const counts: Record<string, number> = {};
  for (const [table, query] of DIGEST_QUERIES) {
    const r = await sql.raw<Record<string, unknown>>(query).execute(db);
    counts[table] = r.rows.length;
    const h = createHash('sha256');
    for (const row of r.rows) {
      h.update(JSON.stringify(row, (_k, v) => (v instanceof Date ? v.toISOString() : v)));
      h.update('\n');
    }
    all.update(`${table}:${h.digest('hex')}\n`);
  }
  return { hash: all.digest('hex'), counts };
}

const seedDeps = (h: TestDb) => ({ db: h.db, now: () => NOW });

function snapshotDeps(h: TestDb) {
  const { config, hash } = demoConfig();
  return { db: h.db, config, configHash: hash, now: () => NOW, logger: createLogger({ level: 'silent' }) };
}

/** Org-wide hours per stage (product lines + unallocated) and the senior share of review hours. */
function orgHours(s: SnapshotData) {
  const hours = Object.fromEntries(STAGES.map((st) => [st, 0])) as Record<Stage, number>;
  let seniorReview = 0;
  for (const p of s.productLines) {
    for (const st of STAGES) hours[st] += p.hours[st];
    seniorReview += p.seniorReviewHours;
  }
  for (const st of STAGES) hours[st] += s.unallocated.hours[st];
  const total = STAGES.reduce((a, st) => a + hours[st], 0);
  const share = (st: Stage) => (100 * hours[st]) / total;
  return { hours, share, seniorReviewPct: (100 * seniorReview) / hours.review };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.each(backends())('the demo organisation on %s', (backend) => {
  let h: TestDb;
  let first: Awaited<ReturnType<typeof seedDemo>>;
  let firstDigest: Awaited<ReturnType<typeof digest>>;

  beforeAll(async () => {
    h = await createTestDb(backend);
    first = await seedDemo(seedDeps(h), { seed: 42, endMonth: END });
    firstDigest = await digest(h.db);
  }, SLOW);
  afterAll(async () => {
    await h?.close();
  });

  it('fills the raw tables real ingestion fills, in the shapes the pipeline reads', async () => {
    expect(first).toMatchObject({
      seed: 42,
      months: 6,
      firstMonth: '2026-05',
      endMonth: END,
      rolloutMonth: '2026-08',
      spikeDays: ['2026-10-15', '2026-10-16'],
      people: 40,
      teams: 4,
      productLines: 6,
      replacedRows: 0,
      foreignRows: [],
    });
    const c = firstDigest.counts;
    expect(c['gh_pull_request']).toBeGreaterThan(1_200);
    expect(c['gh_commit']).toBeGreaterThan(8_000);
    expect(c['gh_review']).toBeGreaterThan(2_500);
    expect(c['gh_review_comment']).toBeGreaterThan(5_000);
    expect(c['gh_workflow_run']).toBeGreaterThan(3_000);
    expect(c['pd_incident']).toBeGreaterThan(100);
    expect(c['pd_user']).toBe(41);
    expect(c['revenue']).toBe(36);
    expect(c['cost_source']).toBe(18); // 3 providers × 6 billing months
    expect(first.tables.find((t) => t.table === 'cost_daily')?.rows).toBe(c['cost_daily']);

    const one = async <T>(q: string) => (await sql.raw<T>(q).execute(h.db)).rows;
    const facts = (
      await one<Record<string, number>>(`select
        (select count(*) from gh_workflow_run where run_attempt > 1 and not actor_is_bot) as reruns,
        (select count(*) from gh_workflow_run where name ~* 'deploy' and not actor_is_bot) as deploy_runs,
        (select count(*) from gh_deployment where not creator_is_bot) as human_deployments,
        (select count(*) from gh_commit where parent_count > 1) as merge_commits,
        (select count(*) from (select sha from gh_commit group by sha having count(*) > 1) x) as shared_shas,
        (select count(*) from gh_pull_request where author_is_bot) as bot_prs,
        (select count(*) from gh_pull_request where labels ?| array['bug', 'hotfix', 'regression']) as rework_labels,
        (select count(*) from gh_pull_request where title ~* '^(revert "|fix|hotfix)') as rework_titles,
        (select count(*) from gh_pull_request p where exists (
           select 1 from jsonb_array_elements(p.files) f where f->>'path' ~ '(/tests?/|\\.test\\.|\\.spec\\.|_test\\.)')) as prs_with_tests,
        (select count(*) from gh_pull_request where author_login in ('ext-mgarcia', 'sk-devpartner')) as contractor_prs,
        (select count(*) from cost_daily where product_line is null and allocation = 'none') as unallocated_rows,
        (select count(*) from cost_daily where product_line is not null and allocation <> 'direct') as odd_allocations,
        (select count(*) from cost_daily where charge_category = 'Purchase') as purchases,
        (select count(*) from cost_daily where billed_cost <> effective_cost and charge_category = 'Usage') as amortised_rows`)
    )[0];
    // (CamelCasePlugin renames the columns: deploy_runs → deployRuns.)
    const { oddAllocations, ...present } = facts ?? {};
    expect(Object.keys(present)).toHaveLength(13);
    for (const [k, v] of Object.entries(present)) expect(v, k).toBeGreaterThan(0);
    expect(oddAllocations).toBe(0);

    const services = await one<{ serviceName: string }>(
      "select distinct service_name from cost_daily where service_category = 'AI and Machine Learning' order by 1",
    );
    expect(services.map((s) => s.serviceName)).toEqual(
      expect.arrayContaining(['Amazon Bedrock', 'Azure OpenAI', 'Amazon SageMaker', 'Vertex AI']),
    );

    // PagerDuty: responders are PagerDuty users whose emails are the config's people.
    const types = await one<{ type: string }>('select distinct type from pd_log_entry order by 1');
    expect(types.map((t) => t.type)).toEqual([
      'acknowledge_log_entry',
      'annotate_log_entry',
      'assign_log_entry',
      'escalate_log_entry',
      'resolve_log_entry',
      'trigger_log_entry',
    ]);
    const strays = await one<{ n: number }>(`select count(*) as n from pd_log_entry l
      where (l.agent_type = 'user_reference' and l.agent_id not in (select id from pd_user))
         or exists (select 1 from jsonb_array_elements_text(l.assignee_ids || l.unassigned_ids) u
                    where u not in (select id from pd_user))
         or (l.type in ('assign_log_entry', 'escalate_log_entry') and jsonb_array_length(l.assignee_ids) = 0)`);
    expect(strays[0]?.n).toBe(0);
    const emails = await one<{ email: string }>('select email from pd_user order by email');
    const configEmails = demoConfig().config.people.map((p) => p.email as string);
    expect(emails.map((e) => e.email)).toEqual([...configEmails, 'noc@acme.example'].sort());

    expect(await findForeignData(h.db)).toEqual([]);
    expect((await demoDatabaseState(h.db)).state).toBe('demo');
    expect(await readDemoSeed(h.db)).toMatchObject({
      seed: 42,
      months: 6,
      firstMonth: '2026-05',
      endMonth: END,
      rolloutMonth: '2026-08',
      spikeDays: ['2026-10-15', '2026-10-16'],
      configHash: demoConfig().hash,
    });
  });

  it('tells the story in the raw data', async () => {
    const rows = async <T>(q: string) => (await sql.raw<T>(q).execute(h.db)).rows;
    const byMonth = (rs: Array<{ m: string; v: number }>) =>
      MONTHS.map((m) => rs.find((r) => r.m === m)?.v ?? 0);

    // AI inference cost grows with adoption: month 6 over 3× month 3.
    const ai = byMonth(
      await rows(`select to_char(day, 'YYYY-MM') as m, sum(effective_cost) as v from cost_daily
                  where service_category = 'AI and Machine Learning' group by 1`),
    );
    expect(ai[5]).toBeGreaterThan(3 * (ai[2] as number));
    // Cloud cost drifts down (daily average, the spike days and purchases left out).
    const cloud = byMonth(
      await rows(`select to_char(day, 'YYYY-MM') as m, sum(effective_cost) / count(distinct day) as v from cost_daily
                  where service_category <> 'AI and Machine Learning' and charge_category = 'Usage'
                    and day not in ('2026-10-15', '2026-10-16') group by 1`),
    );
    expect(cloud[5]).toBeLessThan(0.97 * (cloud[2] as number));

    // Authoring: commits an author makes on their PR before its first review, per PR, fall after the rollout.
    const perPr = await rows<{ m: string; commits: number }>(`
      with first_review as (
        select r.repo, r.pr_number, min(r.submitted_at) as at from gh_review r
        join gh_pull_request p on p.repo = r.repo and p.number = r.pr_number
        where r.author_login <> p.author_login group by 1, 2)
      select to_char(p.created_at at time zone 'Europe/Berlin', 'YYYY-MM') as m,
             (select count(*) from gh_commit c where c.repo = p.repo and c.pr_number = p.number
                and c.author_login = p.author_login and c.parent_count = 1 and c.authored_at < f.at) as commits
      from gh_pull_request p join first_review f on f.repo = p.repo and f.pr_number = p.number
      where not p.author_is_bot and p.base_ref = 'main'`);
    const commitsPerPr = (ms: string[]) => mean(perPr.filter((r) => ms.includes(r.m)).map((r) => r.commits));
    expect(commitsPerPr(MONTHS.slice(4))).toBeLessThan(0.75 * commitsPerPr(MONTHS.slice(0, 3)));

    // Review comments and incidents rise.
    const comments = byMonth(
      await rows(`select to_char(created_at at time zone 'Europe/Berlin', 'YYYY-MM') as m, count(*) as v
                  from gh_review_comment group by 1`),
    );
    expect(mean(comments.slice(4))).toBeGreaterThan(1.5 * mean(comments.slice(0, 3)));
    const incidents = byMonth(
      await rows(`select to_char(created_at at time zone 'Europe/Berlin', 'YYYY-MM') as m, count(*) as v
                  from pd_incident group by 1`),
    );
    expect(mean(incidents.slice(4))).toBeGreaterThan(1.3 * mean(incidents.slice(0, 3)));

    // The spike: the service's day is over 5× the median of the 14 days before.
    const series = await rows<{
      day: string;
      v: number;
    }>(`select day, sum(effective_cost) as v from cost_daily
      where product_line = '${DEMO_SPIKE.productLine}' and service_name = '${DEMO_SPIKE.serviceName}'
        and day between '2026-10-01' and '2026-10-15' group by day order by day`);
    expect(series).toHaveLength(15);
    const spike = series.at(-1) as { day: string; v: number };
    expect(spike.day).toBe('2026-10-15');
    expect(spike.v).toBeGreaterThan(5 * median(series.slice(0, 14).map((r) => r.v)));
  });

  it(
    'tells the story in the model numbers: authoring down, review up and senior, the assistant under water',
    async () => {
      const deps = snapshotDeps(h);
      const before = await computeSnapshotData(deps, '2026-07');
      const after = await computeSnapshotData(deps, END);
      const b = orgHours(before);
      const a = orgHours(after);
      expect(a.share('authoring')).toBeLessThan(b.share('authoring') - 10);
      expect(a.share('review')).toBeGreaterThan(b.share('review') + 10);
      expect(a.seniorReviewPct).toBeGreaterThan(b.seniorReviewPct + 10);
      expect(a.hours.incident).toBeGreaterThan(2 * b.hours.incident);

      const line = (s: SnapshotData, id: string) => s.productLines.find((p) => p.id === id);
      const assistantBefore = line(before, DEMO_STORY.negativeMarginProductLine);
      const assistantAfter = line(after, DEMO_STORY.negativeMarginProductLine);
      expect(assistantBefore?.grossMarginPct).toBeGreaterThan(10);
      expect(assistantAfter?.grossMarginPct).toBeLessThan(0);
      // Its margin fell most because of AI cost.
      const drivers = Object.entries(assistantAfter?.drift.byDriverPp ?? {}).sort((x, y) => x[1] - y[1]);
      expect(drivers[0]?.[0]).toBe('ai');
      for (const p of after.productLines) {
        if (p.id !== DEMO_STORY.negativeMarginProductLine) expect(p.grossMarginPct, p.id).toBeGreaterThan(0);
      }
      const aiCost = (s: SnapshotData) => s.productLines.reduce((x, p) => x + p.aiCost, s.unallocated.aiCost);
      expect(aiCost(after)).toBeGreaterThan(3 * aiCost(before));
      // Contractors are unmapped people; the infrastructure repository is unallocated hours.
      expect(after.people.mapped).toBeLessThan(after.people.total);
      expect(STAGES.reduce((x, st) => x + after.unallocated.hours[st], 0)).toBeGreaterThan(0);
    },
    SLOW,
  );

  it('is found by anomaly detection on the stored cost as exactly one anomaly: the spike', async () => {
    const { config } = demoConfig();
    const plan = await planCostAnomalies({ db: h.db, config });
    expect(plan.range).toEqual({ firstDay: '2026-05-01', lastDay: '2026-10-31' });
    expect(
      plan.planned.map((p) => [
        p.detection.productLine,
        p.detection.service,
        p.detection.firstDay,
        p.detection.lastDay,
      ]),
    ).toEqual([[DEMO_SPIKE.productLine, DEMO_SPIKE.serviceName, '2026-10-15', '2026-10-16']]);
    expect(plan.planned[0]?.detection.rootCause[0]).toMatchObject({
      subAccount: DEMO_SPIKE.subAccountId,
      region: DEMO_SPIKE.region,
    });
  });

  it(
    'gives identical table contents for the same seed in another database, and other contents for another seed',
    async () => {
      const other = await createTestDb(backend);
      try {
        await seedDemo(seedDeps(other), { seed: 42, endMonth: END });
        expect(await digest(other.db)).toEqual(firstDigest);
        // …and so the same snapshot, as SPEC §9 JSON.
        const report = async (t: TestDb) => toReportJson(await computeSnapshotData(snapshotDeps(t), END));
        expect(await report(other)).toEqual(await report(h));
        await seedDemo(seedDeps(other), { seed: 7, endMonth: END });
        const seven = await digest(other.db);
        expect(seven.hash).not.toBe(firstDigest.hash);
        expect(await readDemoSeed(other.db)).toMatchObject({ seed: 7 });
      } finally {
        await other.close();
      }
    },
    SLOW,
  );

  it(
    're-seeding replaces the demo: the same rows, and what was computed from the old demo is gone',
    async () => {
      await computeSnapshotData(snapshotDeps(h), END); // warm nothing: only the raw rows matter
      await sql`insert into snapshot (month, model_version, config_hash, data) values ('2026-10', '1', 'x', '{}'::jsonb)`.execute(
        h.db,
      );
      const again = await seedDemo(seedDeps(h), { seed: 42, endMonth: END });
      expect(again.replacedRows).toBeGreaterThanOrEqual(first.totalRows - 1);
      expect(again.totalRows).toBe(first.totalRows);
      expect(await digest(h.db)).toEqual(firstDigest);
      const snaps = await sql<{ n: number }>`select count(*) as n from snapshot`.execute(h.db);
      expect(snaps.rows[0]?.n).toBe(0);
    },
    SLOW,
  );

  it(
    'refuses to seed next to data that is not the demo unless forced, and then leaves that data alone',
    async () => {
      const db = await createTestDb(backend);
      try {
        await db.db
          .insertInto('ghPullRequest')
          .values({
            repo: 'realco/api',
            number: 1,
            title: 'Real work',
            state: 'open',
            createdAt: new Date('2026-10-01T10:00:00Z'),
            updatedAt: new Date('2026-10-01T10:00:00Z'),
          })
          .execute();
        await sql`insert into snapshot (month, model_version, config_hash, data) values ('2026-09', '1', 'real', '{}'::jsonb)`.execute(
          db.db,
        );
        const refused = await seedDemo(seedDeps(db), { seed: 1, months: 4, endMonth: END }).catch((e) => e);
        expect(refused).toBeInstanceOf(FinopsError);
        expect(refused).toMatchObject({ code: 'demo_over_real_data', kind: 'input' });
        expect((refused as Error).message).toContain('gh_pull_request: 1 rows, snapshot: 1 rows');
        const counts = await sql<{ prs: number; seeded: number }>`select
        (select count(*) from gh_pull_request) as prs, (select count(*) from demo_seed) as seeded`.execute(
          db.db,
        );
        expect(counts.rows[0]).toEqual({ prs: 1, seeded: 0 });

        expect((await demoDatabaseState(db.db)).state).toBe('data');
        const forced = await seedDemo(seedDeps(db), { seed: 1, months: 4, endMonth: END, force: true });
        expect(forced.foreignRows).toEqual([
          { table: 'gh_pull_request', rows: 1 },
          { table: 'snapshot', rows: 1 },
        ]);
        const kept = await sql<{ real: number; snaps: number; demo: number }>`select
        (select count(*) from gh_pull_request where repo = 'realco/api') as real,
        (select count(*) from snapshot) as snaps,
        (select count(*) from gh_pull_request where repo <> 'realco/api') as demo`.execute(db.db);
        expect(kept.rows[0]).toMatchObject({ real: 1, snaps: 1 });
        expect(kept.rows[0]?.demo).toBeGreaterThan(500);
      } finally {
        await db.close();
      }
    },
    SLOW,
  );

  it(
    "counts snapshots and action items of a database never seeded as somebody else's work",
    async () => {
      const db = await createTestDb(backend);
      try {
        await db.db
          .insertInto('actionItem')
          .values({ title: 'Rightsize search', ownerId: 'U1', creatorId: 'U2', dueDate: '2026-12-01' })
          .execute();
        const refused = await seedDemo(seedDeps(db), { seed: 1, months: 4, endMonth: END }).catch((e) => e);
        expect(refused).toMatchObject({ code: 'demo_over_real_data' });
        expect((refused as Error).message).toContain('action_item: 1 rows');
        expect(await demoDatabaseState(db.db)).toEqual({
          state: 'data',
          seed: null,
          foreign: [{ table: 'action_item', rows: 1 }],
        });
      } finally {
        await db.close();
      }
    },
    SLOW,
  );

  it('rejects a bad seed, month count or end month before writing anything', async () => {
    const bad = [
      { seed: -1, endMonth: END },
      { seed: 1.5, endMonth: END },
      { seed: 1, months: 3, endMonth: END },
      { seed: 1, months: 25, endMonth: END },
      { seed: 1, endMonth: '2026-13' },
    ];
    for (const opts of bad) {
      await expect(seedDemo(seedDeps(h), opts), JSON.stringify(opts)).rejects.toMatchObject({
        kind: 'input',
      });
    }
    expect(await readDemoSeed(h.db)).toMatchObject({ seed: 42 });
  });

  // The command runs once, on the embedded database in a fresh data directory (the service
  // underneath is tested on each backend above).
  it.runIf(backend === 'pglite')(
    'finops demo prints a progress line per table and a summary (exit 0), and exits 2 on bad arguments',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'finops-demo-'));
      try {
        const env = {
          FINOPS_DATA_DIR: dir,
          FINOPS_CONFIG: path.join(dir, 'finops.yml'),
          LOG_LEVEL: 'silent',
        };
        const cli = async (argv: string[]) => {
          const out: string[] = [];
          const err: string[] = [];
          const code = await runCli(
            ['demo', ...argv],
            env,
            { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false },
            () => NOW,
          );
          return { code, out: out.join(''), err: err.join('') };
        };
        for (const argv of [['--seed', 'abc'], ['--months', '2'], ['--end-month', '2026-11'], ['--bogus']]) {
          const r = await cli(argv);
          expect(r.code, argv.join(' ')).toBe(2);
          expect(r.err).toMatch(/^finops demo: /);
        }
        const r = await cli(['--seed', '3', '--months', '4']);
        expect(r.err).toBe('');
        expect(r.code).toBe(0);
        for (const table of ['pd_incident', 'gh_pull_request', 'gh_commit', 'cost_daily', 'revenue']) {
          expect(r.out).toMatch(new RegExp(`^  ${table} +[\\d,]+ rows +\\d+\\.\\d\\d s$`, 'm'));
        }
        expect(r.out).toContain(
          'Seeded the demo organisation (seed 3): 40 engineers in 4 teams, 6 product lines',
        );
        expect(r.out).toContain('4 months 2026-07 … 2026-10');
        expect(r.out).toContain('rolls out in 2026-08');
        expect(r.out).toContain('2026-10-15 and 2026-10-16');
        expect(r.out).toContain('No config at');
        expect(r.out).toContain('Next: finops report --month 2026-10');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
