import { describe, expect, it } from 'vitest';
import { renderResolveModal } from '../../src/blocks/anomaly-alert.ts';
import { renderAnomalyList } from '../../src/blocks/anomaly-list.ts';
import {
  type LaborSpikeAlertView,
  laborSpikeResolveSubject,
  renderLaborSpikeAlert,
  renderLaborSpikeSummary,
} from '../../src/blocks/labor-spike-alert.ts';
import { validateMessage, validateView } from '../../src/blocks/limits.ts';
import { ANOMALY_ALERT_ACTIONS, ACTION_IDS } from '../../src/slack/ids.ts';

const VIEW: LaborSpikeAlertView = {
  id: 7,
  productLine: 'checkout',
  productName: 'Checkout',
  status: 'open',
  routingNote: null,
  acknowledged: null,
  resolved: null,
  actionItems: [],
  week: '2026-12-28',
  hours: 17,
  median: 2,
  ratio: 8.5,
  factor: 2,
  trailingWeeks: 8,
  people: 4,
  incidents: [
    { id: 'Q104', number: 104, title: 'Ledger replication lag', hours: 8 },
    { id: 'Q101', number: 101, title: '<!channel> Checkout 5xx & timeouts', hours: 4.5 },
    { id: 'Q103', number: 103, title: 'Nightly batch stuck', hours: 3 },
    { id: 'Q102', number: 102, title: 'Card tokenizer latency', hours: 1.5 },
  ],
  inProgress: false,
};

const buttons = (msg: { blocks: Array<Record<string, unknown>> }) =>
  ((msg.blocks.at(-1) as { elements: Array<{ action_id: string; value: string }> }).elements ?? []).map(
    (e) => [e.action_id, e.value],
  );

describe('renderLaborSpikeAlert', () => {
  it('renders what, the hours against the median and the ratio, the top incidents escaped, people only as a count', () => {
    const msg = renderLaborSpikeAlert(VIEW, ANOMALY_ALERT_ACTIONS);
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe(
      'Labour spike: Checkout spent 17.0 h on incidents in the week of 2026-12-28 (trailing 8-week median 2.0 h, 8.5×) — open',
    );
    expect(msg.blocks).toEqual([
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: 'Labour spike: Checkout · incident hours, week of 2026-12-28',
          emoji: true,
        },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '*Checkout* spent *17.0 h* on incidents in the week of 2026-12-28, *8.5×* its trailing 8-week median of 2.0 h ' +
            '(above 2× the trailing 8-week median is a spike).',
        },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Incident hours (week of 2026-12-28)*\n17.0 h' },
          { type: 'mrkdwn', text: '*Trailing 8-week median*\n2.0 h' },
          { type: 'mrkdwn', text: '*Ratio*\n8.5×' },
          { type: 'mrkdwn', text: '*People responding*\n4' },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '*Top incidents by hours*\n' +
            '• #104 Ledger replication lag: 8.0 h\n' +
            '• #101 &lt;!channel&gt; Checkout 5xx &amp; timeouts: 4.5 h\n' +
            '• #103 Nightly batch stuck: 3.0 h\n' +
            '• #102 Card tokenizer latency: 1.5 h',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Status: *open*' }] },
      {
        type: 'actions',
        block_id: 'labor_spike_7',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
            action_id: ACTION_IDS.anomalyAcknowledge,
            value: '7',
            style: 'primary',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Create action item', emoji: true },
            action_id: ACTION_IDS.anomalyToAction,
            value: '7',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Resolve', emoji: true },
            action_id: ACTION_IDS.anomalyResolve,
            value: '7',
          },
        ],
      },
    ]);
    // no "Expected": a week of incidents is not a series to pause
    expect(JSON.stringify(msg)).not.toContain(ACTION_IDS.anomalyExpected);
  });

  it('hides a head count under 3, says "so far" for a week still going on, and a median of 0', () => {
    const msg = renderLaborSpikeAlert(
      { ...VIEW, people: 2, median: 0, ratio: null, hours: 3, inProgress: true, incidents: [] },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(validateMessage(msg)).toEqual([]);
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain('*People responding*\\nfewer than 3');
    expect(json).toContain(
      '*Checkout* spent *3.0 h* on incidents so far in the week of 2026-12-28, while its trailing 8-week median is 0 h',
    );
    expect(json).toContain('*Ratio*\\nno median (0 h)');
    expect(json).toContain('No incident is left in the stored PagerDuty data for this week.');
  });

  it('shows who acknowledged and resolved in place, the routing note, and only Create action item once resolved', () => {
    const msg = renderLaborSpikeAlert(
      {
        ...VIEW,
        productLine: null,
        productName: null,
        status: 'resolved',
        routingNote: 'Unallocated spend (no product line claims it) is alerted in the review channel.',
        acknowledged: { by: 'U0ADA00001', at: new Date('2027-01-04T09:00:00Z') },
        resolved: {
          by: 'U0ADA00001',
          at: new Date('2027-01-04T10:00:00Z'),
          cause: 'Bad <deploy> & rollback',
        },
        actionItems: [{ id: 3, title: 'Add a canary', ownerId: 'U0BOB00001' }],
      },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.blocks[0]).toMatchObject({
      text: { text: 'Labour spike: Unallocated · incident hours, week of 2026-12-28' },
    });
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain('Status: *resolved*');
    expect(json).toContain(':eyes: Acknowledged by <@U0ADA00001> <!date^1799053200^');
    expect(json).toContain(
      'Resolved by <@U0ADA00001> <!date^1799056800^{date_short_pretty} at {time}|2027-01-04 10:00 UTC>: _Bad &lt;deploy&gt; &amp; rollback_',
    );
    expect(json).toContain(':memo: Action item #3 for <@U0BOB00001>: Add a canary');
    expect(buttons(msg)).toEqual([[ACTION_IDS.anomalyToAction, '7']]);
  });

  it('stays within Block Kit limits with many long hostile incident titles', () => {
    const incidents = Array.from({ length: 400 }, (_, i) => ({
      id: `Q${i}`,
      number: i,
      title: `<!here> ${'&<>'.repeat(200)}`,
      hours: 400 - i,
    }));
    const msg = renderLaborSpikeAlert(
      { ...VIEW, productName: `<!channel>${'x'.repeat(300)}`, incidents },
      ANOMALY_ALERT_ACTIONS,
    );
    expect(validateMessage(msg)).toEqual([]);
    // mrkdwn never carries a live mention (the header is plain_text, which Slack does not parse)
    const mrkdwn = JSON.stringify([msg.text, msg.blocks.slice(1)]);
    expect(mrkdwn).not.toContain('<!here>');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(JSON.stringify(msg.blocks)).toContain('…and 395 more incidents');
  });
});

