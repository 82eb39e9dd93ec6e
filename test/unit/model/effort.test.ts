import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { computeEffort, sessionSpans } from '../../../src/model/effort.ts';
import { isReworkPr } from '../../../src/model/events.ts';
import type { ActivityInput } from '../../../src/model/types.ts';
import {
  comment,
  commit,
  deployment,
  emptyActivity,
  entry,
  incident,
  pr,
  review,
  run,
  t,
  testConfig,
} from './builders.ts';

const OCT = { month: '2026-10', asOf: t('2026-11-15T00:00:00Z') };

/** Minutes per non-zero stage for one product line (`null` = unallocated), to compare with hand-worked numbers. */
function minutes(
  activity: ActivityInput,
  pl: string | null = 'checkout',
  config: Config = testConfig(),
  opts = OCT,
) {
  const res = computeEffort(activity, config, opts);
  const h = res.byProductLine.get(pl)!.hours;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(h)) if (v !== 0) out[k] = Math.round(v * 60 * 1e6) / 1e6;
  return out;
}

describe('sessions (SPEC §4)', () => {
  it.each([
    ['a lone event gets first_event_minutes', ['10:00'], [30]],
    ['a gap of exactly session_gap_minutes continues the session', ['10:00', '12:00'], [30, 120]],
    ['a gap one minute longer starts a new session', ['10:00', '12:01'], [30, 30]],
    ['ties add nothing to the second event', ['10:00', '10:00', '10:20'], [30, 0, 20]],
  ])('%s', (_name, times, expected) => {
    const events = times.map((hm) => ({ at: t(`2026-10-05T${hm}:00Z`).getTime() }));
    const spans = sessionSpans(events, 120, 30);
    expect(spans.map(([s, e]) => (e - s) / 60_000)).toEqual(expected);
  });

  it('the first-event span never reaches back before the previous event (first_event_minutes > gap)', () => {
    const events = ['10:00', '10:50'].map((hm) => ({ at: t(`2026-10-05T${hm}:00Z`).getTime() }));
    expect(sessionSpans(events, 30, 60).map(([s, e]) => (e - s) / 60_000)).toEqual([60, 50]);
  });
});

