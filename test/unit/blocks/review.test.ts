import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../src/blocks/limits.ts';
import {
  driftSentence,
  FILE_ALT_TEXT_MAX,
  linesToSections,
  renderMarginFollowUp,
  renderProductLineReply,
  renderReviewParent,
  renderReviewProblems,
  renderShowback,
  type ReviewView,
  stageMixAltText,
  waterfallAltText,
  waterfallSteps,
} from '../../../src/blocks/review.ts';
import type { Drift, ProductLineReport } from '../../../src/model/types.ts';

const noDrift: Drift = {
  grossMarginPp: null,
  byDriverPp: {},
  stageSharePp: {},
  seniorReviewSharePp: null,
  flags: [],
};
const stages = (a: number, r: number, q: number, d: number, i: number, w: number) => ({
  authoring: a,
  review: r,
  qa: q,
  deploy: d,
  incident: i,
  rework: w,
});

function productLine(id: string, name: string, people = 5): ProductLineReport {
  return {
    id,
    name,
    team: 'payments',
    hours: stages(40, 20, 10, 5, 15, 10),
    laborCost: stages(4000, 2500, 1000, 500, 1500, 1000),
    cloudCost: 3000,
    aiCost: 1200.5,
    ciCost: 80,
    revenue: 20000,
    units: 1000,
    seniorReviewHours: 12,
    people,
    allInCost: 14780.5,
    cogs: 10780.5,
    grossMarginPct: 46.0975,
    unitCost: 14.7805,
    aiUnitCost: 1.2005,
    stageShare: stages(40, 20, 10, 5, 15, 10),
    seniorReviewSharePct: 60,
    drift: {
      grossMarginPp: -3.1,
      byDriverPp: { cloud: 0.3, ai: -1.6, ci: 0, review: -1.8, qa: 0, deploy: 0, incident: 0, rework: 0 },
      stageSharePp: stages(-6.2, 5.1, 0, 0, 1.1, 0),
      seniorReviewSharePp: 8,
      flags: ['grossMarginPct', 'authoring', 'review'],
    },
    driftVsTrailing3: {
      ...noDrift,
      stageSharePp: stages(-8, 6, 0, 0, 2, 0),
      months: ['2026-07', '2026-08', '2026-09'],
    },
  };
}

function view(productLines: ProductLineReport[], showMargin: boolean): ReviewView {
  return {
    month: '2026-10',
    priorMonth: '2026-09',
    currency: 'USD',
    hasData: true,
    org: {
      allInCost: 100000,
      labour: 60000,
      cloud: 30000,
      ai: 9000,
      ci: 1000,
      revenue: 150000,
      grossMarginPct: 41.2,
      stageShare: stages(40, 20, 10, 5, 15, 10),
      hours: 1234.4,
      drift: { ...noDrift, grossMarginPp: 1, byDriverPp: { cloud: 1.2, ai: -0.2 } },
    },
    productLines,
    coverage: { costAllocatedPct: 93.14, hoursAllocatedPct: 88, peopleMappedPct: 95 },
    showMargin,
    actions: [
      {
        id: 1,
        title: 'Tag the <!channel> buckets & more',
        ownerId: 'U0ADA',
        dueDate: '2026-10-20',
        status: 'done',
        productLine: 'checkout',
        carriedOver: false,
      },
      {
        id: 2,
        title: 'Rightsize search',
        ownerId: 'U0BOB',
        dueDate: '2026-10-25',
        status: 'overdue',
        productLine: null,
        carriedOver: true,
      },
    ],
    anomalyKpis: {
      count: 4,
      medianHoursToDetect: 14,
      medianHoursToAcknowledge: 3.25,
      medianHoursToResolve: null,
    },
    modelVersion: '1',
    configHash: 'abc123',
  };
}

