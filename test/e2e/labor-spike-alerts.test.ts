/**
 * Labour spikes end to end: the daily detection job reads the stored PagerDuty data, records each
 * spike once and alerts the owning team through the real app against the fake Slack; people
 * triage with signed button clicks and the Resolve modal; a re-run posts nothing; restated hours
 * update the alert in place. Data: test/support/labor-spike-seed.ts, plus three incidents here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnomaly, listAnomalies } from '../../src/db/repos/anomalies.ts';
import { listLaborSpikes } from '../../src/db/repos/labor-spikes.ts';
import { detectAnomaliesJob } from '../../src/jobs/detect-anomalies.ts';
import { readOnlyMessenger } from '../../src/jobs/runner.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_ID } from '../../src/slack/ids.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { daily, insertCostRows, oct } from '../support/anomaly-cost.ts';
import { backends } from '../support/db.ts';
import {
  insertIncidents,
  LABOR_PRODUCT_LINES,
  LABOR_WEEKS,
  laborSpikeIncidents,
  simpleIncident,
} from '../support/labor-spike-seed.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const PAYMENTS = 'C0PAYMENT1';
const REVIEW = 'C0REVIEW01';
const WAIT = 30_000;

/**
 * On top of the seed: search-ai gets 1 h more in week 8 (7 h > 2 × 3 h: a spike, ratio 2.33, 4 h
 * over its median), and the unallocated service PXXX 1 h every Thursday of weeks 0–7 and 2 h more
 * in week 8 (1 + 2 = 3 h > 2 × 1 h: a spike, 2 h over). Checkout's 17 h (15 h over) is the third.
 */
function extraIncidents() {
  const thu = (w: number) => new Date(new Date(`${LABOR_WEEKS[w]}T09:00:00Z`).getTime() + 3 * 86_400_000);
  const plus = (d: Date, h: number) => new Date(d.getTime() + h * 3_600_000).toISOString();
  return [
    simpleIncident(
      'Q202',
      202,
      'PSRCH',
      'Index rebuild',
      'PEVE',
      '2026-12-30T10:00:00Z',
      '2026-12-30T11:00:00Z',
    ),
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((w) =>
      simpleIncident(`QX${w}`, 300 + w, 'PXXX', `Proxy blip ${w}`, 'PBOB', plus(thu(w), 0), plus(thu(w), 1)),
    ),
    simpleIncident(
      'Q302',
      302,
      'PXXX',
      'Proxy certificate expired',
      'PBOB',
      '2027-01-01T09:00:00Z',
      '2027-01-01T11:00:00Z',
    ),
  ];
}

type Block = {
  type: string;
  text?: { text: string };
  elements?: Array<{ action_id?: string; value?: string }>;
};

