import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../src/blocks/limits.ts';
import {
  driftSentence,
  renderProductLineReply,
  renderReviewParent,
  renderShowback,
  type ReviewView,
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