describe('labour spike summary, Resolve modal and /finops anomalies section', () => {
  it('summarises the spikes over the cap in one message', () => {
    const msg = renderLaborSpikeSummary(
      [
        { ...VIEW },
        { ...VIEW, productLine: 'search-ai', productName: 'Search AI', hours: 7, median: 3, ratio: 7 / 3 },
      ],
      1,
    );
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe("2 more labour spikes today, over this channel's 1 alerts a day");
    expect(JSON.stringify(msg.blocks)).toContain(
      '• *Search AI · incident hours*, week of 2026-12-28: 7.0 h against a median of 3.0 h (2.3×)',
    );
  });

  it('opens the Resolve modal with the spike as its subject', () => {
    const modal = renderResolveModal(laborSpikeResolveSubject(VIEW), {
      callbackId: 'anomaly_resolve_cause',
      blockId: 'anomaly_cause',
      actionId: 'value',
      privateMetadata: '7',
      maxLength: 200,
    });
    expect(validateView(modal)).toEqual([]);
    expect(modal.blocks[0]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Checkout · incident hours*: 17.0 h in the week of 2026-12-28 (median 2.0 h).',
      },
    });
  });

  it('lists labour spikes in their own section after the cost anomalies', () => {
    const msg = renderAnomalyList({
      scope: 'Checkout',
      openOnly: true,
      items: [],
      max: 15,
      falsePositives: { alerted: 0, expected: 0 },
      laborSpikes: [
        {
          productLine: 'checkout',
          productName: 'Checkout',
          week: '2026-12-28',
          hours: 17,
          median: 2,
          ratio: 8.5,
          status: 'acknowledged',
          channelId: 'C0PAYMENT1',
        },
      ],
    });
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe('Open cost anomalies — Checkout: none open. Labour spikes: 1 open.');
    expect(msg.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          '*Open labour spikes (weekly incident hours) — Checkout* (1)\n' +
          '• *Checkout · incident hours*, week of 2026-12-28: 17.0 h against a median of 2.0 h (8.5×) — _acknowledged_ · <#C0PAYMENT1>',
      },
    });
  });
});
