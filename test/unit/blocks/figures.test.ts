import { describe, expect, it } from 'vitest';
import {
  type FiguresView,
  renderKpisAnswer,
  renderMarginAnswer,
  renderStagesAnswer,
  renderSyncFinished,
} from '../../../src/blocks/figures.ts';
import { validateMessage } from '../../../src/blocks/limits.ts';
import type { ProductLineReport } from '../../../src/model/types.ts';

const stages = (a: number, r: number, q: number, d: number, i: number, w: number) => ({
  authoring: a,
  review: r,
  qa: q,
  deploy: d,
  incident: i,
  rework: w,
});

function line(id: string, name: string, people = 4): ProductLineReport {
  return {
    id,
    name,
    team: 'payments',
    hours: stages(40, 20, 10, 5, 15, 10),
    laborCost: stages(4000, 2500, 1000, 500, 1500, 1000),
    cloudCost: 3000,
    aiCost: 1200,
    ciCost: 80,
    revenue: 20000,
    units: 1000,
    seniorReviewHours: 12,
    people,
    allInCost: 14780,
    cogs: 10780,
    grossMarginPct: 46.1,
    unitCost: 14.78,
    aiUnitCost: 1.2,
    stageShare: stages(40, 20, 10, 5, 15, 10),
    seniorReviewSharePct: 60,
    drift: {
      grossMarginPp: -3.1,
      byDriverPp: { cloud: 0.3, ai: -1.6, review: -1.8 },
      stageSharePp: stages(-6.2, 5.1, 0, 0, 1.1, 0),
      seniorReviewSharePp: 8,
      flags: ['grossMarginPct', 'authoring', 'review'],
    },
    driftVsTrailing3: null,
  };
}

function view(lines: ProductLineReport[], finance: boolean): FiguresView {
  return {
    month: '2026-10',
    currency: 'USD',
    scope:
      lines.length === 1
        ? { kind: 'product', id: 'checkout', name: 'Checkout' }
        : { kind: 'team', id: 'payments', name: 'Payments' },
    hasData: true,
    inProgress: false,
    frozen: true,
    productLines: lines,
    org: null,
    finance,
  };
}

describe('/finops margin answer', () => {
  it('shows finance figures and drift only to finance viewers', () => {
    const f = renderMarginAnswer(view([line('checkout', 'Checkout')], true));
    const o = renderMarginAnswer(view([line('checkout', 'Checkout')], false));
    expect(validateMessage(f)).toEqual([]);
    expect(validateMessage(o)).toEqual([]);
    expect(JSON.stringify(f.blocks)).toContain(
      '• *Checkout*: all-in $14,780 (labour $10,500, cloud $3,000, AI $1,200, CI $80) · revenue $20,000 · gross margin 46.1% · unit cost $14.78 — margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3',
    );
    expect(JSON.stringify(o.blocks)).toContain(
      '• *Checkout*: all-in $14,780 (labour $10,500, cloud $3,000, AI $1,200, CI $80)"',
    );
    expect(JSON.stringify(o)).not.toMatch(/revenue \$|gross margin \d|unit cost \$|margin fell/);
    expect(o.text).toContain('shown to finance viewers only');
    expect(JSON.stringify(f.blocks)).toContain('As posted in the monthly review (frozen).');
  });

  it('does not break labour out for fewer than 3 people', () => {
    const o = renderMarginAnswer(view([line('checkout', 'Checkout', 2)], false));
    expect(JSON.stringify(o.blocks)).toContain(
      'all-in $14,780 (cloud $3,000, AI $1,200, CI $80; labour not broken out: fewer than 3 people)',
    );
  });

  it('stays within limits with 80 hostile names, for both readers', () => {
    const hostile = ['<!channel>', '*bold*', '&amp;', '<https://evil.example|click>', 'z'.repeat(4000)];
    const many = Array.from({ length: 80 }, (_, i) => line(`pl-${i}`, `${hostile[i % hostile.length]} ${i}`));
    for (const finance of [true, false]) {
      for (const msg of [renderMarginAnswer(view(many, finance)), renderStagesAnswer(view(many, finance))]) {
        expect(validateMessage(msg)).toEqual([]);
        const all = JSON.stringify(msg);
        expect(all).not.toContain('<!channel>');
        expect(all).not.toContain('<https://evil');
      }
    }
  });
});

describe('/finops stages answer', () => {
  it('shows the mix with drift and flags, and nothing for fewer than 3 people', () => {
    const msg = renderStagesAnswer(view([line('checkout', 'Checkout'), line('tiny', 'Tiny', 1)], false));
    expect(validateMessage(msg)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('*Checkout* (100.0 h)\\n• authoring 40.0% (−6.2 pts vs last month) ⚑');
    expect(all).toContain('Senior share of review hours: 60.0% (+8.0 pts)');
    expect(all).toContain('*Tiny*: stage mix not shown (fewer than 3 people had hours).');
  });
});

describe('/finops kpis and sync answers', () => {
  it('reads the KPIs in one glance', () => {
    const msg = renderKpisAnswer({
      month: '2026-10',
      hasData: true,
      coverage: { costAllocatedPct: 93.14, hoursAllocatedPct: 80, peopleMappedPct: 100 },
      anomalies: {
        count: 3,
        medianHoursToDetect: 7,
        medianHoursToAcknowledge: 2.25,
        medianHoursToResolve: null,
      },
      actions: {
        items: 4,
        done: 3,
        completionRatePct: 75,
        medianDaysToClose: 6.5,
        overdue: 1,
        teams: [
          { name: 'Payments', items: 3, done: 3, completionRatePct: 100, medianDaysToClose: 6, overdue: 0 },
          { name: '<!here>', items: 1, done: 0, completionRatePct: 0, medianDaysToClose: null, overdue: 1 },
        ],
      },
    });
    expect(validateMessage(msg)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('cost 93.1% · hours 80.0% · people 100.0%');
    expect(all).toContain(
      '3 began this month · median time to detect 7.0 h, to acknowledge 2.3 h, to resolve —',
    );
    expect(all).toContain(
      '*Action items raised in October 2026:* 3 done of 4 raised (completion 75.0%) · median 6.5 days to close · 1 overdue now',
    );
    expect(all).toContain(
      '• &lt;!here&gt;: 0 done of 1 raised (completion 0.0%) · median — to close · 1 overdue now',
    );
  });

  it('escapes what ingestion reports and caps long reports', () => {
    const msg = renderSyncFinished([
      {
        source: 'focus',
        status: 'done',
        lines: Array.from({ length: 500 }, (_, i) => `<file ${i}> & more`),
        ms: 1234,
      },
    ]);
    expect(validateMessage(msg)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toContain('&lt;file 0&gt; &amp; more');
    expect(JSON.stringify(msg.blocks)).toMatch(/…and \d+ more lines/);
  });
});