describe('driftSentence', () => {
  it('reads like the issue: drivers as cost pressure, largest first, summing to the fall', () => {
    expect(driftSentence(productLine('c', 'C').drift)).toBe(
      'margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3',
    );
  });
  it('says when margin rose, and when there is no reference', () => {
    expect(driftSentence({ ...noDrift, grossMarginPp: 1, byDriverPp: { cloud: 1.2, ai: -0.2 } })).toBe(
      'margin rose 1.0 pts: cloud −1.2, AI +0.2',
    );
    expect(driftSentence(noDrift)).toBeNull();
  });
});

describe('review parent', () => {
  it('opens with the action log, then costs, margin, stage mix, anomalies and coverage', () => {
    const msg = renderReviewParent(view([productLine('checkout', 'Checkout')], true));
    expect(validateMessage(msg)).toEqual([]);
    const texts = msg.blocks.map((b) => JSON.stringify(b));
    expect(texts[0]).toContain('FinOps review — October 2026');
    expect(texts[1]).toContain('1 done, 0 open, 1 overdue');
    expect(texts[1]).toContain('Tag the &lt;!channel&gt; buckets &amp; more');
    expect(texts[1]).toContain('<@U0BOB>, due 2026-10-25 _(carried over)_');
    expect(texts[3]).toContain('$100,000');
    expect(texts.join()).toContain(
      'Gross margin 41.2%* — margin rose 1.0 pts: cloud −1.2, AI +0.2 (vs September 2026)',
    );
    expect(texts.join()).toContain('median time to detect 14.0 h, to acknowledge 3.3 h, to resolve —');
    expect(texts.join()).toContain('cost 93.1% · hours 88.0% · people 95.0%');
    expect(msg.text).toContain('All-in cost $100,000 (labour $60,000, cloud $30,000, AI $9,000, CI $1,000)');
  });

  it('keeps revenue and margin out when margin is not to be shown', () => {
    const msg = renderReviewParent(view([productLine('checkout', 'Checkout')], false));
    const all = JSON.stringify(msg);
    expect(all).not.toMatch(/margin \d|41\.2/);
    expect(all).toContain('finance viewers only');
  });

  it('says there is nothing to review for a month without data', () => {
    const msg = renderReviewParent({ ...view([], true), hasData: false });
    expect(msg.text).toContain('nothing to review');
  });
});

