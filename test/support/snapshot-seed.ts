import type { Db } from '../../src/db/connect.ts';

/**
 * A small organisation with hand-worked October 2026 numbers (Europe/Berlin), written into the
 * raw tables the ingestion fills. Used by the snapshot service tests and the CLI test.
 *
 * checkout, October (minutes): authoring 78 (ada 48 after the 20 % qa share, bob 30 on a PR
 * opened 1 Oct 00:10 Berlin), review 90 (ada 60 after bob's review, bob 30), qa 42 (ada 12 from
 * the qa share + 30 re-run), deploy 30 (bob), incident 60 (ada through PagerDuty): 5.0 h.
 * Labour at senior 120 / mid 100: authoring 146, review 170, qa 84, deploy 50, incident 120.
 * Cloud 1,500 (effective; billed would be 1,800), AI 500, CI 10 min × 0.008 = 0.08, revenue
 * 10,000, units 500: cogs 2,424.08, gross margin 75.7592 %, all-in 2,570.08.
 * September: cloud 1,000 and revenue 10,000 only: gross margin 90 %, drift −14.2408 points.
 */
export const SNAPSHOT_CONFIG_YAML = `
timezone: Europe/Berlin
currency: USD
rates:
  - effective_from: 2026-01-01
    levels: { mid: 100, senior: 120 }
default_level: mid
senior_levels: [senior]
teams:
  - id: payments
  - id: search
people:
  - { github: ada, email: ada@example.com, level: senior }
  - { github: bob, email: bob@example.com, level: mid }
product_lines:
  - id: checkout
    name: Checkout
    team: payments
    repos: ["acme/checkout"]
    pagerduty_services: ["PCHK"]
    cost: { tags: { product: checkout } }
  - id: search
    name: Search
    team: search
    repos: ["acme/mono:services/search/**"]
`;

const Z = (iso: string) => new Date(iso);

