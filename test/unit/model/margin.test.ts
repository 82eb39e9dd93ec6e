import { describe, expect, it } from 'vitest';
import { computeMonthFigures } from '../../../src/model/figures.ts';
import { buildProductLineReport, buildSnapshotData, computeDrift } from '../../../src/model/margin.ts';
import { roundToTotal, toReportJson } from '../../../src/model/report-json.ts';
import type { ProductLineFigures, StageRecord } from '../../../src/model/types.ts';
import { emptyActivity, pr, t, testConfig } from './builders.ts';

const stages = (a: number, r: number, q: number, d: number, i: number, w: number): StageRecord => ({
  authoring: a,
  review: r,
  qa: q,
  deploy: d,
  incident: i,
  rework: w,
});

function figures(over: Partial<ProductLineFigures> = {}): ProductLineFigures {
  return {
    id: 'checkout',
    hours: stages(40, 20, 10, 5, 15, 10),
    laborCost: stages(3000, 1000, 400, 100, 300, 200),
    cloudCost: 2000,
    aiCost: 500,
    ciCost: 100,
    revenue: 10_000,
    units: 200,
    seniorReviewHours: 12,
    people: 5,
    ...over,
  };
}

// Hand-worked: prior month revenue 8,000; cloud 2,400 (30 %), AI 200 (2.5 %), CI 80 (1 %),
// labour review 600 (7.5 %), qa 400 (5 %), deploy 80 (1 %), incident 160 (2 %), rework 160 (2 %):
// cogs 4,080 → gross margin 49.0 %.
const prior = figures({
  hours: stages(50, 10, 10, 5, 15, 10),
  laborCost: stages(3200, 600, 400, 80, 160, 160),
  cloudCost: 2400,
  aiCost: 200,
  ciCost: 80,
  revenue: 8000,
  units: 100,
  seniorReviewHours: 4,
});

const config = testConfig();

