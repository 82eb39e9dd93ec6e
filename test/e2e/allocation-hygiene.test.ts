/**
 * The weekly allocation hygiene end to end, on each backend: cost rows in the database, the job
 * run through the runner at Monday 09:00 Berlin with an injected clock, the post going through
 * the real gateway to the fake Slack; once per ISO week; the dry run and `finops jobs run
 * allocation-hygiene --dry-run`; and a line's "Create action item" clicked through a signed
 * interaction, opening the action-item modal prefilled, whose submission logs the item in the
 * post's thread. Hand-worked week 30 Nov – 6 Dec 2026:
 *   checkout (allocated) 100 a day = 700; unallocated: EC2 in 333333333333 20 a day = 140, S3 in
 *   222222222222 10 a day Mon–Fri = 50 → 190 of 890 = 21.3 % (target 5 %); EC2 is 73.7 % of it.
 *   The week before: 70 of 770 = 9.1 %. In EUR, 5 of 5 = 100 %.
 */
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, createCliContext } from '../../src/cli/context.ts';
import { runJobsCommand } from '../../src/cli/jobs.ts';
import type { Db } from '../../src/db/connect.ts';
import { allocationHygieneJob } from '../../src/jobs/allocation-hygiene.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import { runJob } from '../../src/jobs/runner.ts';
import { addDays } from '../../src/lib/dates.ts';
import { ACTION_IDS, ACTION_ITEM_UI as UI } from '../../src/slack/ids.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { type CostRowSpec, insertCostRows } from '../support/anomaly-cost.ts';
import { backends, createTestDb } from '../support/db.ts';
import { JOBS_TEST_CONFIG } from '../support/jobs.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const REVIEW = 'C0REVIEW01';
const ADA = 'U0ADA00001';

/** `spec` on `n` days from `from`. */
function days(from: string, n: number, spec: Omit<CostRowSpec, 'day'>): CostRowSpec[] {
  return Array.from({ length: n }, (_, i) => ({ ...spec, day: addDays(from, i) }));
}

const HYGIENE_ROWS: CostRowSpec[] = [
  ...days('2026-11-23', 14, {
    productLine: 'checkout',
    service: 'Amazon EC2',
    subAccount: '111111111111',
    cost: 100,
  }),
  ...days('2026-11-23', 7, {
    productLine: null,
    service: 'Amazon EC2',
    subAccount: '333333333333',
    cost: 10,
  }),
  ...days('2026-11-30', 7, {
    productLine: null,
    service: 'Amazon EC2',
    subAccount: '333333333333',
    cost: 20,
  }),
  ...days('2026-11-30', 5, { productLine: null, service: 'Amazon S3', subAccount: '222222222222', cost: 10 }),
  { day: '2026-12-01', productLine: null, service: 'Azure VM', currency: 'EUR', cost: 5 },
  // Monday 7 December is in the next week: not in this post.
  { day: '2026-12-07', productLine: null, service: 'Amazon EC2', subAccount: '333333333333', cost: 5000 },
];