describe('events and hours (SPEC §4)', () => {
  it('session gap at exactly the limit continues, past it restarts with the first-event allowance', () => {
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-05T10:00:00Z')],
      commits: [commit(1, 'ada', '2026-10-05T12:00:00Z'), commit(1, 'ada', '2026-10-05T14:01:00Z')],
    });
    // 30 (opened) + 120 (gap = limit) + 30 (gap 121 → new session)
    expect(minutes(a)).toEqual({ authoring: 180 });
  });

  it('a tie in time is ordered by stage id: qa before review, so the re-run takes the gap', () => {
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-05T09:00:00Z'), pr(2, 'bob', '2026-10-04T09:00:00Z')],
      reviews: [review(2, 'ada', '2026-10-05T10:00:00Z')],
      workflowRuns: [run('ada', '2026-10-05T10:00:00Z', { runAttempt: 2 })],
    });
    // ada: opened 09:00 → 30 authoring; 10:00 re-run (qa, "qa" < "review") → 60; review at the same instant → 0.
    const res = computeEffort(a, testConfig(), OCT);
    const h = res.byProductLine.get('checkout')!.hours;
    expect(h.qa * 60).toBe(60);
    expect(h.review * 60).toBe(0);
    // bob's PR was opened on the 4th: 30 authoring of his; ada's 30 authoring.
    expect(h.authoring * 60).toBe(60);
  });

  it.each([
    ['label in rework_labels (any case)', { labels: ['Bug'] }, true],
    ['title Revert "…"', { title: 'Revert "Add cache"' }, true],
    ['title revert…', { title: 'revert: cache' }, true],
    ['title fix…', { title: 'Fix login loop' }, true],
    ['title HOTFIX…', { title: 'HOTFIX payment timeout' }, true],
    ['fix in the middle', { title: 'Add prefix fix' }, false],
    ['other label', { labels: ['feature'] }, false],
  ])('rework re-label: %s', (_name, over, expected) => {
    expect(
      isReworkPr({ title: 'Add feature', labels: [], ...over }, ['bug', 'hotfix', 'regression', 'revert']),
    ).toBe(expected);
  });

  it('rework turns the authoring and review events of the PR into rework, not qa or deploy', () => {
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-05T10:00:00Z', { title: 'fix: double charge' })],
      commits: [commit(1, 'ada', '2026-10-05T10:40:00Z')],
      reviews: [review(1, 'bob', '2026-10-05T11:00:00Z')],
      workflowRuns: [run('ada', '2026-10-05T11:00:00Z', { runAttempt: 2, headSha: null })],
    });
    // ada 30 + 40 rework, re-run at 11:00 (qa, gap 20); bob 30 rework.
    expect(minutes(a)).toEqual({ rework: 100, qa: 20 });
  });

  it('qa share: the test-line fraction of a PR’s authoring hours moves to qa', () => {
    const files = [
      { path: 'src/pay.ts', additions: 30, deletions: 10 },
      { path: 'src/pay.test.ts', additions: 10, deletions: 0 },
    ];
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-05T10:00:00Z', { files })],
      commits: [commit(1, 'ada', '2026-10-05T11:00:00Z')],
    });
    // 90 authoring minutes, 10 of 50 lines are tests → 18 qa, 72 authoring.
    expect(minutes(a)).toEqual({ authoring: 72, qa: 18 });
  });

  it('commits before the first review by someone else are authoring, after it review', () => {
    const a = emptyActivity({
      pullRequests: [pr(1, 'bob', '2026-10-05T10:00:00Z')],
      commits: [commit(1, 'bob', '2026-10-05T10:30:00Z'), commit(1, 'bob', '2026-10-05T11:30:00Z')],
      reviews: [
        review(1, 'bob', '2026-10-05T10:45:00Z'), // the author's own review: neither an event nor the first review
        review(1, 'dependabot[bot]', '2026-10-05T10:50:00Z', { authorIsBot: true }),
        review(1, 'ada', '2026-10-05T11:00:00Z'),
        review(1, 'cyd', null), // pending: no event
      ],
      reviewComments: [comment(1, 'bob', '2026-10-05T12:00:00Z')], // a reply in review
    });
    // bob: 30 opened + 30 (10:30) authoring; 60 (11:30) + 30 (12:00 reply) review. ada: 30 review.
    expect(minutes(a)).toEqual({ authoring: 60, review: 120 });
  });

  it('workflow re-runs are qa; deployments and deploy workflow runs are deploy; bots are ignored', () => {
    const a = emptyActivity({
      workflowRuns: [
        run('ada', '2026-10-05T10:00:00Z', { runAttempt: 2 }),
        run('ada', '2026-10-05T10:10:00Z'), // first attempt of CI: no event
        run('bob', '2026-10-05T12:00:00Z', { name: 'Deploy to production' }),
        run('renovate[bot]', '2026-10-05T13:00:00Z', { runAttempt: 3 }),
        run('github-actions', '2026-10-05T13:00:00Z', { name: 'deploy', actorIsBot: true }),
      ],
      deployments: [
        deployment('cyd', '2026-10-05T15:00:00Z'),
        deployment('github-actions[bot]', '2026-10-05T15:00:00Z'),
      ],
    });
    expect(minutes(a)).toEqual({ qa: 30, deploy: 60 });
  });

  it('a re-run belongs to who pressed re-run (triggering actor), not to who triggered the first attempt', () => {
    const a = emptyActivity({
      workflowRuns: [
        run('bob', '2026-10-05T10:00:00Z', { runAttempt: 2, triggeringActorLogin: 'ada' }),
        run('cyd', '2026-10-05T12:00:00Z', {
          runAttempt: 3,
          triggeringActorLogin: 'renovate[bot]',
          triggeringActorIsBot: true,
        }),
      ],
    });
    const res = computeEffort(a, testConfig(), OCT);
    expect(res.explain['checkout']!.qa.people).toBe(1);
    expect(res.explain['checkout']!.qa.rates.map((r) => r.level)).toEqual(['senior']); // ada, not bob
    expect(res.counts['botActivitiesExcluded']).toBe(1);
  });

  it('bots are excluded everywhere', () => {
    const a = emptyActivity({
      pullRequests: [
        pr(1, 'dependabot[bot]', '2026-10-05T10:00:00Z'),
        pr(2, 'botty', '2026-10-05T10:00:00Z', { authorIsBot: true }),
      ],
      commits: [
        commit(1, 'dependabot[bot]', '2026-10-05T10:00:00Z'),
        commit(2, 'botty', '2026-10-05T10:05:00Z', { authorIsBot: true }),
      ],
      reviewComments: [comment(1, 'Copilot-Reviewer[BOT]', '2026-10-05T10:10:00Z')],
    });
    const res = computeEffort(a, testConfig(), OCT);
    expect(minutes(a)).toEqual({});
    expect(res.counts['botActivitiesExcluded']).toBe(5);
    expect(res.people.total).toBe(0);
  });

  it('a commit carried by several PRs counts once (earliest PR its author opened); merge commits never', () => {
    const shared = 'abc123';
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-01T08:00:00Z'), pr(2, 'ada', '2026-10-03T08:00:00Z')],
      commits: [
        commit(1, 'ada', '2026-10-05T10:00:00Z', { sha: shared }),
        commit(2, 'ada', '2026-10-05T10:00:00Z', { sha: shared }),
        commit(2, 'ada', '2026-10-05T10:30:00Z', { sha: 'merge1', parentCount: 2 }),
      ],
    });
    const res = computeEffort(a, testConfig(), OCT);
    // Two PR openings (30 each) and one commit (30): the duplicate and the merge add nothing.
    expect(minutes(a)).toEqual({ authoring: 90 });
    expect(res.counts['duplicateCommitsExcluded']).toBe(1);
    expect(res.counts['mergeCommitsExcluded']).toBe(1);
    expect(res.explain['checkout']!.authoring.topPullRequests.map((p) => [p.number, p.hours * 60])).toEqual([
      [1, 60],
      [2, 30],
    ]);
  });

  it('monorepo: a PR splits by changed lines under each glob; a PR under no glob is unallocated', () => {
    const mono = { repo: 'acme/mono' };
    const a = emptyActivity({
      pullRequests: [
        pr(1, 'ada', '2026-10-05T10:00:00Z', {
          ...mono,
          files: [
            { path: 'services/checkout/cart.ts', additions: 20, deletions: 10 },
            { path: 'services/search/rank.ts', additions: 5, deletions: 5 },
            { path: 'README.md', additions: 40, deletions: 0 },
          ],
        }),
        pr(2, 'bob', '2026-10-05T10:00:00Z', {
          ...mono,
          files: [{ path: 'tools/x.sh', additions: 1, deletions: 0 }],
        }),
      ],
    });
    // PR 1: 30 min; claimed lines 30 (checkout) and 10 (search) → 22.5 / 7.5. PR 2: 30 unallocated.
    expect(minutes(a, 'checkout')).toEqual({ authoring: 22.5 });
    expect(minutes(a, 'search')).toEqual({ authoring: 7.5 });
    expect(minutes(a, null)).toEqual({ authoring: 30 });
  });

  it('session time overlapping an incident interval of the same person counts as incident only', () => {
    const a = emptyActivity({
      pullRequests: [pr(1, 'ada', '2026-10-05T10:00:00Z')],
      commits: [commit(1, 'ada', '2026-10-05T11:00:00Z')],
      incidents: [incident('I1', '2026-10-05T10:25:00Z', { resolvedAt: '2026-10-05T12:00:00Z' })],
      logEntries: [
        entry('I1', 'acknowledge', '2026-10-05T10:30:00Z', 'PADA'),
        entry('I1', 'resolve', '2026-10-05T12:00:00Z', 'PADA'),
      ],
      pdUsers: [{ id: 'PADA', email: 'ADA@example.com' }],
    });
    // Session 09:30–11:00 (90); incident 10:30–12:00 (90) overlaps 30 → authoring 60, incident 90.
    expect(minutes(a)).toEqual({ authoring: 60, incident: 90 });
  });

  it('a person on concurrent incidents spends each minute once, split evenly; unknown responders are unmapped', () => {
    const a = emptyActivity({
      incidents: [
        incident('I1', '2026-10-05T10:00:00Z', { resolvedAt: '2026-10-05T11:00:00Z', serviceId: 'PCHK' }),
        incident('I2', '2026-10-05T10:30:00Z', { resolvedAt: '2026-10-05T11:30:00Z', serviceId: 'PSRCH' }),
        incident('I3', '2026-10-05T10:00:00Z', { resolvedAt: '2026-10-05T10:20:00Z', serviceId: 'PUNKNOWN' }),
      ],
      logEntries: [
        entry('I1', 'acknowledge', '2026-10-05T10:00:00Z', 'PADA'),
        entry('I1', 'resolve', '2026-10-05T11:00:00Z', 'PADA'),
        entry('I2', 'acknowledge', '2026-10-05T10:30:00Z', 'PADA'),
        entry('I2', 'resolve', '2026-10-05T11:30:00Z', 'PADA'),
        entry('I3', 'acknowledge', '2026-10-05T10:00:00Z', 'PZED'),
        entry('I3', 'resolve', '2026-10-05T10:20:00Z', 'PZED'),
      ],
      pdUsers: [{ id: 'PADA', email: 'ada@example.com' }],
    });
    // ada 10:00–11:30 = 90 minutes: I1 30 alone + 15 shared; I2 15 shared + 30 alone.
    expect(minutes(a, 'checkout')).toEqual({ incident: 45 });
    expect(minutes(a, 'search')).toEqual({ incident: 45 });
    expect(minutes(a, null)).toEqual({ incident: 20 });
    const res = computeEffort(a, testConfig(), OCT);
    expect(res.people).toEqual({ total: 2, mapped: 1 });
  });

  it('months in Europe/Berlin: events and incident parts belong to the local month, across the DST change', () => {
    const berlin = testConfig({ timezone: 'Europe/Berlin' });
    const a = emptyActivity({
      pullRequests: [
        // 25 Oct 02:30 CET, the repeated hour after clocks went back: October.
        pr(1, 'ada', '2026-10-25T01:30:00Z'),
        // 31 Oct 23:30 UTC is 1 Nov 00:30 in Berlin: November.
        pr(2, 'ada', '2026-10-31T23:30:00Z'),
        // 30 Sep 22:30 UTC is 1 Oct 00:30 CEST: October.
        pr(3, 'bob', '2026-09-30T22:30:00Z'),
      ],
      incidents: [incident('I1', '2026-10-31T22:00:00Z', { resolvedAt: '2026-11-01T01:00:00Z' })],
      logEntries: [
        // 31 Oct 23:00 → 1 Nov 02:00 Berlin: 60 minutes in October, 120 in November.
        entry('I1', 'acknowledge', '2026-10-31T22:00:00Z', 'PCYD'),
        entry('I1', 'resolve', '2026-11-01T01:00:00Z', 'PCYD'),
      ],
    });
    expect(minutes(a, 'checkout', berlin, OCT)).toEqual({ authoring: 60, incident: 60 });
    expect(minutes(a, 'checkout', berlin, { month: '2026-11', asOf: OCT.asOf })).toEqual({
      authoring: 30,
      incident: 120,
    });
    // The same inputs in UTC: PR 2 is October, PR 3 September, the incident 120 / 60.
    expect(minutes(a, 'checkout', testConfig(), OCT)).toEqual({ authoring: 60, incident: 120 });
  });

  it('an incident across the autumn DST night counts elapsed time (4 h between 00:30 CEST and 03:30 CET)', () => {
    const berlin = testConfig({ timezone: 'Europe/Berlin', model: { incident_cap_hours: 12 } });
    const a = emptyActivity({
      incidents: [incident('I1', '2026-10-24T22:30:00Z', { resolvedAt: '2026-10-25T02:30:00Z' })],
      logEntries: [
        entry('I1', 'acknowledge', '2026-10-24T22:30:00Z', 'PX'),
        entry('I1', 'resolve', '2026-10-25T02:30:00Z', 'PX'),
      ],
    });
    expect(minutes(a, 'checkout', berlin)).toEqual({ incident: 240 });
  });

  it('labour cost: the rate card in force on the day × the level; unknown people at default_level, unmapped', () => {
    const config = testConfig({
      rates: [
        { effective_from: '2026-01-01', levels: { junior: 60, mid: 100, senior: 120 } },
        { effective_from: '2026-10-15', levels: { junior: 66, mid: 110, senior: 150 } },
      ],
    });
    const a = emptyActivity({
      pullRequests: [
        pr(1, 'ada', '2026-10-14T23:30:00Z'), // senior, old card: 0.5 h × 120 = 60
        pr(2, 'ada', '2026-10-15T10:00:00Z'), // senior, new card: 0.5 h × 150 = 75
        pr(3, 'zed', '2026-10-15T10:00:00Z'), // unknown → mid, new card: 0.5 h × 110 = 55
        pr(4, 'cyd', '2026-10-10T10:00:00Z'), // junior, old card: 0.5 h × 60 = 30
      ],
    });
    const res = computeEffort(a, config, OCT);
    expect(res.byProductLine.get('checkout')!.laborCost.authoring).toBeCloseTo(220, 10);
    expect(res.people).toEqual({ total: 3, mapped: 2 });
    expect(res.explain['checkout']!.authoring.rates).toEqual([
      { effectiveFrom: '2026-01-01', level: 'junior', rate: 60, hours: 0.5, cost: 30, people: 1 },
      { effectiveFrom: '2026-01-01', level: 'senior', rate: 120, hours: 0.5, cost: 60, people: 1 },
      { effectiveFrom: '2026-10-15', level: 'mid', rate: 110, hours: 0.5, cost: 55, people: 1 },
      { effectiveFrom: '2026-10-15', level: 'senior', rate: 150, hours: 0.5, cost: 75, people: 1 },
    ]);
  });

  it('senior review hours and hours of repos nobody claims', () => {
    const a = emptyActivity({
      pullRequests: [
        pr(1, 'cyd', '2026-10-04T10:00:00Z'),
        pr(9, 'ada', '2026-10-05T10:00:00Z', { repo: 'acme/tools' }),
      ],
      reviews: [review(1, 'ada', '2026-10-06T10:00:00Z'), review(1, 'bob', '2026-10-06T10:00:00Z')],
    });
    const res = computeEffort(a, testConfig(), OCT);
    const c = res.byProductLine.get('checkout')!;
    expect(c.hours.review).toBe(1);
    expect(c.seniorReviewHours).toBe(0.5);
    expect(minutes(a, null)).toEqual({ authoring: 30 });
  });

  it('CI cost: billable minutes (or the completed run duration) × ci_cost_per_minute on the repo’s product line', () => {
    const a = emptyActivity({
      workflowRuns: [
        run('ada', '2026-10-05T10:00:00Z', { billableMs: 600_000 }), // 10 min
        run(null, '2026-10-05T11:00:00Z', { endedAt: '2026-10-05T11:05:00Z' }), // 5 min, no actor: still costs
        run('ada', '2026-10-05T12:00:00Z', { status: 'in_progress', endedAt: '2026-10-05T12:30:00Z' }), // not yet
        run('ada', '2026-09-30T12:00:00Z', { billableMs: 600_000 }), // September
        run('ada', '2026-10-05T12:00:00Z', { repo: 'acme/tools', billableMs: 60_000 }),
      ],
    });
    const res = computeEffort(a, testConfig({ model: { ci_cost_per_minute: 0.5 } }), OCT);
    expect(res.byProductLine.get('checkout')!.ciCost).toBe(7.5);
    expect(res.byProductLine.get(null)!.ciCost).toBe(0.5);
  });

  it('explains a stage: top PRs, repos, incidents, activities and people count', () => {
    const a = emptyActivity({
      pullRequests: [
        pr(1, 'ada', '2026-10-05T10:00:00Z', { title: 'Cart' }),
        pr(2, 'bob', '2026-10-05T10:00:00Z'),
      ],
      commits: [commit(1, 'ada', '2026-10-05T11:00:00Z')],
    });
    const ex = computeEffort(a, testConfig(), OCT).explain['checkout']!.authoring;
    expect(ex).toMatchObject({
      hours: 2,
      people: 2,
      activities: { commit: 1, pr_opened: 2 },
      topPullRequests: [
        { repo: 'acme/checkout', number: 1, title: 'Cart', hours: 1.5 },
        { repo: 'acme/checkout', number: 2, title: 'Add feature 2', hours: 0.5 },
      ],
      topRepos: [{ repo: 'acme/checkout', hours: 2 }],
      topIncidents: [],
    });
  });
});