describe('margin (SPEC §6)', () => {
  it('all-in cost, COGS with cogs_stages, gross margin, unit cost, stage shares, senior review share', () => {
    const r = buildProductLineReport(figures(), null, [], config);
    // cogs = 2000 + 500 + 100 + (1000 + 400 + 100 + 300 + 200) = 4,600; all-in = 4,600 + 3,000 authoring.
    expect(r.cogs).toBe(4600);
    expect(r.allInCost).toBe(7600);
    expect(r.grossMarginPct).toBeCloseTo(54, 12);
    expect(r.unitCost).toBe(38);
    expect(r.aiUnitCost).toBe(2.5); // AI 500 / 200 units
    expect(r.stageShare).toEqual(stages(40, 20, 10, 5, 15, 10));
    expect(r.seniorReviewSharePct).toBe(60);
    expect(r.drift).toEqual({
      grossMarginPp: null,
      byDriverPp: {},
      stageSharePp: {},
      seniorReviewSharePp: null,
      flags: [],
    });
    expect(r.driftVsTrailing3).toBeNull();
  });

  it('without revenue or units: gross margin and unit cost are null, never 0', () => {
    const r = buildProductLineReport(figures({ revenue: null, units: null }), null, [], config);
    expect(r.grossMarginPct).toBeNull();
    expect(r.unitCost).toBeNull();
    const zero = buildProductLineReport(figures({ revenue: 0, units: 0 }), null, [], config);
    expect([zero.grossMarginPct, zero.unitCost]).toEqual([null, null]);
    expect([r.aiUnitCost, zero.aiUnitCost]).toEqual([null, null]);
  });

  it('the drift splits exactly by driver: the parts sum to the drift', () => {
    const d = computeDrift(figures(), [prior], config);
    expect(d.grossMarginPp).toBeCloseTo(5, 12); // 54.0 − 49.0
    const expected: Record<string, number> = {
      cloud: 10, // −(20 % − 30 %)
      ai: -2.5, // −(5 % − 2.5 %)
      ci: 0,
      review: -2.5, // −(10 % − 7.5 %)
      qa: 1, // −(4 % − 5 %)
      deploy: 0,
      incident: -1, // −(3 % − 2 %)
      rework: 0,
    };
    expect(Object.keys(d.byDriverPp)).toEqual(Object.keys(expected));
    for (const [k, v] of Object.entries(expected)) expect(d.byDriverPp[k]).toBeCloseTo(v, 12);
    const total = Object.values(d.byDriverPp).reduce((a, b) => a + b, 0);
    expect(total).toBe(d.grossMarginPp);
  });

  it('stage-mix drift is flagged at |drift| ≥ stage_share_pp; margin drift at ≥ margin_pp; senior share drift', () => {
    const d = computeDrift(figures(), [prior], config);
    expect(d.stageSharePp).toEqual(stages(-10, 10, 0, 0, 0, 0));
    expect(d.flags).toEqual(['grossMarginPct', 'authoring', 'review']);
    expect(d.seniorReviewSharePp).toBe(20); // 60 % − 40 %
    // Exactly at the threshold flags; just under does not.
    const at = computeDrift(
      figures({ hours: stages(45, 15, 10, 5, 15, 10) }),
      [prior],
      testConfig({ drift: { stage_share_pp: 5 } }),
    );
    expect(at.flags).toEqual(['grossMarginPct', 'authoring', 'review']);
    const under = computeDrift(figures({ hours: stages(45.1, 14.9, 10, 5, 15, 10) }), [prior], config);
    expect(under.flags).toEqual(['grossMarginPct']);
  });

  it('COGS stages come from config: authoring in COGS becomes a driver', () => {
    const withAuthoring = testConfig({ model: { cogs_stages: ['authoring', 'incident'] } });
    const d = computeDrift(figures(), [prior], withAuthoring);
    expect(Object.keys(d.byDriverPp)).toEqual(['cloud', 'ai', 'ci', 'authoring', 'incident']);
    // authoring: −(3000/10000 − 3200/8000) × 100 = +10
    expect(d.byDriverPp['authoring']).toBeCloseTo(10, 12);
    expect(Object.values(d.byDriverPp).reduce((a, b) => a + b, 0)).toBeCloseTo(d.grossMarginPp!, 12);
  });

  it('drift against the trailing 3-month mean uses the months that have each figure', () => {
    const m3 = figures({ cloudCost: 3000, hours: stages(40, 20, 10, 5, 15, 10), seniorReviewHours: 10 });
    const noRevenue = figures({ revenue: null, hours: stages(0, 0, 0, 0, 0, 0), seniorReviewHours: 0 });
    const r = buildProductLineReport(
      figures(),
      { month: '2026-09', productLines: [prior] },
      [
        { month: '2026-09', productLines: [prior] },
        { month: '2026-08', productLines: [noRevenue] },
        { month: '2026-07', productLines: [m3] },
      ],
      config,
    );
    const tr = r.driftVsTrailing3!;
    expect(tr.months).toEqual(['2026-09', '2026-08', '2026-07']);
    // mean(49 %, 44 %) = 46.5 % → +7.5 points
    expect(tr.grossMarginPp).toBeCloseTo(7.5, 12);
    expect(tr.byDriverPp['cloud']).toBeCloseTo(10, 12);
    expect(tr.byDriverPp['ai']).toBeCloseTo(-1.25, 12);
    expect(tr.byDriverPp['qa']).toBeCloseTo(0.5, 12);
    expect(Object.values(tr.byDriverPp).reduce((a, b) => a + b, 0)).toBeCloseTo(7.5, 12);
    // Stage shares: mean of 2026-09 and 2026-07 (2026-08 has no hours).
    expect(tr.stageSharePp.authoring).toBeCloseTo(-5, 12);
    expect(tr.stageSharePp.review).toBeCloseTo(5, 12);
    expect(tr.seniorReviewSharePp).toBeCloseTo(60 - (40 + 50) / 2, 12);
  });
});