describe('product line reply', () => {
  it('shows costs, margin, drift sentence, stage mix vs last month and 3-month mean, and the button', () => {
    const msg = renderProductLineReply(view([], true), productLine('checkout', 'Checkout'), {
      addActionItem: 'add_item',
    });
    expect(validateMessage(msg)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('Margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3.');
    expect(all).toContain('• authoring 40.0% (−6.2 pts vs last month, −8.0 vs 3-month mean) ⚑');
    expect(all).toContain('*Unit cost*\\n$14.78');
    const act = msg.blocks.at(-1) as unknown as { elements: Array<{ action_id: string; value: string }> };
    expect(act.elements[0]).toMatchObject({
      action_id: 'add_item',
      value: '{"productLine":"checkout","month":"2026-10"}',
    });
  });

  it('shows the AI cost per unit (four decimals below one) to everyone, the whole reply as rendered', () => {
    // Shopping Assistant: AI 4.20 over 1,000 inferences → 0.0042 an inference; no drift yet.
    const pl: ProductLineReport = {
      ...productLine('assistant', 'Shopping <Assistant>'),
      team: 'search',
      laborCost: stages(4000, 2500, 1000, 500, 1500, 1000),
      cloudCost: 300,
      aiCost: 4.2,
      ciCost: 0,
      revenue: 900,
      units: 1000,
      allInCost: 10804.2,
      cogs: 6804.2,
      grossMarginPct: -656.0222,
      unitCost: 10.8042,
      aiUnitCost: 0.0042,
      drift: noDrift,
      driftVsTrailing3: null,
    };
    const field = (text: string) => ({ type: 'mrkdwn', text });
    const costs = [
      field('*All-in cost*\n$10,804'),
      field('*Labour*\n$10,500'),
      field('*Cloud*\n$300'),
      field('*AI*\n$4.2'),
      field('*CI*\n$0'),
    ];
    const rest = [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Stage mix*\n• authoring 40.0%\n• review 20.0%\n• qa 10.0%\n• deploy 5.0%\n• incident 15.0%\n• rework 10.0%\nSenior share of review hours: 60.0%',
        },
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Add action item', emoji: true },
            action_id: 'add_item',
            value: '{"productLine":"assistant","month":"2026-10"}',
          },
        ],
      },
    ];
    const head = {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Shopping &lt;Assistant&gt;* · team search' },
    };
    const ids = { addActionItem: 'add_item' };
    expect(renderProductLineReply(view([pl], true), pl, ids)).toEqual({
      text: 'Shopping &lt;Assistant&gt;: all-in cost $10,804 for October 2026, gross margin -656.0%.',
      blocks: [
        head,
        {
          type: 'section',
          fields: [
            ...costs,
            field('*Revenue*\n$900'),
            field('*Gross margin*\n-656.0%'),
            field('*Unit cost*\n$10.8'),
            field('*AI cost per unit*\n$0.0042'),
          ],
        },
        ...rest,
      ],
    });
    expect(renderProductLineReply(view([pl], false), pl, ids)).toEqual({
      text: 'Shopping &lt;Assistant&gt;: all-in cost $10,804 for October 2026.',
      blocks: [head, { type: 'section', fields: [...costs, field('*AI cost per unit*\n$0.0042')] }, ...rest],
    });
    // Without units there is no AI cost per unit.
    const noUnits = { ...pl, units: null, unitCost: null, aiUnitCost: null };
    expect(JSON.stringify(renderProductLineReply(view([noUnits], true), noUnits, ids))).not.toContain(
      'per unit',
    );
  });

  it('never breaks down hours or labour of fewer than 3 people', () => {
    const msg = renderProductLineReply(view([], false), productLine('tiny', 'Tiny', 2), {
      addActionItem: 'a',
    });
    const all = JSON.stringify(msg.blocks);
    expect(all).not.toContain('authoring 40.0%');
    expect(all).toContain('— (fewer than 3 people)');
    expect(all).not.toContain('Gross margin');
  });

  it('stays within limits for 80 product lines with hostile names, each escaped', () => {
    const hostile = ['<!channel>', '*bold*', '&amp;', '<https://evil.example|click>', 'x'.repeat(5000)];
    const pls = Array.from({ length: 80 }, (_, i) =>
      productLine(`pl-${i}`, `${hostile[i % hostile.length]} ${i}`),
    );
    const v = view(pls, true);
    for (const pl of pls) {
      const msg = renderProductLineReply(v, pl, { addActionItem: 'a' });
      expect(validateMessage(msg)).toEqual([]);
      expect(JSON.stringify(msg.blocks)).not.toContain('<!channel>');
      expect(JSON.stringify(msg.blocks)).not.toContain('<https://evil');
    }
    expect(validateMessage(renderReviewParent(v))).toEqual([]);
    const show = renderShowback(
      v,
      { id: 'payments', name: 'Payments' },
      pls,
      'https://slack.example/archives/C1/p1',
    );
    expect(validateMessage(show)).toEqual([]);
    expect(JSON.stringify(show.blocks)).toContain('more product lines');
  });
});

