/** The weekly allocation hygiene post: the whole payload, escaping, limits and the button's value. */
import { describe, expect, it } from 'vitest';
import {
  type AllocationHygieneView,
  decodeUnallocatedLineRef,
  encodeUnallocatedLineRef,
  renderAllocationHygiene,
  sparkline,
} from '../../../src/blocks/allocation-hygiene.ts';
import { validateMessage } from '../../../src/blocks/limits.ts';
import { allocationHygiene, type HygieneDayCost } from '../../../src/model/allocation-hygiene.ts';

const IDS = { toAction: 'allocation_to_action' };
const day = (d: string, unallocated: boolean, cost: number, currency = 'USD'): HygieneDayCost => ({
  day: d,
  currency,
  unallocated,
  cost,
});

function view(over: Partial<Parameters<typeof allocationHygiene>[0]> = {}): AllocationHygieneView {
  return {
    ...allocationHygiene({
      weekFrom: '2026-11-30',
      targetPct: 5,
      reportCurrency: 'USD',
      days: [
        day('2026-10-12', false, 950),
        day('2026-10-12', true, 50),
        day('2026-11-23', false, 900),
        day('2026-11-23', true, 100),
        day('2026-11-30', false, 1300),
        day('2026-11-30', true, 200),
      ],
      unallocated: [
        {
          currency: 'USD',
          provider: 'AWS',
          subAccount: '111111111111',
          service: 'Amazon EC2 <!channel>',
          cost: 120,
        },
        { currency: 'USD', provider: 'AWS', subAccount: null, service: 'Amazon S3', cost: 80 },
      ],
      ...over,
    }),
    lastCostDay: '2026-12-05',
    costMetric: 'EffectiveCost',
  };
}

const button = (value: string) => ({
  type: 'button',
  text: { type: 'plain_text', text: 'Create action item', emoji: true },
  action_id: 'allocation_to_action',
  value,
});
const md = (text: string) => ({ type: 'mrkdwn', text });

describe('renderAllocationHygiene', () => {
  it('renders the week, the target, the trend and each line with its button (whole payload)', () => {
    const msg = renderAllocationHygiene(view(), IDS);
    expect(msg).toEqual({
      text: 'Allocation hygiene — week of 2026-11-30: 13.3% of USD cloud + AI cost unallocated (target 5.0%); largest: Amazon EC2 &lt;!channel&gt; $120.',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Allocation hygiene — week of 2026-11-30', emoji: true },
        },
        {
          type: 'section',
          text: md(
            '*Unallocated: 13.3%* of $1,500 cloud + AI cost (USD) — $200 no rule allocates · target ≤ 5.0% · :warning: above target\n' +
              '8-week trend: `▄·····▆█` 5.0% → 13.3%',
          ),
        },
        {
          type: 'context',
          elements: [
            md(
              'Weeks from 2026-10-12: 10-12 5.0% · 10-19 — · 10-26 — · 11-02 — · 11-09 — · 11-16 — · 11-23 10.0% · 11-30 13.3%',
            ),
          ],
        },
        { type: 'divider' },
        {
          type: 'section',
          text: md(
            '*Top unallocated spend* by sub-account × service — tag these resources, or add a rule under `product_lines[].cost` or `shared_costs` in finops.yml:',
          ),
        },
        {
          type: 'section',
          text: md('*$120* · AWS `111111111111` · Amazon EC2 &lt;!channel&gt; (60.0% of unallocated)'),
          accessory: button(
            '{"w":"2026-11-30","p":"AWS","a":"111111111111","s":"Amazon EC2 <!channel>","c":"USD","v":120}',
          ),
        },
        {
          type: 'section',
          text: md('*$80* · AWS no sub-account · Amazon S3 (40.0% of unallocated)'),
          accessory: button('{"w":"2026-11-30","p":"AWS","a":null,"s":"Amazon S3","c":"USD","v":80}'),
        },
        {
          type: 'context',
          elements: [
            md(
              '2026-11-30 to 2026-12-06, UTC cost days, EffectiveCost, every charge category · cost ingested through 2026-12-05 only',
            ),
          ],
        },
      ],
    });
    expect(validateMessage(msg)).toEqual([]);
  });

  it('says so when the week is on target and nothing is unallocated', () => {
    const msg = renderAllocationHygiene(
      view({ days: [day('2026-11-30', false, 1000)], unallocated: [] }),
      IDS,
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain(
      '*Unallocated: 0.0%* of $1,000 cloud + AI cost (USD) — $0 no rule allocates · target ≤ 5.0% · :white_check_mark: on target',
    );
    expect(text).toContain('*Top unallocated spend:* none this week — every cost found its product line.');
    expect(text).not.toContain('allocation_to_action');
    expect(text).toContain('cost ingested through 2026-12-05 only'); // Sunday's cost is not in yet
  });

  it('has a plain message when no cost was ingested at all', () => {
    const msg = renderAllocationHygiene(view({ days: [], unallocated: [] }), IDS);
    expect(msg.text).toBe(
      'Allocation hygiene — week of 2026-11-30: no cloud or AI cost was ingested for the 8 weeks to 2026-12-06, so there is nothing to allocate.',
    );
    expect(msg.blocks).toHaveLength(2);
  });

  it('stays within Block Kit limits with many currencies and long, hostile names', () => {
    const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'AUD', 'CAD', 'SEK', 'NOK', 'DKK', 'PLN'];
    const long = `<!here> ${'&'.repeat(400)}`;
    const msg = renderAllocationHygiene(
      view({
        days: currencies.flatMap((c) => [day('2026-11-30', true, 10, c), day('2026-11-30', false, 10, c)]),
        unallocated: Array.from({ length: 40 }, (_, i) => ({
          currency: 'USD',
          provider: long,
          subAccount: long,
          service: `${long} ${i}`,
          cost: 1000 - i,
        })),
      }),
      IDS,
    );
    expect(validateMessage(msg)).toEqual([]);
    // What Slack renders as mrkdwn (not the buttons' values, which are data) has no live mention.
    const text = JSON.stringify([msg.text, msg.blocks.map((b) => [b['text'], b['elements']])]);
    expect(text.includes('<!here>')).toBe(false);
    expect(text.includes('&lt;!here&gt;')).toBe(true);
    expect(text).toContain('…and 3 more currencies (see finops report)');
    expect(text).toContain('…and 30 more lines of unallocated spend');
    expect(msg.blocks.filter((b) => b['accessory'] !== undefined)).toHaveLength(10);
  });
});

describe('sparkline and the button value', () => {
  it('scales from 0 to the largest share, a dot for a week without cost', () => {
    expect(sparkline([0, 3.5, 7, null, 14])).toBe('▁▃▅·█');
    expect(sparkline([0, 0, null])).toBe('▁▁·');
  });

  it('round-trips a line and refuses anything else', () => {
    const ref = {
      week: '2026-11-30',
      provider: 'AWS',
      subAccount: null,
      service: 'Amazon S3',
      currency: 'USD',
      cost: 80.129,
    };
    expect(decodeUnallocatedLineRef(encodeUnallocatedLineRef(ref))).toEqual({ ...ref, cost: 80.13 });
    for (const bad of [
      undefined,
      '',
      'nope',
      '42',
      '{"w":"x","p":"AWS","s":"S3","c":"USD","v":1}',
      '{"w":"2026-11-30"}',
    ])
      expect(decodeUnallocatedLineRef(bad)).toBeNull();
  });
});
