/**
 * The review's bookkeeping on both backends: posted_message claims (one winner among racing
 * claims, release after a refusal, "uncertain" after an interrupted send), the action log and
 * anomaly KPIs as the review reads them, and the service's behaviour with a recording Messenger.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import {
  claimPostedMessage,
  confirmPostedMessage,
  findPostedMessage,
  listPostedMessages,
  releasePostedMessage,
} from '../../src/db/repos/posted-messages.ts';
import { createLogger } from '../../src/lib/logger.ts';
import type { Messenger, ServiceDeps, SlackMessage } from '../../src/services/deps.ts';
import { postMonthlyReview } from '../../src/services/post-monthly-review.ts';
import { readAnomalyKpis, readReviewActionItems } from '../../src/services/review-view.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { seedReviewMonths } from '../support/review-seed.ts';

const CONFIG = `
timezone: Europe/Berlin
review: { channel: "#finops-review", show_margin_in_channel: true }
rates:
  - effective_from: 2026-01-01
    levels: { mid: 100, senior: 120 }
senior_levels: [senior]
teams:
  - { id: payments, channel: "#team-payments" }
product_lines:
  - { id: checkout, name: Checkout, team: payments, repos: ["acme/checkout-api"] }
  - { id: search-ai, name: Search AI, team: payments, repos: ["acme/search"] }
`;

interface Sent {
  method: 'post' | 'postEphemeral' | 'uploadFile';
  channel: string;
  key: string;
  threadTs?: string | undefined;
}

/** A Messenger that records what it is asked to send; `failOn` makes one send throw once. */
function recordingMessenger(failOn?: { nth: number; error: Record<string, unknown> }) {
  const sent: Sent[] = [];
  let posts = 0;
  let ts = 100;
  const messenger: Messenger = {
    async post(channel, msg: SlackMessage & { threadTs?: string }) {
      posts++;
      if (failOn && posts === failOn.nth) throw Object.assign(new Error('send failed'), failOn.error);
      sent.push({ method: 'post', channel, key: msg.text.slice(0, 40), threadTs: msg.threadTs });
      return { channel, ts: `1700000000.${String(ts++).padStart(6, '0')}` };
    },
    async update() {},
    async postEphemeral(channel, _user, msg) {
      sent.push({ method: 'postEphemeral', channel, key: msg.text.slice(0, 40), threadTs: msg.threadTs });
    },
    async dm() {
      throw new Error('no DMs in the review');
    },
    async uploadFile(channel, file) {
      sent.push({ method: 'uploadFile', channel, key: file.filename, threadTs: file.threadTs });
    },
    async resolveChannel(ref) {
      return ref === '#finops-review' ? 'C0REVIEW01' : 'C0PAYMENT1';
    },
    async permalink(channel, t) {
      return `https://slack.example/archives/${channel}/p${t.replace('.', '')}`;
    },
    async userInfo() {
      return null;
    },
    async usergroupMembers() {
      return [];
    },
  };
  return { messenger, sent };
}

