import { describe, expect, it } from 'vitest';
import {
  type AnomalyAlertView,
  renderAnomalyAlert,
  renderAnomalyDaysReply,
  renderAnomalySummary,
  renderResolveModal,
} from '../../src/blocks/anomaly-alert.ts';
import { renderAnomalyList } from '../../src/blocks/anomaly-list.ts';
import { validateMessage, validateView } from '../../src/blocks/limits.ts';
import { validateConfig } from '../../src/config/load.ts';
import { anomalyDurationsOf, falsePositiveRatesOf } from '../../src/model/anomaly-kpis.ts';
import { routeAnomaly } from '../../src/services/alert-anomalies.ts';
import { ANOMALY_ALERT_ACTIONS } from '../../src/slack/ids.ts';
import { anomalyTestConfig } from '../support/anomaly-cost.ts';

const VIEW: AnomalyAlertView = {
  id: 42,
  productLine: 'checkout',
  productName: 'Checkout',
  service: 'Amazon EC2',
  currency: 'USD',
  firstDay: '2026-10-15',
  lastDay: '2026-10-16',
  actual: 812.4,
  expected: 301.1,
  impact: 511.3,
  impactPct: (511.3 / 301.1) * 100,
  rootCause: [
    { subAccount: '123456789012', region: 'us-east-1', increase: 498 },
    { subAccount: '123456789012', region: 'eu-west-1', increase: 13.300000000000004 },
  ],
  status: 'open',
  routingNote: null,
  acknowledged: null,
  markedExpected: null,
  resolved: null,
  actionItems: [],
};

const buttonIds = (msg: { blocks: Array<Record<string, unknown>> }) =>
  ((msg.blocks.at(-1) as { elements: Array<{ action_id: string; value: string }> }).elements ?? []).map(
    (e) => [e.action_id, e.value],
  );