describe.each(backends())('weekly allocation hygiene on %s', (backend) => {
  let t: TestApp;
  let clock = new Date('2026-12-07T08:00:00Z'); // Monday 09:00 in Berlin

  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => clock });
    await insertCostRows(t.db.db, HYGIENE_ROWS);
  });
  afterAll(async () => {
    await t?.close();
  });

  const lastSeq = () => t.fake.calls.at(-1)?.seq ?? 0;
  const since = (seq: number) => (c: RecordedCall) => c.seq > seq;
  type Section = { type: string; text?: { text: string }; accessory?: { action_id: string; value: string } };

  it('posts last week to the review channel once, with the trend and the lines to tag', async () => {
    const before = lastSeq();
    const outcome = await runJob(allocationHygieneJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: false,
    });
    expect(outcome.status, outcome.message).toBe('succeeded');
    expect(outcome.periodKey).toBe('2026-W50');
    const posts = t.fake.callsTo('chat.postMessage').filter(since(before));
    expect(posts.map((c) => [c.params['channel'], c.params['text']])).toEqual([
      [
        REVIEW,
        'Allocation hygiene — week of 2026-11-30: 21.3% of USD cloud + AI cost unallocated (target 5.0%); largest: Amazon EC2 $140.',
      ],
    ]);
    const blocks = (posts[0]?.params['blocks'] ?? []) as Section[];
    expect(blocks.filter((b) => b.type === 'section').map((b) => b.text?.text)).toEqual([
      '*Unallocated: 21.3%* of $890 cloud + AI cost (USD) — $190 no rule allocates · target ≤ 5.0% · :warning: above target\n8-week trend: `······▄█` 9.1% → 21.3%',
      '*Unallocated: 100.0%* of €5 cloud + AI cost (EUR) — €5 no rule allocates · target ≤ 5.0% · :warning: above target\n8-week trend: `·······█` 100.0%',
      '*Top unallocated spend* by sub-account × service — tag these resources, or add a rule under `product_lines[].cost` or `shared_costs` in finops.yml:',
      '*$140* · AWS `333333333333` · Amazon EC2 (73.7% of unallocated)',
      '*$50* · AWS `222222222222` · Amazon S3 (26.3% of unallocated)',
      '*€5* · AWS `123456789012` · Azure VM (100.0% of unallocated)',
    ]);
    expect(JSON.stringify(blocks)).toContain('11-23 9.1% · 11-30 21.3%');
    expect(blocks.filter((b) => b.accessory?.action_id === ACTION_IDS.allocationToAction)).toHaveLength(3);

    // Later the same week (a second replica, an operator's re-run): nothing more is posted.
    const again = await runJob(allocationHygieneJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: new Date('2026-12-09T10:00:00Z'),
      dryRun: false,
    });
    expect(again.status).toBe('skipped');
    expect(t.fake.callsTo('chat.postMessage').filter(since(before))).toHaveLength(1);
  });

  it('"Create action item" on a line opens the modal prefilled; the item is logged in the post\'s thread', async () => {
    const post = t.fake.messages(REVIEW).find((m) => m.threadTs === undefined);
    const ts = String(post?.ts);
    const ec2 = ((post?.blocks ?? []) as Section[]).find((b) => b.text?.text.includes('Amazon EC2 ('));
    const before = lastSeq();
    const { res } = await t.slack.buttonClick({
      actionId: ACTION_IDS.allocationToAction,
      value: ec2?.accessory?.value as string,
      userId: ADA,
      channelId: REVIEW,
      messageTs: ts,
      isEphemeral: false,
    });
    expect(res.status).toBe(200);
    const opened = await t.fake.waitFor('views.open', since(before));
    const view = opened.params['view'] as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{
        type: string;
        block_id?: string;
        element?: Record<string, unknown>;
        elements?: Array<{ text: string }>;
      }>;
    };
    expect(view.callback_id).toBe(UI.callbacks.create);
    const el = (id: string) => view.blocks.find((b) => b.block_id === id)?.element ?? {};
    expect(el(UI.blocks.title)['initial_value']).toBe(
      'Allocate the Amazon EC2 spend of AWS sub-account 333333333333 ($140 unallocated in the week of 2026-11-30)',
    );
    expect(el(UI.blocks.product)['initial_option']).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(
      'From the allocation hygiene of the week of 2026-11-30: AWS sub-account 333333333333 · Amazon EC2, $140 no rule allocates (target ≤ 5% of cost).',
    );
    expect(JSON.parse(view.private_metadata)).toEqual({ c: REVIEW, t: ts, m: null, mt: null });

    const submitted = lastSeq();
    const r = await t.slack.viewSubmission({
      callbackId: UI.callbacks.create,
      userId: ADA,
      privateMetadata: view.private_metadata,
      viewId: 'V0HYGIENE1',
      values: {
        [UI.blocks.title]: {
          [UI.input]: { type: 'plain_text_input', value: el(UI.blocks.title)['initial_value'] },
        },
        [UI.blocks.owner]: { [UI.input]: { type: 'users_select', selected_user: ADA } },
        [UI.blocks.due]: { [UI.input]: { type: 'datepicker', selected_date: '2026-12-14' } },
        [UI.blocks.product]: { [UI.input]: { type: 'static_select', selected_option: null } },
      },
    });
    expect(r.status).toBe(200);
    const confirmation = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > submitted && c.params['channel'] === REVIEW && c.params['thread_ts'] === ts,
    );
    expect(String(confirmation.params['text'])).toContain('Allocate the Amazon EC2 spend');
    // The creator's Home tab is refreshed after the confirmation: wait for it, so it is this test's.
    await t.fake.waitFor('views.publish', (c) => c.seq > submitted && c.params['user_id'] === ADA);
    const items = await t.db.db.selectFrom('actionItem').selectAll().execute();
    expect(items.map((i) => [i.title, i.productLine, i.sourceChannel, i.sourceTs, i.ownerId])).toEqual([
      [
        'Allocate the Amazon EC2 spend of AWS sub-account 333333333333 ($140 unallocated in the week of 2026-11-30)',
        null,
        REVIEW,
        ts,
        ADA,
      ],
    ]);
  });

  it('a dry run of the next week says what it would post and posts nothing', async () => {
    clock = new Date('2026-12-14T08:00:00Z');
    const before = lastSeq();
    const outcome = await runJob(allocationHygieneJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: true,
    });
    expect(outcome.status).toBe('dry-run');
    const summary = outcome.status === 'dry-run' ? (outcome.result?.summary ?? '') : '';
    // Week 7–13 December: only the 5,000 of EC2 on the 7th, all unallocated.
    expect(summary.split('\n')[0]).toBe(
      'would post the allocation hygiene of the week of 2026-12-07 (100.0% USD unallocated, 1 line(s) to tag):',
    );
    expect(t.fake.calls.filter(since(before))).toEqual([]);
  });
});