describe.each(backends())('labour spike alerts through the Slack app on %s', (backend) => {
  let t: TestApp;
  let clock = new Date('2027-01-04T07:30:00Z');
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
  const lastSeq = () => t.fake.calls.at(-1)?.seq ?? 0;
  const updateOf = (channel: string, messageTs: string, after: number): Promise<RecordedCall> =>
    t.fake.waitFor(
      'chat.update',
      (c) => c.seq > after && c.params['channel'] === channel && c.params['ts'] === messageTs,
      WAIT,
    );
  const click = (actionId: string, line: string, userId: string, channelId: string) =>
    t.slack.buttonClick({
      actionId,
      value: String(ids[line]),
      channelId,
      messageTs: ts[line] as string,
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
        product_lines: LABOR_PRODUCT_LINES,
        anomalies: { max_alerts_per_channel_per_day: 1 },
      },
    });
    await insertIncidents(t.db.db, [...laborSpikeIncidents(), ...extraIncidents()]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('day 1: records three spikes, alerts the owning teams within the cap, summarises the rest', async () => {
    const r = await runJob();
    expect(r.error).toBeUndefined();
    expect(r.stats).toMatchObject({
      detected: 0, // no cost ingested: no cost anomaly
      laborSpikesDetected: 3,
      laborSpikesNew: 3,
      laborSpikesAlerted: 2,
      laborSpikesSummarised: 1,
      laborSpikeAlertFailures: 0,
    });
    for (const s of await listLaborSpikes(t.db.db)) {
      const key = s.productLine ?? 'unallocated';
      ids[key] = s.anomaly.id;
      if (s.anomaly.messageTs) ts[key] = s.anomaly.messageTs;
    }

    const payments = alertsIn(PAYMENTS);
    expect(payments.map((m) => m.text)).toEqual([
      'Labour spike: Checkout spent 17.0 h on incidents in the week of 2026-12-28 (trailing 8-week median 2.0 h, 8.5×) — open',
    ]);
    const blocks = JSON.stringify(payments[0]?.blocks);
    expect(blocks).toContain('• #101 &lt;!channel&gt; Checkout 5xx &amp; timeouts: 4.5 h');
    expect(blocks).toContain('*People responding*\\n4');
    for (const name of ['Ada', 'Bob', 'Carol', 'Dan', 'PADA', 'ada@example.com'])
      expect(blocks).not.toContain(name);
    expect(((payments[0]?.blocks ?? []) as Block[]).at(-1)?.elements?.map((e) => e.action_id)).toEqual([
      ACTION_IDS.anomalyAcknowledge,
      ACTION_IDS.anomalyToAction,
      ACTION_IDS.anomalyResolve,
    ]);

    const review = alertsIn(REVIEW);
    expect(review.map((m) => m.text?.split(' spent ')[0])).toEqual([
      'Labour spike: Search AI',
      "1 more labour spike today, over this channel's 1 alerts a day",
    ]);
    expect(JSON.stringify(review[0]?.blocks)).toContain(
      'Team \\"search\\" (owner of Search AI) has no channel in finops.yml, so this alert is posted here',
    );
    expect(JSON.stringify(review[1]?.blocks)).toContain(
      '• *Unallocated · incident hours*, week of 2026-12-28: 3.0 h against a median of 1.0 h (3.0×)',
    );

    expect(await getAnomaly(t.db.db, ids['checkout'] as number)).toMatchObject({
      kind: 'labor',
      channelId: PAYMENTS,
      alertedAt: clock,
      detectedAt: clock,
      status: 'open',
    });
    expect(await getAnomaly(t.db.db, ids['unallocated'] as number)).toMatchObject({ alertedAt: null });

    // the same day again: nothing is recorded or posted twice
    const posts = t.fake.callsTo('chat.postMessage').length;
    const again = await runJob();
    expect(again.stats).toMatchObject({ laborSpikesNew: 0, laborSpikesRestated: 0, laborSpikesAlerted: 0 });
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(posts);
    expect(await listAnomalies(t.db.db, { kind: 'labor' })).toHaveLength(3);
  });

  it('Acknowledge updates the labour alert in place; Expected is refused for a labour spike', async () => {
    clock = new Date('2027-01-04T09:00:00Z');
    const after = lastSeq();
    await click(ACTION_IDS.anomalyAcknowledge, 'checkout', 'U0ADA00001', PAYMENTS);
    const update = await updateOf(PAYMENTS, ts['checkout'] as string, after);
    expect(String(update.params['text'])).toMatch(/^Labour spike: Checkout spent 17\.0 h .* — acknowledged$/);
    expect(JSON.stringify(update.params['blocks'])).toContain(':eyes: Acknowledged by <@U0ADA00001>');
    expect(await getAnomaly(t.db.db, ids['checkout'] as number)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'U0ADA00001',
      acknowledgedAt: clock,
    });

    const before = lastSeq();
    await click(ACTION_IDS.anomalyExpected, 'checkout', 'U0ADA00001', PAYMENTS);
    const refusal = await t.fake.waitFor('chat.postEphemeral', (c) => c.seq > before, WAIT);
    expect(String(refusal.params['text'])).toBe(
      'A labour spike cannot be marked expected: resolve it with its cause.',
    );
    expect((await getAnomaly(t.db.db, ids['checkout'] as number))?.status).toBe('acknowledged');
  });

  it('Resolve opens the modal about the spike and records the cause', async () => {
    clock = new Date('2027-01-04T10:00:00Z');
    const after = lastSeq();
    await click(ACTION_IDS.anomalyResolve, 'search-ai', 'U0LINUS001', REVIEW);
    const opened = await t.fake.waitFor('views.open', (c) => c.seq > after, WAIT);
    const view = opened.params['view'] as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(CALLBACK_IDS.anomalyResolveModal);
    expect(JSON.stringify(view)).toContain(
      '*Search AI · incident hours*: 7.0 h in the week of 2026-12-28 (median 3.0 h).',
    );
    const ok = await t.slack.viewSubmission({
      callbackId: CALLBACK_IDS.anomalyResolveModal,
      privateMetadata: view.private_metadata,
      userId: 'U0LINUS001',
      values: {
        [BLOCK_IDS.anomalyCause]: {
          [INPUT_ACTION_ID]: { type: 'plain_text_input', value: 'Ranking rollout' },
        },
      },
    });
    expect(ok.status).toBe(200);
    const update = await updateOf(REVIEW, ts['search-ai'] as string, after);
    expect(JSON.stringify(update.params['blocks'])).toContain('Resolved by <@U0LINUS001>');
    expect(JSON.stringify(update.params['blocks'])).toContain('_Ranking rollout_');
    expect(await getAnomaly(t.db.db, ids['search-ai'] as number)).toMatchObject({
      status: 'resolved',
      cause: 'Ranking rollout',
      resolvedAt: clock,
    });
  });

  it("Create action item opens the action log's modal, prefilled from the spike", async () => {
    const after = lastSeq();
    await click(ACTION_IDS.anomalyToAction, 'checkout', 'U0ADA00001', PAYMENTS);
    const opened = await t.fake.waitFor('views.open', (c) => c.seq > after, WAIT);
    const json = JSON.stringify(opened.params['view']);
    expect((opened.params['view'] as { callback_id: string }).callback_id).toBe(CALLBACK_IDS.actionItemModal);
    expect(json).toContain('Find why Checkout incident hours spiked in the week of 2026-12-28');
    expect(json).toContain('From the labour spike');
  });

  it('day 2: more hours in the week update the alert in place; the summarised spike gets its own alert', async () => {
    clock = new Date('2027-01-05T07:30:00Z');
    await insertIncidents(
      t.db.db,
      [
        simpleIncident(
          'Q106',
          106,
          'PCHK',
          'Late page',
          'PBOB',
          '2027-01-02T10:00:00Z',
          '2027-01-02T11:00:00Z',
        ),
      ],
      [],
    );
    const after = lastSeq();
    const r = await runJob();
    expect(r.stats).toMatchObject({
      laborSpikesNew: 0,
      laborSpikesRestated: 1,
      laborSpikeAlertsUpdated: 1,
      laborSpikesAlerted: 1,
    });
    const update = await updateOf(PAYMENTS, ts['checkout'] as string, after);
    expect(String(update.params['text'])).toBe(
      'Labour spike: Checkout spent 18.0 h on incidents in the week of 2026-12-28 (trailing 8-week median 2.0 h, 9.0×) — acknowledged',
    );
    expect(alertsIn(PAYMENTS)).toHaveLength(1);
    expect(alertsIn(REVIEW).at(-1)?.text).toMatch(/^Labour spike: Unallocated spent 3\.0 h/);
    expect(JSON.stringify(alertsIn(REVIEW).at(-1)?.blocks)).toContain(
      'Unallocated spend (no product line claims it)',
    );
  });

  it('/finops anomalies checkout shows the labour spike in its own section', async () => {
    const { responseUrl } = await t.slack.slashCommand({ text: 'anomalies checkout' });
    const answer = await t.fake.waitFor(
      'response_url',
      (c) => responseUrl.endsWith(String(c.params['_key'])),
      WAIT,
    );
    expect(answer.params['text']).toBe('Cost anomalies — Checkout: none recorded. Labour spikes: 1.');
    expect(JSON.stringify(answer.params['blocks'])).toContain(
      '• *Checkout · incident hours*, week of 2026-12-28: 18.0 h against a median of 2.0 h (9.0×) — _acknowledged_ · <#C0PAYMENT1>',
    );
  });
});