describe('SPEC §9 JSON', () => {
  it('rounds the drivers so the printed parts add up to the printed drift', () => {
    expect(roundToTotal({ a: 0.25, b: 0.25, c: 0.25, d: 0.25 }, 1, 1)).toEqual({
      a: 0.2,
      b: 0.2,
      c: 0.3,
      d: 0.3,
    });
    expect(roundToTotal({ a: 1.04, b: 1.04, c: 1.04 }, 3.12, 1)).toEqual({ a: 1.1, b: 1, c: 1 });
    expect(roundToTotal({ a: -0.05, b: -0.05 }, -0.1, 1)).toEqual({ a: 0, b: -0.1 });
    expect(roundToTotal({}, 0, 1)).toEqual({});
  });

  it('prints every configured product line in config order with zeros, rounded as §9 says', () => {
    const cfg = testConfig();
    const month = computeMonthFigures(
      emptyActivity({
        pullRequests: [
          pr(1, 'ada', '2026-10-05T10:00:00Z', {
            repo: 'acme/mono',
            files: [{ path: 'services/search/a.ts', additions: 2, deletions: 1 }],
          }),
        ],
      }),
      [
        { productLine: 'search', ai: false, amount: 100.005 },
        { productLine: 'search', ai: true, amount: 33.333 },
        { productLine: 'retired-line', ai: false, amount: 10 },
        { productLine: null, ai: false, amount: 5 },
      ],
      [{ productLine: 'search', revenue: 1000, units: 3 }],
      cfg,
      { month: '2026-10', asOf: t('2026-11-01T00:00:00Z') },
    );
    const data = buildSnapshotData(month, [null, null, null], cfg, {
      configHash: 'abc',
      asOf: t('2026-11-01T00:00:00Z'),
      inputCounts: {},
      hasData: true,
    });
    const json = toReportJson(data);
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      month: '2026-10',
      currency: 'USD',
      modelVersion: '1',
      configHash: 'abc',
      productLines: [
        {
          id: 'checkout',
          hours: stages(0, 0, 0, 0, 0, 0),
          laborCost: stages(0, 0, 0, 0, 0, 0),
          cloudCost: 0,
          aiCost: 0,
          ciCost: 0,
          allInCost: 0,
          cogs: 0,
          revenue: null,
          units: null,
          grossMarginPct: null,
          unitCost: null,
          aiUnitCost: null,
          stageShare: stages(0, 0, 0, 0, 0, 0),
          seniorReviewSharePct: 0,
          drift: { grossMarginPp: null, byDriverPp: {}, stageSharePp: {}, flags: [] },
        },
        {
          id: 'search',
          hours: stages(0.5, 0, 0, 0, 0, 0),
          laborCost: stages(60, 0, 0, 0, 0, 0), // ada, senior, 0.5 h × 120
          cloudCost: 100.01,
          aiCost: 33.33,
          ciCost: 0,
          allInCost: 193.34, // 60 + 100.005 + 33.333 = 193.338
          cogs: 133.34,
          revenue: 1000,
          units: 3,
          grossMarginPct: 86.7, // (1000 − 133.338) / 1000
          unitCost: 64.45, // 193.338 / 3 = 64.446
          aiUnitCost: 11.11, // 33.333 / 3 = 11.111
          stageShare: stages(100, 0, 0, 0, 0, 0),
          seniorReviewSharePct: 0,
          drift: { grossMarginPp: null, byDriverPp: {}, stageSharePp: {}, flags: [] },
        },
      ],
      // A product line the config no longer has is unallocated.
      unallocated: { hours: 0, laborCost: 0, cloudCost: 15, aiCost: 0, ciCost: 0 },
      coverage: { costAllocatedPct: 89.9, hoursAllocatedPct: 100, peopleMappedPct: 100 }, // 133.338 / 148.338
    });
    expect(toReportJson(data, ['search']).productLines.map((p) => p.id)).toEqual(['search']);
  });
});
