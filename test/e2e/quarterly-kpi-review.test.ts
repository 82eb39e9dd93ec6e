/**
 * The quarterly KPI review end to end: the real app (Bolt, the gateway over Bolt's WebClient)
 * against the fake Slack and a fresh database per test, the job run through the runner as the
 * scheduler and `finops jobs run` do, with the clock injected. Numbers: test/support/kpi-seed.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listPostedMessages } from '../../src/db/repos/posted-messages.ts';
import { quarterlyKpiReviewJob } from '../../src/jobs/quarterly-kpi-review.ts';
import { runJob } from '../../src/jobs/runner.ts';
import type { FakeMessage } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { seedKpiQuarter } from '../support/kpi-seed.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const REVIEW = 'C0REVIEW01';
/** 09:00 on Thursday 1 October 2026 in Berlin: the first working day of Q4, so Q3 is reviewed. */
const AT = new Date('2026-10-01T07:00:00Z');

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(backend: 'pglite' | 'postgres'): Promise<TestApp> {
  t = await startTestApp({ backend, now: () => AT });
  await seedKpiQuarter(t.db.db);
  return t;
}

/** The replies' fallback texts, in thread order (capability order). */
const REPLY_TEXTS = [
  'Cost allocation: walk.',
  'Forecasting: walk.',
  'Commitment discounts: walk.',
  'Waste: crawl.',
  'Anomaly management: run.',
  'Unit economics: walk.',
  'Accountability (action log): walk.',
];

const run = (app: TestApp, at = AT, dryRun = false) =>
  runJob(quarterlyKpiReviewJob, { deps: app.deps, messenger: app.app.gateway, at, dryRun });

const sectionTexts = (m: FakeMessage) =>
  ((m.blocks ?? []) as Array<{ type: string; text?: { text: string } }>)
    .filter((b) => b.type === 'section')
    .map((b) => b.text?.text);

