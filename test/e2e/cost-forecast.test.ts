/**
 * Forecast against actual end to end, on each backend: cost rows in the database, the mid-month
 * job run through the runner at 09:00 on 15 December (Berlin) with an injected clock, alerts going
 * through the real gateway to the fake Slack, the forecasts stored; then the rest of December
 * ingested and the January review showing each forecast against the actual. Hand-worked:
 *   checkout: EC2 80 a day in November, 100 a day 1–14 December but 1,000 on the 5th; S3 10 a day
 *     → November 2,700; window 17 Nov – 14 Dec: 14 × 90, 13 × 110, 1 × 1,010 → median 100;
 *     month to date 13 × 110 + 1,010 = 2,440; forecast 2,440 + 100 × 17 = 4,140: +1,440 (+53.3 %)
 *     → an alert in #team-payments; drivers EC2 3,830 vs 2,400 (+1,430), S3 310 vs 300 (+10).
 *   search-ai: Bedrock 100 a day → forecast 1,400 + 100 × 17 = 3,100 vs 3,000 (+3.3 %): no alert.
 *   unallocated Support 10 a day. Organisation: window 14 × 200, 13 × 220, 1 × 1,120 → median 210;
 *     month to date 13 × 220 + 1,120 = 3,980; forecast 3,980 + 210 × 17 = 7,550.
 *   The rest of December as before: actual checkout 2,440 + 17 × 110 = 4,310 (+170, +4.1 %),
 *   search-ai 3,100 (0), organisation 3,980 + 17 × 220 = 7,720 (+170, +2.3 %).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMonthForecasts } from '../../src/db/repos/cost-forecasts.ts';
import { costForecastJob } from '../../src/jobs/cost-forecast.ts';
import { monthlyReviewJob } from '../../src/jobs/monthly-review.ts';
import { runJob } from '../../src/jobs/runner.ts';
import { addDays } from '../../src/lib/dates.ts';
import { forecastAccuracy } from '../../src/services/forecast.ts';
import type { FakeMessage, RecordedCall } from '../fakes/fake-slack.ts';
import { type CostRowSpec, insertCostRows } from '../support/anomaly-cost.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const PAYMENTS = 'C0PAYMENT1';
const SEARCH = 'C0SEARCH01';
const REVIEW = 'C0REVIEW01';

/** `spec` on each day from `from` to `to` inclusive, with per-day overrides of the cost. */
function days(
  from: string,
  to: string,
  spec: Omit<CostRowSpec, 'day'> & { cost: number },
  at: Record<string, number> = {},
): CostRowSpec[] {
  const out: CostRowSpec[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push({ ...spec, day: d, cost: at[d] ?? spec.cost });
  return out;
}

const ec2 = { productLine: 'checkout', service: 'Amazon EC2' };
const s3 = { productLine: 'checkout', service: 'Amazon S3', cost: 10 };
const bedrock = { productLine: 'search-ai', service: 'Amazon Bedrock', cost: 100 };
const support = { productLine: null, service: 'AWS Support', cost: 10 };

const UNTIL_14TH: CostRowSpec[] = [
  ...days('2026-11-01', '2026-11-30', { ...ec2, cost: 80 }),
  ...days('2026-12-01', '2026-12-14', { ...ec2, cost: 100 }, { '2026-12-05': 1000 }),
  ...[s3, bedrock, support].flatMap((s) => days('2026-11-01', '2026-12-14', s)),
];
const REST_OF_DECEMBER: CostRowSpec[] = [{ ...ec2, cost: 100 }, s3, bedrock, support].flatMap((s) =>
  days('2026-12-15', '2026-12-31', s),
);

describe.each(backends())('forecast against actual on %s', (backend) => {
  let t: TestApp;
  let clock = new Date('2026-12-15T08:00:00Z'); // 09:00 on the 15th in Berlin

  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => clock });
    await insertCostRows(t.db.db, UNTIL_14TH);
  });
  afterAll(async () => {
    await t?.close();
  });

  const lastSeq = () => t.fake.calls.at(-1)?.seq ?? 0;
  const since = (seq: number) => (c: RecordedCall) => c.seq > seq;

  it('on the 15th stores every forecast and alerts only the team heading over last month, once', async () => {
    const before = lastSeq();
    const outcome = await runJob(costForecastJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: false,
    });
    expect(outcome.status, outcome.message).toBe('succeeded');
    expect(outcome.periodKey).toBe('2026-12');
    const posts = t.fake.callsTo('chat.postMessage').filter(since(before));
    expect(posts.map((c) => [c.params['channel'], c.params['text']])).toEqual([
      [
        PAYMENTS,
        'Cost forecast: Checkout is heading for $4,140 in December 2026, +$1,440 (+53.3%) on November 2026 ($2,700).',
      ],
    ]);
    const alert = t.fake.messages(PAYMENTS).at(-1);
    expect(blocksOf(alert)).toContain(
      '*What drives it* (services with the largest increase):\\n• Amazon EC2: forecast $3,830 vs $2,400 (+$1,430)\\n• Amazon S3: forecast $310 vs $300 (+$10)',
    );
    expect(blocksOf(alert)).toContain('*Month to date*\\n$2,440 (14 days, through 2026-12-14)');
    expect(blocksOf(alert)).toContain('*Median daily cost*\\n$100 (2026-11-17 to 2026-12-14)');
    expect(t.fake.messages(SEARCH)).toEqual([]);

    const stored = await readMonthForecasts(t.db.db, '2026-12');
    expect(
      stored.map((s) => [
        s.productLine,
        s.forecast,
        s.monthToDate,
        s.medianDaily,
        s.daysLeft,
        s.lastMonthActual,
      ]),
    ).toEqual([
      [null, 7550, 3980, 210, 17, 6000],
      ['checkout', 4140, 2440, 100, 17, 2700],
      ['search-ai', 3100, 1400, 100, 17, 3000],
    ]);
    expect(stored[1]).toMatchObject({
      madeOn: '2026-12-15',
      throughDay: '2026-12-14',
      windowFrom: '2026-11-17',
      currency: 'USD',
      costMetric: 'EffectiveCost',
    });

    const again = await runJob(costForecastJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: new Date('2026-12-16T08:00:00Z'),
      dryRun: false,
    });
    expect(again.status).toBe('skipped');
    expect(t.fake.callsTo('chat.postMessage').filter(since(before))).toHaveLength(1);
  });

  it('the January review shows each forecast against the actual, in the parent and the replies', async () => {
    await insertCostRows(t.db.db, REST_OF_DECEMBER);
    expect(await forecastAccuracy(t.db.db, t.deps.config, '2026-12')).toEqual({
      month: '2026-12',
      currency: 'USD',
      costMetric: 'EffectiveCost',
      madeOn: '2026-12-15',
      org: { forecast: 7550, actual: 7720, variance: 170, variancePct: (170 / 7550) * 100 },
      productLines: [
        {
          productLine: 'checkout',
          forecast: 4140,
          actual: 4310,
          variance: 170,
          variancePct: (170 / 4140) * 100,
        },
        { productLine: 'search-ai', forecast: 3100, actual: 3100, variance: 0, variancePct: 0 },
      ],
    });
    expect(await forecastAccuracy(t.db.db, t.deps.config, '2026-11')).toMatchObject({
      madeOn: null,
      org: null,
      productLines: [],
    });

    clock = new Date('2027-01-02T08:00:00Z');
    const outcome = await runJob(monthlyReviewJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: false,
    });
    expect(outcome.status, outcome.message).toBe('succeeded');
    const parent = t.fake
      .messages(REVIEW)
      .find((m) => m.threadTs === undefined && m.text?.includes('December 2026'));
    expect(blocksOf(parent)).toContain(
      '*Forecast accuracy (cloud + AI):* forecast $7,550 (made 2026-12-15) · actual $7,720 · variance +$170 (+2.3%)',
    );
    const replies = t.fake.messages(REVIEW).filter((m) => m.threadTs === parent?.ts);
    expect(blocksOf(replies.find((m) => m.text?.startsWith('Checkout')))).toContain(
      '*Forecast accuracy (cloud + AI):* forecast $4,140 (made 2026-12-15) · actual $4,310 · variance +$170 (+4.1%)',
    );
    expect(blocksOf(replies.find((m) => m.text?.startsWith('Search AI')))).toContain(
      '*Forecast accuracy (cloud + AI):* forecast $3,100 (made 2026-12-15) · actual $3,100 · variance $0 (0.0%)',
    );
  });

  it('a dry run forecasts and says what it would post, storing and posting nothing', async () => {
    // January so far: checkout's EC2 at 300 a day, nothing else. Window 18 Dec – 14 Jan: checkout
    // 14 × 110, 14 × 300 → median 205, forecast 4,200 + 205 × 17 = 7,685 (vs 4,310: an alert);
    // organisation 14 × 220, 14 × 300 → median 260, forecast 4,200 + 260 × 17 = 8,620.
    await insertCostRows(t.db.db, days('2027-01-01', '2027-01-14', { ...ec2, cost: 300 }));
    clock = new Date('2027-01-15T08:00:00Z');
    const before = lastSeq();
    const outcome = await runJob(costForecastJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: true,
    });
    expect(outcome.status).toBe('dry-run');
    const summary = outcome.status === 'dry-run' ? (outcome.result?.summary ?? '') : '';
    expect(summary.split('\n')[0]).toBe(
      'would store the forecast of 2027-01 from cost through 2027-01-14: organisation 8620.00 USD, 2 product line(s); would post 1 alert(s)',
    );
    expect(summary).toContain('── alert:checkout → #team-payments');
    expect(summary).toContain('*Forecast*: $7,685');
    // EC2: December 2,300 + 17 × 100 = 4,000; January window 14 × 100, 14 × 300 → 200; 4,200 + 200 × 17.
    expect(summary).toContain('• Amazon EC2: forecast $7,600 vs $4,000 (+$3,600)');
    expect(t.fake.calls.filter(since(before))).toEqual([]);
    expect(await readMonthForecasts(t.db.db, '2027-01')).toEqual([]);
  });
});

