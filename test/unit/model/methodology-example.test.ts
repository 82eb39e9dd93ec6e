/**
 * The worked example of docs/methodology.md, computed by the real model. If a number here
 * changes, the document is wrong: update both together.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { computeMonthFigures } from '../../../src/model/figures.ts';
import { buildSnapshotData } from '../../../src/model/margin.ts';
import { toReportJson } from '../../../src/model/report-json.ts';
import type { ActivityInput } from '../../../src/model/types.ts';

const config = validateConfig({
  timezone: 'Europe/Berlin',
  rates: [{ effective_from: '2026-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } }],
  teams: [{ id: 'payments' }],
  people: [
    { name: 'Ada', github: 'ada', level: 'senior' },
    { name: 'Bob', github: 'bob', level: 'mid' },
  ],
  product_lines: [{ id: 'checkout', team: 'payments', repos: ['acme/checkout-api'] }],
}).config;

// Tuesday 6 October 2026; Berlin is UTC+2 (CEST), so 09:00 local = 07:00Z.
const at = (local: string) => new Date(`2026-10-06T${local}:00+02:00`);

const activity: ActivityInput = {
  pullRequests: [
    {
      repo: 'acme/checkout-api',
      number: 1,
      authorLogin: 'ada',
      authorIsBot: false,
      title: 'Add coupon API',
      labels: [],
      createdAt: at('09:00'),
      files: [
        { path: 'src/coupon.ts', additions: 80, deletions: 20 },
        { path: 'test/coupon.test.ts', additions: 40, deletions: 10 },
      ],
    },
  ],
  commits: [
    {
      repo: 'acme/checkout-api',
      prNumber: 1,
      sha: 'a1',
      authorLogin: 'ada',
      authorIsBot: false,
      authoredAt: at('10:00'),
      parentCount: 1,
    },
    {
      repo: 'acme/checkout-api',
      prNumber: 1,
      sha: 'a2',
      authorLogin: 'ada',
      authorIsBot: false,
      authoredAt: at('11:30'),
      parentCount: 1,
    },
  ],
  reviews: [
    {
      id: 10,
      repo: 'acme/checkout-api',
      prNumber: 1,
      authorLogin: 'bob',
      authorIsBot: false,
      submittedAt: at('11:00'),
    },
  ],
  reviewComments: [
    {
      id: 20,
      repo: 'acme/checkout-api',
      prNumber: 1,
      authorLogin: 'bob',
      authorIsBot: false,
      createdAt: at('15:00'),
    },
  ],
  workflowRuns: [
    {
      id: 30,
      repo: 'acme/checkout-api',
      name: 'ci',
      actorLogin: 'ada',
      actorIsBot: false,
      runAttempt: 1,
      headSha: 'a2',
      createdAt: at('11:31'),
      runStartedAt: at('11:31'),
      updatedAt: at('12:21'),
      status: 'completed',
      billableMs: null,
    },
  ],
  deployments: [],
  incidents: [],
  logEntries: [],
  pdUsers: [],
};

describe('docs/methodology.md worked example', () => {
  it('gives the hours, costs, margin and drift the document shows', () => {
    const asOf = new Date('2026-11-01T00:00:00Z');
    const october = computeMonthFigures(
      activity,
      [
        { productLine: 'checkout', ai: false, amount: 1000 },
        { productLine: 'checkout', ai: true, amount: 200 },
      ],
      [{ productLine: 'checkout', revenue: 3000, units: null }],
      config,
      { month: '2026-10', asOf },
    );
    const september = {
      month: '2026-09',
      productLines: [
        {
          id: 'checkout',
          hours: { authoring: 0, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 },
          laborCost: { authoring: 0, review: 200, qa: 50, deploy: 0, incident: 0, rework: 0 },
          cloudCost: 900,
          aiCost: 100,
          ciCost: 0.4,
          revenue: 3000,
          units: null,
          seniorReviewHours: 0,
          people: 2,
        },
      ],
    };
    const snap = buildSnapshotData(october, [september], config, {
      configHash: 'example',
      asOf,
      inputCounts: {},
      hasData: true,
    });
    const json = toReportJson(snap);
    const pl = json.productLines[0]!;
    expect(pl.hours).toEqual({ authoring: 1, review: 2.5, qa: 0.5, deploy: 0, incident: 0, rework: 0 });
    expect(pl.laborCost).toEqual({
      authoring: 125,
      review: 282.5,
      qa: 62.5,
      deploy: 0,
      incident: 0,
      rework: 0,
    });
    expect([pl.cloudCost, pl.aiCost, pl.ciCost, pl.allInCost, pl.cogs]).toEqual([
      1000, 200, 0.4, 1670.4, 1545.4,
    ]);
    expect(pl.grossMarginPct).toBe(48.5);
    expect(pl.stageShare).toEqual({
      authoring: 25,
      review: 62.5,
      qa: 12.5,
      deploy: 0,
      incident: 0,
      rework: 0,
    });
    expect(pl.seniorReviewSharePct).toBe(60);
    expect(pl.drift.grossMarginPp).toBe(-9.8);
    expect(pl.drift.byDriverPp).toEqual({
      cloud: -3.3,
      ai: -3.3,
      ci: 0,
      review: -2.8,
      qa: -0.4,
      deploy: 0,
      incident: 0,
      rework: 0,
    });
    const exact = snap.productLines[0]!.drift;
    expect(exact.grossMarginPp).toBeCloseTo(-9.8333, 4);
    const parts = Object.values(exact.byDriverPp).reduce((a, b) => a + b, 0);
    expect(parts).toBeCloseTo(exact.grossMarginPp!, 10);
  });
});