describe.each(backends())("labour spikes share the cost anomalies' daily cap on %s", (backend) => {
  let t: TestApp;
  const clock = new Date('2027-01-04T07:30:00Z');

  beforeAll(async () => {
    t = await startTestApp({
      backend,
      now: () => clock,
      config: {
        product_lines: LABOR_PRODUCT_LINES,
        anomalies: { max_alerts_per_channel_per_day: 1 },
      },
    });
    await insertIncidents(t.db.db, laborSpikeIncidents());
    // checkout / Amazon EC2: 100 a day from 20 December, 400 on 3 January (oct(95))
    await insertCostRows(t.db.db, daily(81, 95, { cost: 100, service: 'Amazon EC2' }, { 95: 400 }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a dry run reports and writes nothing; the real run alerts the cost anomaly and summarises the spike', async () => {
    expect(oct(95)).toBe('2027-01-03');
    const base = { deps: t.deps, at: clock, periodKey: '2027-01-04' };
    const dry = await detectAnomaliesJob.run({
      ...base,
      messenger: readOnlyMessenger(t.app.gateway),
      dryRun: true,
    });
    expect(dry.stats).toMatchObject({
      new: 1,
      laborSpikesDetected: 1,
      laborSpikesNew: 1,
      laborSpikesAlerted: 0,
    });
    expect(dry.summary).toContain('would record 1 new labour spikes (1 detected)');
    expect(await listLaborSpikes(t.db.db)).toEqual([]);
    expect(t.fake.callsTo('chat.postMessage')).toEqual([]);

    const r = await detectAnomaliesJob.run({ ...base, messenger: t.app.gateway, dryRun: false });
    expect(r.stats).toMatchObject({
      alerted: 1,
      laborSpikesNew: 1,
      laborSpikesAlerted: 0,
      laborSpikesSummarised: 1,
    });
    const posted = t.fake.messages(PAYMENTS).filter((m) => m.via === 'chat.postMessage');
    expect(posted.map((m) => m.text)).toEqual([
      'Cost anomaly: Checkout · Amazon EC2 cost 400.00 USD on 2027-01-03 (expected 100.00 USD, +300.00 USD, +300.0%) — open',
      "1 more labour spike today, over this channel's 1 alerts a day",
    ]);
    const [spike] = await listLaborSpikes(t.db.db);
    expect(spike?.anomaly).toMatchObject({ status: 'open', alertedAt: null });
  });
});