describe.each(backends())('finops jobs run allocation-hygiene --dry-run on %s', (backend) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-hygiene-'));
  const configPath = path.join(dir, 'finops.yml');
  writeFileSync(configPath, JOBS_TEST_CONFIG);
  let url: string | undefined;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const db = await createTestDb('postgres');
      url = db.url;
      close = db.close;
    }
  });
  afterAll(async () => {
    await close?.();
  });

  it('prints the post it would make; nothing is claimed', async () => {
    const out: string[] = [];
    const io: CliIo = { isTty: false, stdout: (s) => out.push(s), stderr: (s) => out.push(`ERR ${s}`) };
    const env = {
      FINOPS_CONFIG: configPath,
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      ...(url ? { DATABASE_URL: url } : {}),
    };
    const ctx = createCliContext(env, io, () => new Date('2026-12-07T08:00:00Z'));
    try {
      const db: Db = (await ctx.services()).db;
      await insertCostRows(db, HYGIENE_ROWS);
      const code = await runJobsCommand(
        ctx,
        ['run', 'allocation-hygiene', '--at', '2026-12-07T09:00', '--dry-run'],
        JOBS,
      );
      expect(code).toBe(0);
      const text = out.join('');
      expect(text.split('\n').slice(0, 2)).toEqual([
        'allocation-hygiene 2026-W50: dry run (nothing claimed, nothing posted)',
        'would post the allocation hygiene of the week of 2026-11-30 (21.3% USD unallocated, 3 line(s) to tag):',
      ]);
      expect(text).toContain('Amazon EC2');
      expect(text).toContain('stats: week=2026-11-30, lines=3, unallocatedPct=21.3, posted=0');
      expect(await db.selectFrom('jobRun').selectAll().execute()).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
