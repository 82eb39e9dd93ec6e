/**
 * The anomaly loop end to end: the daily job detects and alerts through the real app against the
 * fake Slack, people triage with signed button clicks and a modal, and the KPIs come out of an
 * injected clock. One organisation, three days, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnomaly, listAnomalies } from '../../src/db/repos/anomalies.ts';
import { detectAnomaliesJob } from '../../src/jobs/detect-anomalies.ts';
import { readOnlyMessenger } from '../../src/jobs/runner.ts';
import {
  anomalyMonthKpis,
  anomalyResponseTimes,
  falsePositiveRates,
} from '../../src/services/anomaly-kpis.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_ID } from '../../src/slack/ids.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { type CostRowSpec, daily, insertCostRows, oct } from '../support/anomaly-cost.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const PAYMENTS = 'C0PAYMENT1';
const REVIEW = 'C0REVIEW01';
const WAIT = 30_000;

/** October 1–15: five series with a spike on the 15th, one with two spikes, one long past. */
const FIRST_FORTNIGHT: CostRowSpec[] = [
  ...daily(1, 15, { cost: 100, service: 'Amazon EC2' }, { 15: 400 }), // +300
  ...daily(1, 15, { cost: 100, service: 'AWS Lambda' }, { 13: 300, 15: 320 }), // +200 on the 13th, +220 on the 15th
  ...daily(1, 15, { cost: 100, service: 'Amazon S3' }, { 15: 250 }), // +150
  ...daily(1, 15, { cost: 100, service: 'Amazon RDS' }, { 15: 200 }), // +100: over the cap of 3
  ...daily(1, 15, { cost: 100, service: 'Amazon EBS' }, { 9: 500 }), // a week old: recorded, not alerted
  ...daily(1, 15, { cost: 100, productLine: 'search-ai', service: 'Amazon Bedrock' }, { 15: 600 }), // +500
  ...daily(
    1,
    15,
    { cost: 50, productLine: null, service: 'AWS Data Transfer', subAccount: null, region: null },
    { 15: 130 },
  ), // +80
];

const dayRows = (n: number, at: Record<string, number>): CostRowSpec[] =>
  [
    ['checkout', 'Amazon EC2', 100],
    ['checkout', 'AWS Lambda', 100],
    ['checkout', 'Amazon S3', 100],
    ['checkout', 'Amazon RDS', 100],
    ['checkout', 'Amazon EBS', 100],
    ['search-ai', 'Amazon Bedrock', 100],
  ]
    .map(([productLine, service, cost]) => ({
      day: oct(n),
      productLine: productLine as string,
      service: service as string,
      cost: at[service as string] ?? (cost as number),
    }))
    .concat([
      {
        day: oct(n),
        productLine: null as unknown as string,
        service: 'AWS Data Transfer',
        cost: 50,
        subAccount: null,
        region: null,
      } as never,
    ]);

type Block = {
  type: string;
  text?: { text: string };
  elements?: Array<{ action_id?: string; text?: string | { text: string } }>;
};