describe('renderAnomalyAlert', () => {
  it('renders what, how much, since when, root cause and the four buttons', () => {
    const msg = renderAnomalyAlert(VIEW, ANOMALY_ALERT_ACTIONS);
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe(
      'Cost anomaly: Checkout · Amazon EC2 cost 812.40 USD on 2026-10-16 (expected 301.10 USD, +511.30 USD, +169.8%) — open',
    );
    expect(msg.blocks).toEqual([
      {
        type: 'header',
        text: { type: 'plain_text', text: 'Cost anomaly: Checkout · Amazon EC2', emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Amazon EC2* in *Checkout* cost *812.40 USD* on 2026-10-16, against 301.10 USD expected.',
        },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Actual (2026-10-16)*\n812.40 USD' },
          { type: 'mrkdwn', text: '*Expected*\n301.10 USD' },
          { type: 'mrkdwn', text: '*Impact*\n+511.30 USD (+169.8%)' },
          { type: 'mrkdwn', text: '*Since*\n2026-10-15 (2 days)' },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '*Root cause* (sub-account × region, increase on 2026-10-16)\n' +
            '• `123456789012` · us-east-1: +498.00 USD\n' +
            '• `123456789012` · eu-west-1: +13.30 USD',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Status: *open*' }] },
      {
        type: 'actions',
        block_id: 'anomaly_42',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
            action_id: 'anomaly_acknowledge',
            value: '42',
            style: 'primary',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Expected', emoji: true },
            action_id: 'anomaly_expected',
            value: '42',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Create action item', emoji: true },
            action_id: 'anomaly_to_action',
            value: '42',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Resolve', emoji: true },
            action_id: 'anomaly_resolve',
            value: '42',
          },
        ],
      },
    ]);
  });

  it('shows who did what and when, and only the buttons that still make sense', () => {
    const at = new Date('2026-10-16T08:05:00Z');
    const acked = renderAnomalyAlert(
      { ...VIEW, status: 'acknowledged', acknowledged: { by: 'U0ADA00001', at } },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(JSON.stringify(acked.blocks)).toContain(
      ':eyes: Acknowledged by <@U0ADA00001> <!date^1792137900^{date_short_pretty} at {time}|2026-10-16 08:05 UTC>',
    );
    expect(buttonIds(acked).map(([a]) => a)).toEqual([
      'anomaly_expected',
      'anomaly_to_action',
      'anomaly_resolve',
    ]);
    const resolved = renderAnomalyAlert(
      {
        ...VIEW,
        status: 'resolved',
        acknowledged: { by: 'U0ADA00001', at },
        resolved: {
          by: 'U0GRACE001',
          at: new Date('2026-10-16T10:00:00Z'),
          cause: 'load test <!channel> & co',
        },
        actionItems: [{ id: 7, title: 'Cap the <test> fleet', ownerId: 'U0GRACE001' }],
      },
      ANOMALY_ALERT_ACTIONS,
    );
    const text = JSON.stringify(resolved.blocks);
    expect(text).toContain('Resolved by <@U0GRACE001>');
    expect(text).toContain('_load test &lt;!channel&gt; &amp; co_');
    expect(text).toContain(':memo: Action item #7 for <@U0GRACE001>: Cap the &lt;test&gt; fleet');
    expect(text).toContain('Status: *resolved*');
    expect(buttonIds(resolved)).toEqual([['anomaly_to_action', '42']]);
    const expected = renderAnomalyAlert(
      {
        ...VIEW,
        status: 'expected',
        markedExpected: { by: 'U0LINUS001', at, suppressedUntil: '2026-10-23' },
      },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(JSON.stringify(expected.blocks)).toContain(
      'Marked expected (a false positive) by <@U0LINUS001> <!date^1792137900^{date_short_pretty} at {time}|2026-10-16 08:05 UTC>; alerts for this service paused until 2026-10-23',
    );
  });

  it('escapes outside text and stays within Block Kit limits on hostile, long input', () => {
    const service = `<!channel> & <https://evil.example|click> ${'x'.repeat(400)}`;
    const msg = renderAnomalyAlert(
      {
        ...VIEW,
        productLine: null,
        productName: null,
        service,
        impactPct: null,
        expected: 0,
        rootCause: [{ subAccount: '<@U0ADMIN001>', region: null, increase: 5 }],
        routingNote: 'Team "payments" has <no> channel',
      },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(validateMessage(msg)).toEqual([]);
    // the header is plain_text (Slack never parses mentions or links there); everything else is mrkdwn
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const json = JSON.stringify({ text: msg.text, blocks: msg.blocks.slice(1) });
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
    expect(json).not.toContain('<@U0ADMIN001>');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(json).toContain('*Expected*\\nnothing (new spend)');
    expect(json).toContain('+511.30 USD (new spend)');
    expect(json).toContain('in *unallocated spend*');
    expect(json).toContain(':information_source: Team \\"payments\\" has &lt;no&gt; channel');
    expect((msg.blocks[0] as unknown as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(
      150,
    );
  });

  it('renders the thread reply of new days, the over-the-cap summary and the Resolve modal', () => {
    const reply = renderAnomalyDaysReply(VIEW, [
      { day: '2026-10-17', actual: 830, expected: 301.1, impact: 528.9 },
    ]);
    expect(validateMessage(reply)).toEqual([]);
    expect(reply.text).toBe(
      'Checkout · Amazon EC2 is still anomalous on 2026-10-17: 830.00 USD against 301.10 USD expected',
    );
    expect(reply.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Still anomalous on 2026-10-17, since 2026-10-15:\n• 2026-10-17: *830.00 USD* against 301.10 USD expected (+528.90 USD)',
        },
      },
    ]);
    const many = Array.from({ length: 300 }, (_, k) => ({
      productName: 'Checkout',
      productLine: 'checkout',
      service: `Service ${k} <&>`,
      currency: 'USD',
      firstDay: '2026-10-15',
      actual: 1000 + k,
      expected: 100,
      impact: 900 + k,
    }));
    const summary = renderAnomalySummary(many, 10);
    expect(validateMessage(summary)).toEqual([]);
    expect(summary.text).toBe("300 more cost anomalies today, over this channel's 10 alerts a day");
    expect(JSON.stringify(summary.blocks)).toMatch(/…and \d+ more anomalies/);
    expect(JSON.stringify(summary.blocks)).not.toContain('<&>');
    const modal = renderResolveModal(VIEW, {
      callbackId: 'anomaly_resolve_cause',
      blockId: 'anomaly_cause',
      actionId: 'value',
      privateMetadata: '42',
      maxLength: 200,
    });
    expect(validateView(modal)).toEqual([]);
    expect(modal.blocks[1]).toMatchObject({
      type: 'input',
      block_id: 'anomaly_cause',
      element: { type: 'plain_text_input', action_id: 'value', multiline: false, max_length: 200 },
    });
  });

  it('lists anomalies for /finops anomalies with status, channel and the false-positive rate', () => {
    const item = { ...VIEW, channelId: 'C0PAYMENT1' };
    const msg = renderAnomalyList({
      scope: 'Checkout',
      openOnly: true,
      items: [item, { ...item, status: 'acknowledged', service: 'Amazon S3', channelId: null }],
      max: 1,
      falsePositives: { alerted: 4, expected: 1 },
    });
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe('Open cost anomalies — Checkout: 2');
    expect((msg.blocks[0] as unknown as { text: { text: string } }).text.text).toBe(
      '*Open cost anomalies — Checkout* (2)\n' +
        '• *Checkout · Amazon EC2* 2026-10-15 → 2026-10-16: 812.40 USD against 301.10 USD (+511.30 USD, +169.8%) — _open_ · <#C0PAYMENT1>\n' +
        '…and 1 more anomalies',
    );
    expect(JSON.stringify(msg.blocks[1])).toContain('1 of 4 alerted marked Expected (25.0% false positives)');
    const none = renderAnomalyList({
      scope: 'every product line',
      openOnly: false,
      items: [],
      max: 15,
      falsePositives: { alerted: 0, expected: 0 },
    });
    expect(none.text).toBe('Cost anomalies — every product line: none recorded.');
  });
});

describe('routeAnomaly', () => {
  const config = validateConfig(
    anomalyTestConfig({
      teams: [{ id: 'payments', channel: '#team-payments' }, { id: 'search' }],
    }),
  ).config;

  it('sends a product line to its team channel, unallocated and channel-less teams to the review channel with a note', () => {
    expect(routeAnomaly(config, 'checkout')).toEqual({ channel: '#team-payments', note: null });
    expect(routeAnomaly(config, null)).toEqual({
      channel: '#finops-review',
      note: 'Unallocated spend (no product line claims it) is alerted in the review channel.',
    });
    expect(routeAnomaly(config, 'search-ai')).toEqual({
      channel: '#finops-review',
      note: 'Team "search" (owner of search-ai) has no channel in finops.yml, so this alert is posted here: add teams[].channel to route it to the team.',
    });
    expect(routeAnomaly(config, 'gone').note).toContain('Product line "gone" is not in finops.yml');
  });
});

describe('anomaly KPIs (model)', () => {
  it('measures detect from the end of the charge day, acknowledge and resolve from the alert', () => {
    const d = anomalyDurationsOf({
      id: 1,
      productLine: 'checkout',
      service: 'Amazon EC2',
      firstDay: '2026-10-15',
      status: 'resolved',
      detectedAt: new Date('2026-10-16T07:30:00Z'),
      alertedAt: new Date('2026-10-16T07:31:00Z'),
      acknowledgedAt: new Date('2026-10-16T09:01:00Z'),
      resolvedAt: new Date('2026-10-17T07:31:00Z'),
    });
    expect(d).toEqual({
      id: 1,
      productLine: 'checkout',
      service: 'Amazon EC2',
      chargeDay: '2026-10-15',
      hoursToDetect: 7.516666666666667,
      hoursToAcknowledge: 1.5,
      hoursToResolve: 24,
    });
  });

  it('rates false positives per product line: expected over alerted, every configured line listed', () => {
    const at = new Date('2026-10-16T07:31:00Z');
    const rows = [
      { productLine: 'checkout', status: 'expected', alertedAt: at },
      { productLine: 'checkout', status: 'resolved', alertedAt: at },
      { productLine: 'checkout', status: 'open', alertedAt: at },
      { productLine: 'checkout', status: 'open', alertedAt: null },
      { productLine: null, status: 'expected', alertedAt: at },
    ];
    expect(falsePositiveRatesOf(rows, ['checkout', 'search-ai'])).toEqual([
      { productLine: 'checkout', alerted: 3, expected: 1, ratePct: (1 / 3) * 100 },
      { productLine: 'search-ai', alerted: 0, expected: 0, ratePct: null },
      { productLine: null, alerted: 1, expected: 1, ratePct: 100 },
    ]);
  });
});