describe('finance follow-up, problem report and chart text', () => {
  const hostile = ['<!channel>', '*bold*', '&amp;', '<https://evil.example|click>', 'x'.repeat(5000)];
  const many = Array.from({ length: 80 }, (_, i) =>
    productLine(`pl-${i}`, `${hostile[i % hostile.length]} ${i}`),
  );

  it('gives finance viewers the margin of the organisation and each product line', () => {
    const msg = renderMarginFollowUp(view([productLine('checkout', 'Checkout')], false));
    expect(validateMessage(msg)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain(
      '*Organisation: gross margin 41.2%* on revenue $150,000 — margin rose 1.0 pts: cloud −1.2, AI +0.2 (vs September 2026)',
    );
    expect(all).toContain(
      '• *Checkout*: revenue $20,000 · gross margin 46.1% · unit cost $14.78 — margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3',
    );
    expect(msg.text).toBe('Margin for finance viewers — October 2026: organisation gross margin 41.2%.');
  });

  it('keeps the follow-up and the problem report within limits for 80 hostile names', () => {
    const msg = renderMarginFollowUp(view(many, false));
    expect(validateMessage(msg)).toEqual([]);
    const all = JSON.stringify(msg);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    // Every product line is there, or counted in an "…and N more" line.
    const shown = (all.match(/• \*/g) ?? []).length;
    const more = Number(/…and (\d+) more product lines/.exec(all)?.[1] ?? 0);
    expect(shown + more).toBe(80);
    const problems = renderReviewProblems(
      '2026-10',
      many.map((p) => ({
        what: `the reply for ${p.name}`,
        channel: '#finops-review',
        error: 'not_in_channel',
      })),
    );
    expect(validateMessage(problems)).toEqual([]);
    expect(JSON.stringify(problems)).not.toContain('<!channel>');
    expect(JSON.stringify(problems.blocks)).toContain('invite it with /invite @finops');
  });

  it('packs lines into sections and says how many did not fit', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${'y'.repeat(900)} ${i}`);
    const blocks = linesToSections(lines, 3, 'rows');
    expect(blocks).toHaveLength(3);
    expect(validateMessage({ text: 't', blocks })).toEqual([]);
    const last = (blocks[2] as unknown as { text: { text: string } }).text.text;
    expect(last).toMatch(/…and 9\d more rows$/);
    expect(linesToSections(['a', 'b'], 5, 'rows')).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'a\nb' } },
    ]);
  });

  it('tells the stage-mix chart in words, organisation first, within the alt-text limit', () => {
    const month = (m: string) => ({
      month: m,
      groups: [
        {
          id: 'checkout',
          name: 'Checkout',
          stageShare: stages(40, 20, 10, 5, 15, 10),
          hours: 100,
          people: 5,
        },
        { id: null, name: 'Organisation', stageShare: stages(50, 20, 10, 5, 10, 5), hours: 300, people: 12 },
      ],
    });
    expect(stageMixAltText([month('2026-09'), month('2026-10')], 0)).toBe(
      'Stacked bars of the share of engineering hours by stage, Sep 2026 to Oct 2026. October 2026: ' +
        'Organisation: authoring 50.0%, review 20.0%, qa 10.0%, deploy 5.0%, incident 10.0%, rework 5.0%; ' +
        'Checkout: authoring 40.0%, review 20.0%, qa 10.0%, deploy 5.0%, incident 15.0%, rework 10.0%.',
    );
    const wide = {
      month: '2026-10',
      groups: many.map((p) => ({ id: p.id, name: p.name, stageShare: p.stageShare, hours: 1, people: 5 })),
    };
    const alt = stageMixAltText([wide], 3);
    expect(alt.length).toBeLessThanOrEqual(FILE_ALT_TEXT_MAX);
    expect(alt).toMatch(/…and \d+ more product lines \(in their replies\)\.$/);
    expect(stageMixAltText([], 0)).toBe('Stage mix chart: no engineering hours in these months.');
  });

  it('tells the waterfall in words and gives its bars as contributions to margin', () => {
    const drift = productLine('c', 'C').drift;
    expect(waterfallAltText('2026-10', '2026-09', 49.2, 46.1, drift)).toBe(
      'Margin waterfall: organisation gross margin 49.2% in September 2026, 46.1% in October 2026; ' +
        'margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3 (each cost as a share of revenue, + pushed margin down).',
    );
    expect(waterfallSteps(drift)).toEqual([
      { label: 'cloud', valuePp: 0.3 },
      { label: 'AI', valuePp: -1.6 },
      { label: 'review labour', valuePp: -1.8 },
    ]);
  });

  it('hides the organisation’s stage mix when fewer than 3 people had hours', () => {
    const v = view([], true);
    const msg = renderReviewParent({ ...v, org: { ...v.org, people: 2 } });
    const all = JSON.stringify(msg.blocks);
    expect(all).not.toContain('authoring 40.0%');
    expect(all).toContain('fewer than 3 people');
  });
});