export async function seedOctober(db: Db): Promise<void> {
  const files = JSON.stringify([
    { path: 'src/cart.ts', additions: 30, deletions: 10 },
    { path: 'src/cart.test.ts', additions: 10, deletions: 0 },
  ]);
  const pr = (
    repo: string,
    number: number,
    author: string,
    createdAt: string,
    extra: Record<string, unknown> = {},
  ) => ({
    repo,
    number,
    authorLogin: author,
    authorIsBot: author.endsWith('[bot]'),
    title: `Change ${number}`,
    labels: '[]',
    state: 'open',
    createdAt: Z(createdAt),
    updatedAt: Z(createdAt),
    files: JSON.stringify([{ path: 'src/x.ts', additions: 1, deletions: 0 }]),
    ...extra,
  });
  await db
    .insertInto('ghPullRequest')
    .values([
      pr('acme/checkout', 1, 'ada', '2026-10-05T08:00:00Z', { files }),
      pr('acme/checkout', 2, 'bob', '2026-06-01T08:00:00Z'),
      // 30 Sep 22:10 UTC = 1 Oct 00:10 in Berlin: October.
      pr('acme/checkout', 3, 'bob', '2026-09-30T22:10:00Z'),
      pr('acme/checkout', 4, 'dependabot[bot]', '2026-10-09T08:00:00Z'),
      pr('acme/mono', 7, 'bob', '2026-10-08T08:00:00Z', {
        files: JSON.stringify([
          { path: 'services/search/rank.ts', additions: 20, deletions: 10 },
          { path: 'README.md', additions: 10, deletions: 0 },
        ]),
      }),
      pr('acme/tools', 9, 'ada', '2026-10-12T08:00:00Z'),
    ])
    .execute();
  const commit = (prNumber: number, sha: string, author: string, at: string, parentCount = 1) => ({
    repo: 'acme/checkout',
    prNumber,
    sha,
    authorLogin: author,
    authorIsBot: false,
    authoredAt: Z(at),
    parentCount,
  });
  await db
    .insertInto('ghCommit')
    .values([
      commit(1, 'c1', 'ada', '2026-10-05T08:30:00Z'),
      // The same commit carried by bob's PR too: counted once, on ada's PR.
      commit(2, 'c1', 'ada', '2026-10-05T08:30:00Z'),
      commit(1, 'c2', 'ada', '2026-10-05T09:30:00Z'),
      commit(1, 'm1', 'ada', '2026-10-05T09:40:00Z', 2),
    ])
    .execute();
  await db
    .insertInto('ghReview')
    .values([
      {
        id: 11,
        repo: 'acme/checkout',
        prNumber: 1,
        authorLogin: 'bob',
        state: 'APPROVED',
        submittedAt: Z('2026-10-05T09:00:00Z'),
      },
      {
        id: 12,
        repo: 'acme/tools',
        prNumber: 9,
        authorLogin: 'zed',
        state: 'COMMENTED',
        submittedAt: Z('2026-10-12T09:00:00Z'),
      },
    ])
    .execute();
  await db
    .insertInto('ghWorkflowRun')
    .values([
      {
        id: 21,
        repo: 'acme/checkout',
        name: 'CI',
        actorLogin: 'bob',
        triggeringActorLogin: 'ada',
        runAttempt: 2,
        status: 'completed',
        createdAt: Z('2026-10-05T09:50:00Z'),
        runStartedAt: Z('2026-10-05T10:00:00Z'),
        updatedAt: Z('2026-10-05T10:10:00Z'),
        billableMs: 600_000,
      },
    ])
    .execute();
  await db
    .insertInto('ghDeployment')
    .values([
      {
        id: 31,
        repo: 'acme/checkout',
        creatorLogin: 'bob',
        createdAt: Z('2026-10-06T12:00:00Z'),
        updatedAt: Z('2026-10-06T12:00:00Z'),
      },
      {
        id: 32,
        repo: 'acme/checkout',
        creatorLogin: 'github-actions[bot]',
        creatorIsBot: true,
        createdAt: Z('2026-10-06T13:00:00Z'),
        updatedAt: Z('2026-10-06T13:00:00Z'),
      },
    ])
    .execute();

  await db
    .insertInto('pdUser')
    .values([{ id: 'PADA', email: 'ADA@example.com', name: 'Ada' }])
    .execute();
  await db
    .insertInto('pdIncident')
    .values({
      id: 'Q1',
      number: 7,
      serviceId: 'PCHK',
      title: 'Checkout 500s',
      status: 'resolved',
      createdAt: Z('2026-10-07T10:00:00Z'),
      resolvedAt: Z('2026-10-07T11:00:00Z'),
    })
    .execute();
  await db
    .insertInto('pdLogEntry')
    .values([
      {
        id: 'L1',
        incidentId: 'Q1',
        type: 'trigger_log_entry',
        agentId: 'PCHK',
        agentType: 'service_reference',
        createdAt: Z('2026-10-07T10:00:00Z'),
      },
      {
        id: 'L2',
        incidentId: 'Q1',
        type: 'acknowledge_log_entry',
        agentId: 'PADA',
        agentType: 'user_reference',
        createdAt: Z('2026-10-07T10:00:00Z'),
      },
      {
        id: 'L3',
        incidentId: 'Q1',
        type: 'resolve_log_entry',
        agentId: 'PADA',
        agentType: 'user_reference',
        createdAt: Z('2026-10-07T11:00:00Z'),
      },
    ])
    .execute();

  const source = await db
    .insertInto('costSource')
    .values({ sourceKey: 'focus:test', kind: 'focus', provider: 'AWS' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const cost = (
    day: string,
    productLine: string | null,
    effective: number,
    billed: number,
    over: { serviceCategory?: string; billingCurrency?: string } = {},
  ) => ({
    sourceId: source.id,
    day,
    provider: 'AWS',
    subAccountId: '123456789012',
    region: 'eu-central-1',
    serviceCategory: over.serviceCategory ?? 'Compute',
    serviceName: 'Amazon EC2',
    chargeCategory: 'Usage',
    billingCurrency: over.billingCurrency ?? 'USD',
    productLine,
    allocation: productLine === null ? ('none' as const) : ('direct' as const),
    billedCost: billed,
    effectiveCost: effective,
    rowCount: 1,
  });
  await db
    .insertInto('costDaily')
    .values([
      cost('2026-10-03', 'checkout', 1000, 1200),
      cost('2026-10-31', 'checkout', 500, 600),
      cost('2026-10-10', 'checkout', 500, 500, { serviceCategory: 'AI and Machine Learning' }),
      cost('2026-10-12', null, 100, 100),
      cost('2026-10-12', 'checkout', 999, 999, { billingCurrency: 'EUR' }),
      cost('2026-09-15', 'checkout', 1000, 1000),
      cost('2026-11-01', 'checkout', 777, 777),
    ])
    .execute();
  await db
    .insertInto('revenue')
    .values([
      { month: '2026-10', productLine: 'checkout', revenue: 10_000, units: 500 },
      { month: '2026-09', productLine: 'checkout', revenue: 10_000, units: null },
    ])
    .execute();
}

/** The hand-worked October report (SPEC §9) of `seedOctober` under SNAPSHOT_CONFIG_YAML. */
export function expectedOctober(configHash: string) {
  return {
    month: '2026-10',
    currency: 'USD',
    modelVersion: '1',
    configHash,
    productLines: [
      {
        id: 'checkout',
        hours: { authoring: 1.3, review: 1.5, qa: 0.7, deploy: 0.5, incident: 1, rework: 0 },
        laborCost: { authoring: 146, review: 170, qa: 84, deploy: 50, incident: 120, rework: 0 },
        cloudCost: 1500,
        aiCost: 500,
        ciCost: 0.08,
        allInCost: 2570.08,
        cogs: 2424.08,
        revenue: 10000,
        units: 500,
        grossMarginPct: 75.8,
        unitCost: 5.14,
        aiUnitCost: 1, // AI 500 / 500 units
        stageShare: { authoring: 26, review: 30, qa: 14, deploy: 10, incident: 20, rework: 0 },
        seniorReviewSharePct: 66.7,
        drift: {
          grossMarginPp: -14.2,
          // cloud −(15 % − 10 %), ai −5 %, ci −0.0008, review −1.7, qa −0.84, deploy −0.5, incident −1.2
          byDriverPp: {
            cloud: -5,
            ai: -5,
            ci: 0,
            review: -1.7,
            qa: -0.8,
            deploy: -0.5,
            incident: -1.2,
            rework: 0,
          },
          stageSharePp: {},
          flags: ['grossMarginPct'],
        },
      },
      {
        id: 'search',
        hours: { authoring: 0.5, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 },
        laborCost: { authoring: 50, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 },
        cloudCost: 0,
        aiCost: 0,
        ciCost: 0,
        allInCost: 50,
        cogs: 0,
        revenue: null,
        units: null,
        grossMarginPct: null,
        unitCost: null,
        aiUnitCost: null,
        stageShare: { authoring: 100, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 },
        seniorReviewSharePct: 0,
        drift: { grossMarginPp: null, byDriverPp: {}, stageSharePp: {}, flags: [] },
      },
    ],
    // acme/tools: ada's PR (30 min, senior 60) and zed's review (30 min, unknown → mid 50).
    unallocated: { hours: 1, laborCost: 110, cloudCost: 100, aiCost: 0, ciCost: 0 },
    // cost 2,000.08 of 2,100.08; hours 5.5 of 6.5; people: ada, bob mapped, zed not.
    coverage: { costAllocatedPct: 95.2, hoursAllocatedPct: 84.6, peopleMappedPct: 66.7 },
  };
}
