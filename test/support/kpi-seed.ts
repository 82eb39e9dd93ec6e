import type { Db } from '../../src/db/connect.ts';

/**
 * A quarter (2026-Q3) of hand-built inputs for every KPI, for the product lines of the Slack test
 * config (`checkout`, `search-ai`). All cost is AWS, USD, EffectiveCost = BilledCost.
 *
 *            used  on-demand EC2 (checkout + unallocated)  unused  S3 (search-ai)  total  allocated
 *   Jul      600   200 + 100                               100     100             1100   900
 *   Aug      600   200 + 0                                 100     100             1000   900
 *   Sep      800   200 + 0                                 0       100             1100   1100
 *
 * Quarter: allocation 2900 / 3200 = 90.625 % (walk); commitment coverage 2000 / 2700 = 74.07 %
 * (walk); utilisation 2000 / 2200 = 90.91 % (walk); waste 200 / 3200 = 6.25 % (crawl).
 * Units: checkout 1000 a month, search-ai none: unit cost Jul 0.80, Aug 0.80, Sep 1.00; unit cost
 * coverage (800 + 800 + 1000) / (900 + 900 + 1100) = 89.66 % (walk).
 * Anomalies: charge day 14 Jul alerted 15 Jul 07:00 UTC (7 h), acknowledged 2.5 h and resolved
 * 30 h after; charge day 20 Aug alerted 21 Aug 20:00 (20 h), resolved 100 h after. Medians: detect
 * 13.5 h (run), acknowledge 2.5 h, resolve 65 h (run).
 * Action items: Jul 2 raised 1 done, Aug 1 raised 1 done, Sep 1 raised 0 done: 50 % (walk).
 * Forecasts (organisation, made on the 15th): Jul 1000 against 1100 actual (+100, error 10 %),
 * Aug 1200 against 1000 (−200, 16.67 %), none for Sep: quarter 300 / 2200 = 13.64 % (walk).
 * The weakest capability is waste (crawl): the suggested focus.
 */
export const KPI_QUARTER = '2026-Q3';

export async function seedKpiQuarter(db: Db): Promise<void> {
  const source = await db
    .insertInto('costSource')
    .values({ sourceKey: 'focus:kpi-test', kind: 'focus', provider: 'AWS' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = (
    day: string,
    productLine: string | null,
    serviceName: string,
    cost: number,
    commitmentStatus: 'Used' | 'Unused' | null,
    serviceCategory = 'Compute',
  ) => ({
    sourceId: source.id,
    day,
    provider: 'AWS',
    subAccountId: '111122223333',
    region: 'eu-central-1',
    serviceCategory,
    serviceName,
    chargeCategory: 'Usage',
    isCorrection: false,
    billingCurrency: 'USD',
    pricingCategory: commitmentStatus ? 'Committed' : 'Standard',
    commitmentStatus,
    productLine,
    allocation: productLine === null ? ('none' as const) : ('direct' as const),
    billedCost: cost,
    effectiveCost: cost,
    rowCount: 1,
  });
  const month = (m: string, used: number, unallocatedOnDemand: number, unused: number) => [
    row(`${m}-10`, 'checkout', 'Amazon EC2', used, 'Used'),
    row(`${m}-10`, 'checkout', 'Amazon EC2', 200, null),
    ...(unallocatedOnDemand > 0 ? [row(`${m}-11`, null, 'Amazon EC2', unallocatedOnDemand, null)] : []),
    ...(unused > 0 ? [row(`${m}-12`, null, 'Amazon EC2', unused, 'Unused')] : []),
    row(`${m}-10`, 'search-ai', 'Amazon S3', 100, null, 'Storage'),
  ];
  await db
    .insertInto('costDaily')
    .values([
      ...month('2026-07', 600, 100, 100),
      ...month('2026-08', 600, 0, 100),
      ...month('2026-09', 800, 0, 0),
    ])
    .execute();
  await db
    .insertInto('revenue')
    .values(
      ['2026-07', '2026-08', '2026-09'].map((m) => ({
        month: m,
        productLine: 'checkout',
        revenue: 5000,
        units: 1000,
      })),
    )
    .execute();
  await db
    .insertInto('anomaly')
    .values([
      {
        productLine: 'checkout',
        serviceName: 'Amazon EC2',
        currency: 'USD',
        firstDay: '2026-07-14',
        lastDay: '2026-07-14',
        actual: 900,
        expected: 300,
        impact: 600,
        status: 'resolved',
        detectedAt: new Date('2026-07-15T06:30:00Z'),
        alertedAt: new Date('2026-07-15T07:00:00Z'),
        acknowledgedAt: new Date('2026-07-15T09:30:00Z'),
        resolvedAt: new Date('2026-07-16T13:00:00Z'),
      },
      {
        productLine: 'search-ai',
        serviceName: 'Amazon S3',
        currency: 'USD',
        firstDay: '2026-08-20',
        lastDay: '2026-08-21',
        actual: 400,
        expected: 100,
        impact: 300,
        status: 'resolved',
        detectedAt: new Date('2026-08-21T19:00:00Z'),
        alertedAt: new Date('2026-08-21T20:00:00Z'),
        resolvedAt: new Date('2026-08-26T00:00:00Z'),
      },
    ])
    .execute();
  const forecast = (month: string, value: number) => ({
    month,
    productLine: null,
    madeOn: `${month}-15`,
    throughDay: `${month}-14`,
    currency: 'USD',
    costMetric: 'EffectiveCost',
    monthToDate: 0,
    medianDaily: 0,
    windowFrom: `${month}-01`,
    daysLeft: 16,
    forecast: value,
    lastMonthActual: 0,
  });
  await db
    .insertInto('costForecast')
    .values([forecast('2026-07', 1000), forecast('2026-08', 1200)])
    .execute();
  const item = (title: string, createdAt: string, closedAt: string | null) => ({
    title,
    ownerId: 'U0ADA00001',
    creatorId: 'U0ADA00001',
    dueDate: '2027-02-01',
    status: closedAt ? ('done' as const) : ('open' as const),
    productLine: 'checkout',
    createdAt: new Date(createdAt),
    closedAt: closedAt ? new Date(closedAt) : null,
  });
  await db
    .insertInto('actionItem')
    .values([
      item('Buy a savings plan', '2026-07-05T10:00:00Z', '2026-07-20T10:00:00Z'),
      item('Tag the S3 buckets', '2026-07-06T10:00:00Z', null),
      item('Rightsize EC2', '2026-08-03T10:00:00Z', '2026-08-10T10:00:00Z'),
      item('Release idle reservation', '2026-09-02T10:00:00Z', null),
    ])
    .execute();
}