describe.each(backends())('forecast alerts, each isolated, on %s', (backend) => {
  let t: TestApp;
  const at = new Date('2026-12-15T08:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => at });
    // Both product lines: 100 a day in November (3,000), 200 a day 1–14 December → median 150,
    // forecast 2,800 + 150 × 17 = 5,350 (+78.3 %).
    await insertCostRows(t.db.db, [
      ...[ec2, bedrock].flatMap((s) => days('2026-11-01', '2026-11-30', { ...s, cost: 100 })),
      ...[ec2, bedrock].flatMap((s) => days('2026-12-01', '2026-12-14', { ...s, cost: 200 })),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a refused alert fails only itself; the re-run posts only what is missing', async () => {
    // The bot is not in #team-payments (yet): Slack refuses the first post, checkout's alert.
    t.fake.queueError('chat.postMessage', 'not_in_channel', { times: 1 });
    const first = await runJob(costForecastJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at,
      dryRun: false,
    });
    expect(first.status).toBe('failed');
    expect(first.status === 'failed' && first.error).toBe('checkout in #team-payments: not_in_channel');
    expect(t.fake.messages(PAYMENTS)).toEqual([]);
    expect(t.fake.messages(SEARCH).map((m) => m.text)).toEqual([
      'Cost forecast: Search AI is heading for $5,350 in December 2026, +$2,350 (+78.3%) on November 2026 ($3,000).',
    ]);
    // The forecasts are stored even though an alert failed.
    expect((await readMonthForecasts(t.db.db, '2026-12')).map((s) => [s.productLine, s.forecast])).toEqual([
      [null, 10700],
      ['checkout', 5350],
      ['search-ai', 5350],
    ]);

    // The bot invited, the failed run is taken over: checkout's alert is posted, search-ai's is not
    // sent again.
    const second = await runJob(costForecastJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at,
      dryRun: false,
    });
    expect(second.status, second.message).toBe('succeeded');
    expect(second.status === 'succeeded' && second.takeover).toBe('failed');
    expect(t.fake.messages(PAYMENTS).map((m) => m.text)).toEqual([
      'Cost forecast: Checkout is heading for $5,350 in December 2026, +$2,350 (+78.3%) on November 2026 ($3,000).',
    ]);
    expect(t.fake.messages(SEARCH)).toHaveLength(1);
  });
});

function blocksOf(m: FakeMessage | undefined): string {
  return JSON.stringify(m?.blocks ?? []);
}