describe.each(backends())('cost anomaly alerts and triage through the Slack app on %s', (backend) => {
  let t: TestApp;
  let clock = new Date('2026-10-16T07:30:00Z');
  const ids: Record<string, number> = {};
  const ts: Record<string, string> = {};

  const runJob = () =>
    detectAnomaliesJob.run({
      deps: t.deps,
      messenger: t.app.gateway,
      at: clock,
      dryRun: false,
      periodKey: clock.toISOString().slice(0, 10),
    });
  const alertsIn = (channel: string) =>
    t.fake.messages(channel).filter((m) => m.via === 'chat.postMessage' && m.threadTs === undefined);
  const updateOf = (channel: string, messageTs: string, after: number): Promise<RecordedCall> =>
    t.fake.waitFor(
      'chat.update',
      (c) => c.seq > after && c.params['channel'] === channel && c.params['ts'] === messageTs,
      WAIT,
    );
  const lastSeq = () => t.fake.calls.at(-1)?.seq ?? 0;
  const click = (actionId: string, service: string, userId: string, channelId = PAYMENTS) =>
    t.slack.buttonClick({
      actionId,
      value: String(ids[service]),
      channelId,
      messageTs: ts[service] as string,
      isEphemeral: false,
      userId,
    });

  beforeAll(async () => {
    t = await startTestApp({
      backend,
      now: () => clock,
      config: {
        // search owns search-ai but has no channel: its alerts go to the review channel with a note
        teams: [{ id: 'payments', channel: '#team-payments' }, { id: 'search' }],
        anomalies: { max_alerts_per_channel_per_day: 3 },
      },
    });
    await insertCostRows(t.db.db, FIRST_FORTNIGHT);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('day 1: alerts the owning team, largest first, within the caps, and summarises the rest', async () => {
    const r = await runJob();
    expect(r.stats).toMatchObject({
      detected: 8,
      new: 8,
      alerted: 5,
      summarised: 1,
      notAlertedStale: 1, // EBS on the 9th
      notAlertedSeriesToday: 1, // Lambda's spike of the 13th: its series got the alert of the 15th
      alertFailures: 0,
    });
    for (const a of await listAnomalies(t.db.db)) {
      const key = a.service === 'AWS Lambda' ? `AWS Lambda ${a.firstDay}` : a.service;
      ids[key] = a.id;
      if (a.messageTs) ts[key] = a.messageTs;
    }
    ids['AWS Lambda'] = ids[`AWS Lambda ${oct(15)}`] as number;
    ts['AWS Lambda'] = ts[`AWS Lambda ${oct(15)}`] as string;

    const payments = alertsIn(PAYMENTS);
    expect(payments.map((m) => m.text?.split(' cost ')[0])).toEqual([
      'Cost anomaly: Checkout · Amazon EC2',
      'Cost anomaly: Checkout · AWS Lambda',
      'Cost anomaly: Checkout · Amazon S3',
      '1 more',
    ]);
    expect(payments[3]?.text).toBe("1 more cost anomaly today, over this channel's 3 alerts a day");
    expect(JSON.stringify(payments[3]?.blocks)).toContain(
      '*Checkout · Amazon RDS*: 200.00 USD against 100.00 USD expected (+100.00 USD), since 2026-10-15',
    );
    const ec2 = payments[0];
    expect(ec2?.text).toBe(
      'Cost anomaly: Checkout · Amazon EC2 cost 400.00 USD on 2026-10-15 (expected 100.00 USD, +300.00 USD, +300.0%) — open',
    );
    expect(((ec2?.blocks ?? []) as Block[]).at(-1)?.elements?.map((e) => e.action_id)).toEqual([
      ACTION_IDS.anomalyAcknowledge,
      ACTION_IDS.anomalyExpected,
      ACTION_IDS.anomalyToAction,
      ACTION_IDS.anomalyResolve,
    ]);

    const review = alertsIn(REVIEW);
    expect(review.map((m) => m.text?.split(' cost ')[0])).toEqual([
      'Cost anomaly: Search AI · Amazon Bedrock',
      'Cost anomaly: Unallocated · AWS Data Transfer',
    ]);
    expect(JSON.stringify(review[0]?.blocks)).toContain(
      'Team \\"search\\" (owner of Search AI) has no channel in finops.yml, so this alert is posted here',
    );
    expect(JSON.stringify(review[1]?.blocks)).toContain('Unallocated spend (no product line claims it)');

    const ebs = await getAnomaly(t.db.db, ids['Amazon EBS'] as number);
    expect(ebs).toMatchObject({ firstDay: oct(9), status: 'open', alertedAt: null, channelId: null });
    const stored = await getAnomaly(t.db.db, ids['Amazon EC2'] as number);
    expect(stored).toMatchObject({
      channelId: PAYMENTS,
      alertedAt: clock,
      detectedAt: clock,
      notifiedLastDay: oct(15),
    });

    // the same day again (a re-run): nothing new is posted
    const before = t.fake.callsTo('chat.postMessage').length;
    const again = await runJob();
    expect(again.stats).toMatchObject({ new: 0, alerted: 0, summarised: 1 });
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(before);
  });

  it('Acknowledge updates the alert in place with who and when', async () => {
    clock = new Date('2026-10-16T09:00:00Z');
    const after = lastSeq();
    const { res } = await click(ACTION_IDS.anomalyAcknowledge, 'Amazon EC2', 'U0ADA00001');
    expect(res.status).toBe(200);
    const update = await updateOf(PAYMENTS, ts['Amazon EC2'] as string, after);
    const blocks = update.params['blocks'] as Block[];
    expect(JSON.stringify(blocks)).toContain(':eyes: Acknowledged by <@U0ADA00001> <!date^1792141200^');
    expect(JSON.stringify(blocks)).toContain('Status: *acknowledged*');
    expect(blocks.at(-1)?.elements?.map((e) => e.action_id)).not.toContain(ACTION_IDS.anomalyAcknowledge);
    expect(await getAnomaly(t.db.db, ids['Amazon EC2'] as number)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'U0ADA00001',
      acknowledgedAt: clock,
    });
    const audit = await t.db.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('subject', '=', `anomaly:${ids['Amazon EC2']}`)
      .execute();
    expect(audit.map((a) => [a.actor, a.kind])).toEqual([['U0ADA00001', 'anomaly.acknowledged']]);
  });

  it('Expected records a false positive and pauses the series for expected_suppress_days', async () => {
    clock = new Date('2026-10-16T10:00:00Z');
    const after = lastSeq();
    await click(ACTION_IDS.anomalyExpected, 'Amazon S3', 'U0GRACE001');
    const update = await updateOf(PAYMENTS, ts['Amazon S3'] as string, after);
    expect(JSON.stringify(update.params['blocks'])).toContain(
      'Marked expected (a false positive) by <@U0GRACE001> <!date^1792144800^{date_short_pretty} at {time}|2026-10-16 10:00 UTC>; alerts for this service paused until 2026-10-23',
    );
    expect(await getAnomaly(t.db.db, ids['Amazon S3'] as number)).toMatchObject({
      status: 'expected',
      expectedBy: 'U0GRACE001',
      expectedAt: clock,
      suppressedUntil: '2026-10-23',
      // the first response counts as the acknowledgement
      acknowledgedAt: clock,
    });
  });

  it('Resolve asks for a one-line cause in a modal, refuses an empty one, then updates the alert', async () => {
    clock = new Date('2026-10-16T11:00:00Z');
    const after = lastSeq();
    await click(ACTION_IDS.anomalyResolve, 'Amazon Bedrock', 'U0LINUS001', REVIEW);
    const opened = await t.fake.waitFor('views.open', (c) => c.seq > after, WAIT);
    const view = opened.params['view'] as {
      callback_id: string;
      private_metadata: string;
    };
    expect(view.callback_id).toBe(CALLBACK_IDS.anomalyResolveModal);
    expect(view.private_metadata).toBe(String(ids['Amazon Bedrock']));

    const submit = (cause: string) =>
      t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.anomalyResolveModal,
        privateMetadata: view.private_metadata,
        userId: 'U0LINUS001',
        values: {
          [BLOCK_IDS.anomalyCause]: { [INPUT_ACTION_ID]: { type: 'plain_text_input', value: cause } },
        },
      });
    const empty = await submit('   ');
    expect(await empty.json()).toEqual({
      response_action: 'errors',
      errors: { [BLOCK_IDS.anomalyCause]: 'Say in one line what caused the anomaly.' },
    });
    expect((await getAnomaly(t.db.db, ids['Amazon Bedrock'] as number))?.status).toBe('open');

    const ok = await submit('Catalog re-index\nran twice');
    expect(ok.status).toBe(200);
    const update = await updateOf(REVIEW, ts['Amazon Bedrock'] as string, after);
    expect(JSON.stringify(update.params['blocks'])).toContain('Resolved by <@U0LINUS001>');
    expect(JSON.stringify(update.params['blocks'])).toContain('_Catalog re-index ran twice_');
    expect(await getAnomaly(t.db.db, ids['Amazon Bedrock'] as number)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'U0LINUS001',
      resolvedAt: clock,
      cause: 'Catalog re-index ran twice',
      acknowledgedAt: clock,
    });

    // a second Resolve on a resolved anomaly is refused to the clicker, nothing else happens
    const before = lastSeq();
    await click(ACTION_IDS.anomalyResolve, 'Amazon Bedrock', 'U0ADA00001', REVIEW);
    const refusal = await t.fake.waitFor('chat.postEphemeral', (c) => c.seq > before, WAIT);
    expect(refusal.params['user']).toBe('U0ADA00001');
    expect(String(refusal.params['text'])).toBe('This anomaly is resolved already.');
  });

  it("Create action item opens the action log's modal, prefilled from the anomaly", async () => {
    const after = lastSeq();
    await click(ACTION_IDS.anomalyToAction, 'Amazon EC2', 'U0ADA00001');
    const opened = await t.fake.waitFor('views.open', (c) => c.seq > after, WAIT);
    const view = opened.params['view'] as { callback_id: string };
    expect(view.callback_id).toBe(CALLBACK_IDS.actionItemModal);
    const json = JSON.stringify(view);
    expect(json).toContain('Find the cause of the Amazon EC2 cost increase since 2026-10-15');
    expect(json).toContain('From the cost anomaly');
    // one listener answers the click: no "not available" note alongside the modal
    expect(t.fake.callsTo('chat.postEphemeral').filter((c) => c.seq > after)).toEqual([]);
  });

  it('day 2: an ongoing anomaly gets a thread reply and its alert updated; yesterday’s summarised one its own alert', async () => {
    clock = new Date('2026-10-17T07:30:00Z');
    await insertCostRows(t.db.db, dayRows(16, { 'Amazon EC2': 420 }));
    const after = lastSeq();
    const r = await runJob();
    expect(r.stats).toMatchObject({ new: 0, extended: 1, alerted: 1, threadReplies: 1, summarised: 0 });
    const reply = t.fake.messages(PAYMENTS).find((m) => m.threadTs === ts['Amazon EC2']);
    expect(reply?.text).toBe(
      'Checkout · Amazon EC2 is still anomalous on 2026-10-16: 420.00 USD against 100.00 USD expected',
    );
    const update = await updateOf(PAYMENTS, ts['Amazon EC2'] as string, after);
    expect(String(update.params['text'])).toContain('cost 420.00 USD on 2026-10-16');
    expect(JSON.stringify(update.params['blocks'])).toContain('Acknowledged by <@U0ADA00001>');
    expect(alertsIn(PAYMENTS).at(-1)?.text).toMatch(/^Cost anomaly: Checkout · Amazon RDS cost 200\.00 USD/);
    expect((await getAnomaly(t.db.db, ids['Amazon EC2'] as number))?.notifiedLastDay).toBe(oct(16));
  });

  it('day 3: a new anomaly of a series marked Expected is recorded as suppressed and not alerted', async () => {
    clock = new Date('2026-10-18T07:30:00Z');
    await insertCostRows(t.db.db, dayRows(17, { 'Amazon S3': 400 }));
    const posts = t.fake.callsTo('chat.postMessage').length;
    // a dry run first: reports, posts nothing, writes nothing (the runner hands it a read-only messenger)
    const dry = await detectAnomaliesJob.run({
      deps: t.deps,
      messenger: readOnlyMessenger(t.app.gateway),
      at: clock,
      dryRun: true,
      periodKey: 'dry',
    });
    expect(dry.stats).toMatchObject({ new: 1, alerted: 0, alertFailures: 0 });
    expect((await listAnomalies(t.db.db)).filter((a) => a.firstDay === oct(17))).toEqual([]);
    const r = await runJob();
    expect(r.stats).toMatchObject({ new: 1, alerted: 0, threadReplies: 0 });
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(posts);
    const s3 = (await listAnomalies(t.db.db)).filter((a) => a.service === 'Amazon S3');
    expect(s3.map((a) => [a.firstDay, a.status, a.alertedAt])).toEqual([
      [oct(17), 'suppressed', null],
      [oct(15), 'expected', new Date('2026-10-16T07:30:00Z')],
    ]);
  });

  it('computes time to detect / acknowledge / resolve and the false-positive rate from the clock', async () => {
    const kpis = await anomalyMonthKpis(t.deps, '2026-10');
    // detect: 7.5 h for the five alerted on the 16th, 31.5 h for RDS (alerted a day later), and
    // for the two never alerted the time to detection: EBS (9th) 151.5 h, Lambda (13th) 55.5 h
    expect(kpis).toEqual({
      month: '2026-10',
      count: 8,
      medianHoursToDetect: 7.5,
      // EC2 1.5 h, S3 2.5 h (Expected), Bedrock 3.5 h (Resolve)
      medianHoursToAcknowledge: 2.5,
      medianHoursToResolve: 3.5,
      alerted: 6,
      acknowledged: 3,
      resolved: 1,
      expected: 1,
      falsePositiveRatePct: (1 / 6) * 100,
      falsePositivesByProductLine: [
        { productLine: 'checkout', alerted: 4, expected: 1, ratePct: 25 },
        { productLine: 'search-ai', alerted: 1, expected: 0, ratePct: 0 },
        { productLine: null, alerted: 1, expected: 0, ratePct: 0 },
      ],
    });
    const times = await anomalyResponseTimes(t.deps, '2026-10');
    expect(times.find((x) => x.id === ids['Amazon EC2'])).toEqual({
      id: ids['Amazon EC2'],
      productLine: 'checkout',
      service: 'Amazon EC2',
      chargeDay: oct(15),
      hoursToDetect: 7.5,
      hoursToAcknowledge: 1.5,
      hoursToResolve: null,
    });
    expect((await falsePositiveRates(t.deps, 'checkout')).map((r) => r.ratePct)).toEqual([25]);
  });

  it('/finops anomalies checkout open lists what is still open, with the false-positive rate', async () => {
    const { responseUrl } = await t.slack.slashCommand({ text: 'anomalies checkout open' });
    const answer = await t.fake.waitFor(
      'response_url',
      (c) => responseUrl.endsWith(String(c.params['_key'])),
      WAIT,
    );
    const text = JSON.stringify(answer.params['blocks']);
    expect(answer.params['text']).toBe('Open cost anomalies — Checkout: 5');
    expect(text).toContain('*Checkout · Amazon EC2* 2026-10-15 → 2026-10-16: 420.00 USD against 100.00 USD');
    expect(text).toContain('— _acknowledged_ · <#C0PAYMENT1>');
    expect(text).not.toContain('Amazon S3');
    expect(text).toContain('1 of 4 alerted marked Expected (25.0% false positives)');
  });
});