describe.each(backends())('quarterly KPI review on %s', (backend) => {
  it('posts the parent with each capability’s stage and the focus, then one reply per capability with its trend', async () => {
    const app = await start(backend);
    const outcome = await run(app);
    expect(outcome.status, outcome.message).toBe('succeeded');
    expect(outcome.periodKey).toBe('2026-Q3');

    const top = app.fake.messages(REVIEW).filter((m) => m.threadTs === undefined);
    expect(top).toHaveLength(1);
    const parent = top[0] as FakeMessage;
    expect(parent.text).toBe('FinOps KPI review — Q3 2026: suggested focus Waste.');
    expect(parent.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'FinOps KPI review — Q3 2026', emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: [
            '*Where each capability stands* (Jul–Sep, crawl / walk / run):',
            '• *Cost allocation*: *walk* — allocation coverage 90.6% (run at ≥ 95.0%)',
            '• *Forecasting*: *walk* — forecast error 13.6% (run at ≤ 12.0%)',
            '• *Commitment discounts*: *walk* — commitment coverage 74.1% (run at ≥ 80.0%), commitment utilisation 90.9% (run at ≥ 95.0%)',
            '• *Waste*: *crawl* — waste (unused commitments) 6.3% (walk at ≤ 5.0%)',
            '• *Anomaly management*: *run* — anomaly median time to detect 13.5 h, anomaly median time to resolve 65.0 h',
            '• *Unit economics*: *walk* — unit cost coverage 89.7% (run at ≥ 90.0%)',
            '• *Accountability (action log)*: *walk* — action completion rate 50.0% (run at ≥ 80.0%)',
          ].join('\n'),
        },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Suggested focus for Q4 2026:* Waste (at crawl): waste (unused commitments) is 6.3%; walk at ≤ 5.0%.',
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'One reply per capability below, each KPI month by month. Stages: the thresholds in docs/methodology.md, judged on the quarter’s value.',
          },
          {
            type: 'mrkdwn',
            text: '`finops kpis --quarter 2026-Q3 --json` prints every KPI’s definition and inputs.',
          },
        ],
      },
    ]);

    const thread = app.fake.messages(REVIEW).filter((m) => m.threadTs === parent.ts);
    expect(thread.map((m) => m.text)).toEqual(REPLY_TEXTS);
    expect(thread.map(sectionTexts)).toEqual([
      ['*Cost allocation* — walk\n*Allocation coverage:* Jul 81.8% → Aug 90.0% → Sep 100.0% · quarter 90.6%'],
      ['*Forecasting* — walk\n*Forecast error:* Jul 10.0% → Aug 16.7% → Sep — · quarter 13.6%'],
      [
        [
          '*Commitment discounts* — walk',
          '*Commitment coverage:* Jul 66.7% → Aug 75.0% → Sep 80.0% · quarter 74.1%',
          '• AWS (USD): coverage Jul 66.7% → Aug 75.0% → Sep 80.0%; utilisation Jul 85.7% → Aug 85.7% → Sep 100.0%',
          '*Commitment utilisation:* Jul 85.7% → Aug 85.7% → Sep 100.0% · quarter 90.9%',
        ].join('\n'),
      ],
      [
        [
          '*Waste* — crawl',
          '*Waste (unused commitments):* Jul 9.1% → Aug 10.0% → Sep 0.0% · quarter 6.3%',
          '• unused commitment cost: Jul $100 → Aug $100 → Sep $0',
        ].join('\n'),
      ],
      [
        [
          '*Anomaly management* — run',
          '*Anomaly median time to detect:* Jul 7.0 h → Aug 20.0 h → Sep — · quarter 13.5 h',
          '*Anomaly median time to resolve:* Jul 30.0 h → Aug 100.0 h → Sep — · quarter 65.0 h',
          '*Anomaly median time to acknowledge:* Jul 2.5 h → Aug — → Sep — · quarter 2.5 h',
        ].join('\n'),
      ],
      [
        [
          '*Unit economics* — walk',
          '*Unit cost coverage:* Jul 88.9% → Aug 88.9% → Sep 90.9% · quarter 89.7%',
          '• Checkout: unit cost Jul $0.8 → Aug $0.8 → Sep $1',
        ].join('\n'),
      ],
      [
        '*Accountability (action log)* — walk\n*Action completion rate:* Jul 50.0% → Aug 100.0% → Sep 0.0% · quarter 50.0%',
      ],
    ]);

    const recorded = await listPostedMessages(app.db.db, 'kpi-review:2026-Q3');
    expect(recorded.map((r) => r.key)).toEqual([
      'parent',
      'capability:allocation',
      'capability:forecasting',
      'capability:commitments',
      'capability:waste',
      'capability:anomalies',
      'capability:unit-economics',
      'capability:accountability',
    ]);
    expect(recorded.every((r) => r.ts !== null && r.ts !== '')).toBe(true);
  });

  it('the later daily ticks of the first week post nothing, nor does a re-run past the period guard', async () => {
    const app = await start(backend);
    expect((await run(app)).status).toBe('succeeded');
    const before = app.fake.calls.length;
    const nextDay = await run(app, new Date('2026-10-02T07:00:00Z'));
    expect(nextDay.status).toBe('skipped');
    expect(nextDay.periodKey).toBe('2026-Q3');
    await app.db.db.deleteFrom('jobRun').execute();
    const again = await run(app);
    expect(again.status).toBe('succeeded');
    expect(again.status === 'succeeded' && again.result.stats).toMatchObject({ posted: 0, already: 8 });
    expect(app.fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('before the first working day it waits without posting; on that Monday it posts', async () => {
    const app = await start(backend);
    // 1 January 2028 is a Saturday: the first working day of 2028-Q1 is Monday 3 January.
    const saturday = await run(app, new Date('2028-01-01T08:00:00Z'));
    expect(saturday.status, saturday.message).toBe('succeeded');
    expect(saturday.periodKey).toBe('2027-Q4:before-2028-01-03:2028-01-01');
    expect(saturday.status === 'succeeded' && saturday.result.summary).toBe(
      'not the first working day of the quarter yet (that is 2028-01-03): the review of 2027-Q4 waits',
    );
    expect(app.fake.messages(REVIEW)).toEqual([]);
    const monday = await run(app, new Date('2028-01-03T08:00:00Z'));
    expect(monday.status, monday.message).toBe('succeeded');
    expect(monday.periodKey).toBe('2027-Q4');
    const [parent] = app.fake.messages(REVIEW);
    expect(parent?.text).toBe('FinOps KPI review — Q4 2027: nothing measured.');
    expect(sectionTexts(parent as FakeMessage)[1]).toBe(
      '*Suggested focus for Q1 2028:* No capability had data this quarter, so there is no focus to suggest.',
    );
  });

  it('a run that fails part-way stops there and is taken over by the next day’s tick, which posts only what is missing, in order', async () => {
    const app = await start(backend);
    // The parent and two replies go through; Slack then refuses the third reply.
    const queued = app.fake.waitForCount('chat.postMessage', 3).then(() => {
      app.fake.queueError('chat.postMessage', 'fatal_error');
    });
    const first = await run(app);
    await queued;
    expect(first.status).toBe('failed');
    expect(first.status === 'failed' && first.error).toMatch(
      /^1 message\(s\) not posted: capability:commitments \(fatal_error\)/,
    );
    const next = await run(app, new Date('2026-10-02T07:00:00Z'));
    expect(next.status, next.message).toBe('succeeded');
    expect(next.status === 'succeeded' && next.result.stats).toMatchObject({
      posted: 5,
      already: 3,
      failed: 0,
    });
    const parent = app.fake.messages(REVIEW).filter((m) => m.threadTs === undefined);
    expect(parent).toHaveLength(1);
    const thread = app.fake.messages(REVIEW).filter((m) => m.threadTs === parent[0]?.ts);
    expect(thread.map((m) => m.text)).toEqual(REPLY_TEXTS);
  });

  it('a dry run renders every message and posts nothing', async () => {
    const app = await start(backend);
    const outcome = await run(app, AT, true);
    expect(outcome.status).toBe('dry-run');
    expect(outcome.status === 'dry-run' && outcome.result?.summary).toMatch(
      /^KPI review of 2026-Q3: would post 8 message\(s\)\n── Q3 2026 KPI review → #finops-review\n/,
    );
    expect(app.fake.messages(REVIEW)).toEqual([]);
  });
});
