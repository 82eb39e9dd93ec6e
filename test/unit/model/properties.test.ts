import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../../src/config/schema.ts';
import { computeMonthFigures } from '../../../src/model/figures.ts';
import { computeDrift } from '../../../src/model/margin.ts';
import type { ActivityInput, CostInput, MonthFigures, ProductLineFigures } from '../../../src/model/types.ts';
import { testConfig } from './builders.ts';

/** Invariants of the model on generated organisations (fast-check). */

const BASE = Date.parse('2026-09-29T00:00:00Z');
const SPAN_MIN = 36 * 24 * 60; // 29 Sep → 5 Nov
const LOGINS = ['ada', 'bob', 'cyd', 'zed', 'dependabot[bot]'];
const REPOS = ['acme/checkout', 'acme/mono', 'acme/tools'];
const PATHS = ['services/checkout/a.ts', 'services/search/b.ts', 'services/search/b.test.ts', 'README.md'];
const PD_USERS = ['PADA', 'PBOB', 'PXX'];

const when = fc.integer({ min: 0, max: SPAN_MIN }).map((m) => new Date(BASE + m * 60_000));
const login = fc.constantFrom(...LOGINS);

const activityArb: fc.Arbitrary<ActivityInput> = fc
  .record({
    prs: fc.array(
      fc.record({
        repo: fc.constantFrom(...REPOS),
        author: login,
        at: when,
        title: fc.constantFrom('Add cart', 'fix: rounding', 'Revert "x"', 'Refactor'),
        labels: fc.subarray(['bug', 'feature']),
        files: fc.array(
          fc.record({
            path: fc.constantFrom(...PATHS),
            additions: fc.nat(50),
            deletions: fc.nat(50),
          }),
          { maxLength: 4 },
        ),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    commits: fc.array(
      fc.record({ pr: fc.nat(7), author: login, at: when, sha: fc.nat(30), merge: fc.boolean() }),
      { maxLength: 30 },
    ),
    reviews: fc.array(fc.record({ pr: fc.nat(7), author: login, at: fc.option(when) }), { maxLength: 15 }),
    comments: fc.array(fc.record({ pr: fc.nat(7), author: login, at: when }), { maxLength: 15 }),
    runs: fc.array(
      fc.record({
        repo: fc.constantFrom(...REPOS),
        actor: fc.option(login),
        at: when,
        attempt: fc.integer({ min: 1, max: 3 }),
        name: fc.constantFrom('CI', 'Deploy prod'),
        billable: fc.option(fc.nat(3_600_000)),
        sha: fc.option(fc.nat(30)),
      }),
      { maxLength: 10 },
    ),
    deployments: fc.array(fc.record({ repo: fc.constantFrom(...REPOS), creator: login, at: when }), {
      maxLength: 5,
    }),
    incidents: fc.array(
      fc.record({
        service: fc.constantFrom('PCHK', 'PSRCH', 'POTHER'),
        entries: fc.array(
          fc.record({
            type: fc.constantFrom(
              'acknowledge',
              'assign',
              'annotate',
              'reassign',
              'escalate',
              'resolve',
              'trigger',
            ),
            user: fc.constantFrom(...PD_USERS),
            assignees: fc.subarray(PD_USERS),
            unassigned: fc.subarray(PD_USERS),
            offset: fc.nat(24 * 60),
          }),
          { maxLength: 6 },
        ),
        at: when,
        resolved: fc.option(fc.nat(12 * 60)),
      }),
      { maxLength: 5 },
    ),
  })
  .map((g) => {
    const prs = g.prs.map((p, i) => ({
      repo: p.repo,
      number: i,
      authorLogin: p.author,
      authorIsBot: false,
      title: p.title,
      labels: p.labels,
      createdAt: p.at,
      files: p.files,
    }));
    const prOf = (n: number) => prs[n % prs.length]!;
    let id = 1;
    return {
      pullRequests: prs,
      commits: g.commits.map((c) => ({
        repo: prOf(c.pr).repo,
        prNumber: prOf(c.pr).number,
        sha: `s${c.sha}`,
        authorLogin: c.author,
        authorIsBot: false,
        // One sha is one commit: its author date and parents follow from the sha.
        authoredAt: new Date(BASE + c.sha * 997 * 60_000),
        parentCount: c.sha % 7 === 0 ? 2 : 1,
      })),
      reviews: g.reviews.map((r) => ({
        id: id++,
        repo: prOf(r.pr).repo,
        prNumber: prOf(r.pr).number,
        authorLogin: r.author,
        authorIsBot: false,
        submittedAt: r.at,
      })),
      reviewComments: g.comments.map((c) => ({
        id: id++,
        repo: prOf(c.pr).repo,
        prNumber: prOf(c.pr).number,
        authorLogin: c.author,
        authorIsBot: false,
        createdAt: c.at,
      })),
      workflowRuns: g.runs.map((r) => ({
        id: id++,
        repo: r.repo,
        name: r.name,
        actorLogin: r.actor,
        actorIsBot: false,
        runAttempt: r.attempt,
        headSha: r.sha === null ? null : `s${r.sha}`,
        createdAt: r.at,
        runStartedAt: r.at,
        updatedAt: new Date(r.at.getTime() + 600_000),
        status: 'completed',
        billableMs: r.billable,
      })),
      deployments: g.deployments.map((d) => ({
        id: id++,
        repo: d.repo,
        creatorLogin: d.creator,
        creatorIsBot: false,
        sha: null,
        createdAt: d.at,
      })),
      incidents: g.incidents.map((inc, i) => ({
        id: `I${i}`,
        number: i,
        serviceId: inc.service,
        title: `incident ${i}`,
        createdAt: inc.at,
        resolvedAt: inc.resolved === null ? null : new Date(inc.at.getTime() + inc.resolved * 60_000),
      })),
      logEntries: g.incidents.flatMap((inc, i) =>
        inc.entries.map((e) => ({
          id: `L${id++}`,
          incidentId: `I${i}`,
          type: `${e.type}_log_entry`,
          agentId: e.user,
          agentType: 'user_reference',
          assigneeIds: e.assignees,
          unassignedIds: e.unassigned,
          createdAt: new Date(inc.at.getTime() + e.offset * 60_000),
        })),
      ),
      pdUsers: [
        { id: 'PADA', email: 'ada@example.com' },
        { id: 'PBOB', email: 'BOB@example.com' },
      ],
    } satisfies ActivityInput;
  });

const costsArb: fc.Arbitrary<CostInput[]> = fc.array(
  fc.record({
    productLine: fc.constantFrom('checkout', 'search', 'gone', null),
    ai: fc.boolean(),
    amount: fc.double({ min: -100, max: 10_000, noNaN: true }),
  }),
  { maxLength: 12 },
);

const config = testConfig({
  rates: [
    { effective_from: '2026-01-01', levels: { junior: 60, mid: 100, senior: 120 } },
    { effective_from: '2026-10-20', levels: { junior: 70, mid: 110, senior: 140 } },
  ],
});
// The same organisation with nothing claimed: every hour and cost is unallocated.
const unclaimed = testConfig({
  rates: config.rates.map((r) => ({ ...r })),
  product_lines: [
    { id: 'checkout', team: 'payments' },
    { id: 'search', team: 'search' },
  ],
});
const opts = { month: '2026-10', asOf: new Date('2026-11-03T00:00:00Z') };

const sumStages = (r: Record<string, number>) => STAGES.reduce((a, s) => a + r[s]!, 0);
const totals = (m: MonthFigures) => {
  const all = [...m.productLines, { ...m.unallocated }];
  return {
    hours: all.reduce((a, p) => a + sumStages(p.hours), 0),
    labour: all.reduce((a, p) => a + sumStages(p.laborCost), 0),
    cloud: all.reduce((a, p) => a + p.cloudCost, 0),
    ai: all.reduce((a, p) => a + p.aiCost, 0),
    ci: all.reduce((a, p) => a + p.ciCost, 0),
  };
};

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('model invariants (fast-check)', () => {
  it('allocated + unallocated = total, for hours and for each cost', () => {
    fc.assert(
      fc.property(activityArb, costsArb, (activity, costs) => {
        const m = computeMonthFigures(activity, costs, [], config, opts);
        const all = computeMonthFigures(activity, costs, [], unclaimed, opts);
        const a = totals(m);
        const u = totals(all);
        expect(sumStages(all.productLines[0]!.hours) + sumStages(all.productLines[1]!.hours)).toBe(0);
        for (const k of ['hours', 'labour', 'cloud', 'ai', 'ci'] as const) {
          expect(a[k]).toBeCloseTo(u[k], 6);
        }
        expect(a.cloud + a.ai).toBeCloseTo(
          costs.reduce((acc, c) => acc + c.amount, 0),
          6,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('hours and labour cost are never negative; people mapped never exceed people', () => {
    fc.assert(
      fc.property(activityArb, (activity) => {
        const m = computeMonthFigures(activity, [], [], config, opts);
        for (const p of [...m.productLines, m.unallocated]) {
          for (const s of STAGES) {
            expect(p.hours[s]).toBeGreaterThanOrEqual(0);
            expect(p.laborCost[s]).toBeGreaterThanOrEqual(0);
          }
          expect(p.ciCost).toBeGreaterThanOrEqual(0);
        }
        expect(m.people.mapped).toBeLessThanOrEqual(m.people.total);
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic under any permutation of its inputs (bit for bit)', () => {
    fc.assert(
      fc.property(activityArb, costsArb, fc.integer(), (activity, costs, seed) => {
        const shuffled: ActivityInput = {
          pullRequests: shuffle(activity.pullRequests, seed),
          reviews: shuffle(activity.reviews, seed + 1),
          reviewComments: shuffle(activity.reviewComments, seed + 2),
          commits: shuffle(activity.commits, seed + 3),
          workflowRuns: shuffle(activity.workflowRuns, seed + 4),
          deployments: shuffle(activity.deployments, seed + 5),
          incidents: shuffle(activity.incidents, seed + 6),
          logEntries: shuffle(activity.logEntries, seed + 7),
          pdUsers: shuffle(activity.pdUsers, seed + 8),
        };
        const a = computeMonthFigures(activity, costs, [], config, opts);
        const b = computeMonthFigures(shuffled, shuffle(costs, seed + 9), [], config, opts);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 150 },
    );
  });

  it('the margin drift parts sum to the drift', () => {
    const money = fc.double({ min: 0, max: 1e6, noNaN: true });
    const stagesArb = fc.record({
      authoring: money,
      review: money,
      qa: money,
      deploy: money,
      incident: money,
      rework: money,
    });
    const figuresArb: fc.Arbitrary<ProductLineFigures> = fc.record({
      id: fc.constant('checkout'),
      hours: stagesArb,
      laborCost: stagesArb,
      cloudCost: money,
      aiCost: money,
      ciCost: money,
      revenue: fc.option(fc.double({ min: 1, max: 1e7, noNaN: true })),
      units: fc.constant(null),
      seniorReviewHours: fc.constant(0),
      people: fc.constant(1),
    });
    fc.assert(
      fc.property(figuresArb, fc.array(figuresArb, { minLength: 1, maxLength: 3 }), (cur, refs) => {
        const d = computeDrift(cur, refs, config);
        if (d.grossMarginPp === null) {
          expect(d.byDriverPp).toEqual({});
          return;
        }
        const parts = Object.values(d.byDriverPp).reduce((a, b) => a + b, 0);
        expect(parts).toBe(d.grossMarginPp);
        // …and that sum is the difference of the margins themselves.
        const gm = (f: ProductLineFigures) => {
          const cogs =
            f.cloudCost +
            f.aiCost +
            f.ciCost +
            config.model.cogs_stages.reduce((a, s) => a + f.laborCost[s], 0);
          return ((f.revenue! - cogs) / f.revenue!) * 100;
        };
        const withRevenue = refs.filter((r) => r.revenue !== null);
        const expected = gm(cur) - withRevenue.reduce((a, r) => a + gm(r), 0) / withRevenue.length;
        // Rounding error scales with the margins subtracted, not with their difference (revenue 1
        // against costs of 1e6 gives margins near −1e8 % whose difference is tens of points).
        const scale = Math.max(1, Math.abs(gm(cur)), ...withRevenue.map((r) => Math.abs(gm(r))));
        expect(Math.abs(d.grossMarginPp - expected)).toBeLessThanOrEqual(1e-9 * scale);
      }),
      { numRuns: 300 },
    );
  });
});