describe.each(backends())('review bookkeeping on %s', (backend) => {
  let h: TestDb;
  const at = new Date('2026-11-02T08:00:00Z');
  const { config, hash } = parseConfigText(CONFIG);
  const deps = (): ServiceDeps => ({
    db: h.db,
    config,
    configHash: hash,
    logger: createLogger({ level: 'silent' }),
    now: () => at,
    env: {},
    dataDir: '/nonexistent',
  });
  beforeEach(async () => {
    h = await createTestDb(backend);
  });
  afterEach(async () => {
    await h.close();
  });

  it('claims a message once among racing claims; release and confirm behave', async () => {
    const ref = { scope: 'review:2026-10', key: 'reply:checkout', channelId: 'C1' };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => claimPostedMessage(h.db, ref, at)));
    expect(outcomes.filter((o) => o.state === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.state === 'uncertain')).toHaveLength(4);
    await releasePostedMessage(h.db, ref);
    expect(await findPostedMessage(h.db, ref)).toBeUndefined();
    expect((await claimPostedMessage(h.db, ref, at)).state).toBe('claimed');
    await confirmPostedMessage(h.db, ref, '1.000001', '1.000000', at);
    await releasePostedMessage(h.db, ref); // a confirmed message is never released
    const again = await claimPostedMessage(h.db, ref, at);
    expect(again).toMatchObject({ state: 'posted', message: { ts: '1.000001', threadTs: '1.000000' } });
  });

  it('never resends a message whose send was interrupted, and says so', async () => {
    await seedReviewMonths(
      h.db,
      [
        { id: 'checkout', repo: 'acme/checkout-api' },
        { id: 'search-ai', repo: 'acme/search' },
      ],
      ['2026-09', '2026-10'],
    );
    // The connection drops on the second reply (3rd post): Slack may or may not have it.
    const first = recordingMessenger({ nth: 3, error: { slackError: 'request_failed' } });
    const opts = { month: '2026-10', replyIds: { addActionItem: 'action_item_add' } };
    const r1 = await postMonthlyReview(deps(), first.messenger, opts);
    expect(r1.items.map((i) => [i.key, i.outcome])).toEqual([
      ['parent', 'posted'],
      ['chart:stage-mix', 'posted'],
      ['chart:margin-waterfall', 'posted'],
      ['reply:checkout', 'posted'],
      ['reply:search-ai', 'uncertain'],
      ['showback:payments', 'posted'],
    ]);
    const pending = await findPostedMessage(h.db, {
      scope: 'review:2026-10',
      key: 'reply:search-ai',
      channelId: 'C0REVIEW01',
    });
    expect(pending?.ts).toBeNull();
    // The problem went to the review channel, top level.
    expect(first.sent.at(-1)).toMatchObject({ method: 'post', channel: 'C0REVIEW01', threadTs: undefined });
    expect(first.sent.at(-1)?.key).toContain('Some of the October 2026 review');

    const second = recordingMessenger();
    const r2 = await postMonthlyReview(deps(), second.messenger, opts);
    expect(second.sent).toEqual([]); // nothing resent, the same problem not reported twice
    expect(r2.counts).toMatchObject({ posted: 0, uncertain: 1, already: 5 });
    expect(r2.threadTs).toBe(r1.threadTs);
  });

  it('a definite refusal releases the claim, so the next run sends it in place', async () => {
    await seedReviewMonths(h.db, [{ id: 'checkout', repo: 'acme/checkout-api' }], ['2026-10']);
    const opts = { month: '2026-10', replyIds: { addActionItem: 'a' } };
    const first = recordingMessenger({ nth: 2, error: { slackError: 'msg_too_long' } });
    const r1 = await postMonthlyReview(deps(), first.messenger, opts);
    expect(r1.items.find((i) => i.key === 'reply:checkout')).toMatchObject({
      outcome: 'failed',
      error: 'msg_too_long',
    });
    const second = recordingMessenger();
    await postMonthlyReview(deps(), second.messenger, opts);
    // The refused reply, then the one that waited behind it to keep the thread in order.
    expect(second.sent.map((s) => [s.method, s.threadTs, s.key.split(':')[0]])).toEqual([
      ['post', r1.threadTs, 'Checkout'],
      ['post', r1.threadTs, 'Search AI'],
    ]);
    expect(r1.items.find((i) => i.key === 'reply:search-ai')).toMatchObject({
      outcome: 'failed',
      error: 'waiting',
    });
    const keys = (await listPostedMessages(h.db, 'review:2026-10')).map((m) => m.key);
    expect(keys).toContain('reply:checkout');
  });

  it('reads last month’s action items as done, open or overdue, carried over when older', async () => {
    const item = (title: string, due: string, created: string, extra: Record<string, unknown> = {}) => ({
      title,
      ownerId: 'U1',
      creatorId: 'U2',
      dueDate: due,
      createdAt: new Date(created),
      updatedAt: new Date(created),
      ...extra,
    });
    await h.db
      .insertInto('actionItem')
      .values([
        item('done in October', '2026-10-20', '2026-10-02T10:00:00Z', {
          status: 'done',
          closedAt: new Date('2026-10-18T10:00:00Z'),
        }),
        item('closed in September', '2026-09-20', '2026-09-02T10:00:00Z', {
          status: 'done',
          closedAt: new Date('2026-09-18T10:00:00Z'),
        }),
        item('open, due later', '2026-11-30', '2026-10-02T10:00:00Z'),
        item('overdue since October', '2026-10-25', '2026-10-02T10:00:00Z'),
        item('from August, still open', '2026-11-01', '2026-08-05T10:00:00Z'),
        item('raised after the review ran', '2026-12-01', '2026-11-03T10:00:00Z'),
      ])
      .execute();
    const items = await readReviewActionItems(deps(), '2026-10', at);
    expect(items.map((i) => [i.title, i.status, i.carriedOver])).toEqual([
      ['overdue since October', 'overdue', false],
      ['from August, still open', 'overdue', true],
      ['open, due later', 'open', false],
      ['done in October', 'done', false],
    ]);
  });

  it('counts the month’s anomalies and their median hours, leaving suppressed ones out', async () => {
    const a = (firstDay: string, detected: string, extra: Record<string, unknown> = {}) => ({
      productLine: 'checkout',
      serviceName: `svc ${firstDay}`,
      currency: 'USD',
      firstDay,
      lastDay: firstDay,
      actual: 2,
      expected: 1,
      impact: 1,
      detectedAt: new Date(detected),
      ...extra,
    });
    await h.db
      .insertInto('anomaly')
      .values([
        // ends 2 Oct 00:00Z → alert 06:00 = 6 h; ack 1 h; resolved 10 h.
        a('2026-10-01', '2026-10-02T06:00:00Z', {
          acknowledgedAt: new Date('2026-10-02T07:00:00Z'),
          resolvedAt: new Date('2026-10-02T16:00:00Z'),
        }),
        // ends 11 Oct 00:00Z → detected 10:00, alerted 12:00 = 12 h; ack 3 h.
        a('2026-10-10', '2026-10-11T10:00:00Z', {
          alertedAt: new Date('2026-10-11T12:00:00Z'),
          acknowledgedAt: new Date('2026-10-11T15:00:00Z'),
        }),
        a('2026-10-20', '2026-10-21T01:00:00Z', { status: 'suppressed' }),
        a('2026-09-30', '2026-10-01T05:00:00Z'),
      ])
      .execute();
    expect(await readAnomalyKpis(deps(), '2026-10')).toEqual({
      count: 2,
      medianHoursToDetect: 9,
      medianHoursToAcknowledge: 2,
      medianHoursToResolve: 10,
    });
  });
});
