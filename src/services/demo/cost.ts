import type { Insertable } from 'kysely';
import type { CostDailyTable, CostSourceTable, RevenueTable } from '../../db/schema.ts';
import { addMonths, type Month } from '../../lib/dates.ts';
import type { DemoOrg } from './org.ts';
import type { Rng } from './random.ts';
import { adoptionAt, costRampAt, DEMO_KIND, DEMO_SPIKE, DEMO_STORY, daysSinceRollout } from './story.ts';

/**
 * Daily cost rows as the FOCUS ingestion stores them (aggregated per day, provider, sub-account,
 * region, service and charge category, already allocated to a product line by the config's
 * tag / sub-account rules), one cost source per provider and billing month, and monthly revenue.
 */
export interface CostRows {
  sources: Array<Insertable<CostSourceTable>>;
  /** `sourceKey` names the cost source; the seeder swaps it for the generated id. */
  daily: Array<Omit<Insertable<CostDailyTable>, 'sourceId'> & { sourceKey: string }>;
  revenue: Array<Insertable<RevenueTable>>;
}

export const AI_CATEGORY = 'AI and Machine Learning';
const SAVINGS_PLAN = 'Savings Plans for AWS Compute usage';
const SHARED_ACCOUNT = '999900001111';
const DEV_TOOLS_ACCOUNT = '444455556666';
const DATA_ACCOUNT = '555566667777';
/** The coding assistant's inference per engineer using it, per working day. */
const ASSISTANT_COST_PER_ENGINEER_DAY = 12;
/** Share of engineers in the assistant pilot before the rollout. */
const PILOT_SHARE = 0.125;

interface Series {
  line: string | null;
  provider: 'AWS' | 'Microsoft' | 'Google Cloud';
  subAccount: string | null;
  region: string | null;
  category: string;
  service: string;
  /** Usual cost per day, in the billing currency. */
  base: number;
  /** AI series: the multiple reached at the end of the adoption ramp. */
  growth?: number;
  /** Share of usage covered by the Savings Plan (amortised: billed 0, effective > 0). */
  committed?: number;
  weekend?: number;
  /** The developer tools' coding assistant: cost follows adoption, not a base. */
  tool?: boolean;
}

function seriesFor(org: DemoOrg): Series[] {
  const sub = (line: string) =>
    org.config.product_lines.find((p) => p.id === line)?.cost.sub_accounts[0] ?? null;
  const aws = (
    line: string | null,
    account: string | null,
    region: string | null,
    category: string,
    service: string,
    base: number,
    extra: Partial<Series> = {},
  ): Series => ({
    line,
    provider: 'AWS',
    subAccount: account,
    region,
    category,
    service,
    base,
    ...extra,
  });
  const az = sub('assistant');
  const gcp = sub('mobile-app');
  const eu = 'eu-central-1';
  return [
    aws('checkout', sub('checkout'), eu, 'Compute', 'Amazon EC2', 520, { committed: 0.6, weekend: 0.96 }),
    aws('checkout', sub('checkout'), eu, 'Databases', 'Amazon RDS', 310),
    aws('checkout', sub('checkout'), 'global', 'Networking', 'Amazon CloudFront', 90, { weekend: 1.1 }),
    aws('checkout', sub('checkout'), eu, 'Storage', 'Amazon S3', 45),
    aws('checkout', sub('checkout'), eu, AI_CATEGORY, 'Amazon Bedrock', 25, { growth: 3 }),
    aws('billing', sub('billing'), eu, 'Compute', 'AWS Lambda', 140),
    aws('billing', sub('billing'), eu, 'Databases', 'Amazon Aurora', 260),
    aws('billing', sub('billing'), eu, 'Storage', 'Amazon S3', 30),
    aws('billing', sub('billing'), eu, 'Integration', 'Amazon SQS', 25),
    aws('search', DEMO_SPIKE.subAccountId, DEMO_SPIKE.region, 'Analytics', DEMO_SPIKE.serviceName, 420),
    aws('search', DEMO_SPIKE.subAccountId, 'us-east-1', 'Analytics', DEMO_SPIKE.serviceName, 120),
    aws('search', sub('search'), eu, 'Compute', 'Amazon EC2', 380, { committed: 0.5, weekend: 0.96 }),
    aws('search', sub('search'), eu, 'Databases', 'Amazon ElastiCache', 120),
    aws('search', sub('search'), eu, AI_CATEGORY, 'Amazon Bedrock', 140, { growth: 4.5 }),
    aws('recommendations', DATA_ACCOUNT, eu, AI_CATEGORY, 'Amazon SageMaker', 260, { growth: 2.6 }),
    aws('recommendations', DATA_ACCOUNT, eu, 'Analytics', 'Amazon EMR', 210, { weekend: 0.9 }),
    aws('recommendations', DATA_ACCOUNT, eu, 'Storage', 'Amazon S3', 70),
    aws('recommendations', DATA_ACCOUNT, eu, 'Databases', 'Amazon DynamoDB', 95),
    {
      line: 'assistant',
      provider: 'Microsoft',
      subAccount: az,
      region: 'swedencentral',
      category: AI_CATEGORY,
      service: 'Azure OpenAI',
      base: 320,
      growth: 5,
    },
    {
      line: 'assistant',
      provider: 'Microsoft',
      subAccount: az,
      region: 'westeurope',
      category: 'Compute',
      service: 'Virtual Machines',
      base: 240,
    },
    {
      line: 'assistant',
      provider: 'Microsoft',
      subAccount: az,
      region: 'westeurope',
      category: 'Databases',
      service: 'Azure Cosmos DB',
      base: 150,
    },
    {
      line: 'assistant',
      provider: 'Microsoft',
      subAccount: az,
      region: 'westeurope',
      category: 'Storage',
      service: 'Storage',
      base: 35,
    },
    {
      line: 'mobile-app',
      provider: 'Google Cloud',
      subAccount: gcp,
      region: 'europe-west3',
      category: 'Compute',
      service: 'Compute Engine',
      base: 210,
    },
    {
      line: 'mobile-app',
      provider: 'Google Cloud',
      subAccount: gcp,
      region: 'europe-west3',
      category: 'Databases',
      service: 'Cloud SQL',
      base: 120,
    },
    {
      line: 'mobile-app',
      provider: 'Google Cloud',
      subAccount: gcp,
      region: 'global',
      category: 'Networking',
      service: 'Cloud CDN',
      base: 60,
      weekend: 1.15,
    },
    {
      line: 'mobile-app',
      provider: 'Google Cloud',
      subAccount: gcp,
      region: 'europe-west3',
      category: 'Compute',
      service: 'Cloud Run',
      base: 80,
    },
    {
      line: 'mobile-app',
      provider: 'Google Cloud',
      subAccount: gcp,
      region: 'europe-west3',
      category: AI_CATEGORY,
      service: 'Vertex AI',
      base: 30,
      growth: 3,
    },
    // Unallocated: shared networking, monitoring and security, untagged analytics, and the
    // coding assistant's own inference in the developer-tools account.
    aws(null, SHARED_ACCOUNT, eu, 'Networking', 'Amazon VPC', 85),
    aws(null, SHARED_ACCOUNT, eu, 'Management and Governance', 'AmazonCloudWatch', 60),
    aws(null, SHARED_ACCOUNT, eu, 'Management and Governance', 'AWS CloudTrail', 25),
    aws(null, SHARED_ACCOUNT, eu, 'Security', 'Amazon GuardDuty', 30),
    aws(null, DATA_ACCOUNT, eu, 'Analytics', 'Amazon Athena', 35, { weekend: 0.5 }),
    aws(null, DEV_TOOLS_ACCOUNT, 'us-east-1', AI_CATEGORY, 'Amazon Bedrock', 0, { tool: true }),
  ];
}

const REVENUE: Record<string, { revenue: number; units: number; growth: number }> = {
  checkout: { revenue: 185_000, units: 92_000, growth: 0.015 },
  billing: { revenue: 118_000, units: 41_000, growth: 0.01 },
  search: { revenue: 142_000, units: 2_150_000, growth: 0.015 },
  recommendations: { revenue: 96_000, units: 780_000, growth: 0.02 },
  assistant: { revenue: 68_000, units: 58_000, growth: 0.02 },
  'mobile-app': { revenue: 78_000, units: 125_000, growth: 0.015 },
};

const slug = (provider: string) => provider.toLowerCase().replace(/[^a-z0-9]+/g, '-');
/** Money as a fixed-point string (4 decimals), summed exactly in integer ten-thousandths. */
const fixed = (x: number) => (Math.round(x * 10_000) / 10_000).toFixed(4);
const units = (s: string) => Math.round(Number(s) * 10_000);

export function generateCost(org: DemoOrg, rng: Rng): CostRows {
  const { timeline } = org;
  const series = seriesFor(org);
  const engineers = org.people.length;
  const daily: CostRows['daily'] = [];
  const monthsSet = new Set(timeline.months);
  const spike = new Map(timeline.spikeDays.map((d, i) => [d, DEMO_SPIKE.factors[i] ?? 1]));

  for (let i = 0; i < org.days.length; i++) {
    const day = org.days.days[i] as string;
    const month = day.slice(0, 7);
    if (!monthsSet.has(month)) continue; // cost starts with the first month (no warm-up)
    const weekend = org.days.weekend[i] as boolean;
    const ramp = costRampAt(timeline, day);
    const since = daysSinceRollout(timeline, day);
    const drift = since > 0 ? (1 + DEMO_STORY.cloudDriftPerMonth) ** (since / 30.4) : 1;
    const sourceKey = (provider: string) => `${DEMO_KIND}:${slug(provider)}:${month}`;
    // Day-to-day noise; smaller on AI series, whose growth must stay clear of the anomaly threshold.
    const noise = (sd = 0.025) => Math.min(1 + 2.5 * sd, Math.max(1 - 2.5 * sd, rng.normal(1, sd)));
    for (const s of series) {
      let cost: number;
      if (s.tool) {
        const users = engineers * Math.max(PILOT_SHARE, adoptionAt(timeline, day));
        cost = users * ASSISTANT_COST_PER_ENGINEER_DAY * (weekend ? 0.05 : 1) * noise(0.015);
      } else {
        const trend = s.growth !== undefined ? s.growth ** ramp : drift;
        cost =
          s.base * trend * (weekend ? (s.weekend ?? 1) : 1) * noise(s.growth !== undefined ? 0.015 : 0.025);
      }
      if (
        s.line === DEMO_SPIKE.productLine &&
        s.service === DEMO_SPIKE.serviceName &&
        s.region === DEMO_SPIKE.region &&
        spike.has(day)
      ) {
        cost *= spike.get(day) as number;
      }
      const row = {
        sourceKey: sourceKey(s.provider),
        day,
        provider: s.provider,
        subAccountId: s.subAccount,
        region: s.region,
        serviceCategory: s.category,
        serviceName: s.service,
        chargeCategory: 'Usage',
        isCorrection: false,
        billingCurrency: 'USD',
        commitmentStatus: null as string | null,
        productLine: s.line,
        allocation: (s.line === null ? 'none' : 'direct') as 'none' | 'direct',
        rowCount: 24,
      };
      const covered = s.committed ? cost * s.committed : 0;
      if (covered > 0) {
        const v = fixed(covered);
        daily.push({
          ...row,
          pricingCategory: 'Committed',
          commitmentStatus: 'Used',
          billedCost: '0.0000',
          effectiveCost: v,
        });
      }
      const rest = fixed(cost - covered);
      daily.push({ ...row, pricingCategory: 'Standard', billedCost: rest, effectiveCost: rest });
    }
  }

  // The Savings Plan is bought monthly from the shared payer account: billed on the 1st,
  // amortised (effective cost) onto the covered EC2 usage above. Purchases stay out of anomalies.
  for (const month of timeline.months) {
    const covered = daily
      .filter((r) => r.day.startsWith(month) && r.commitmentStatus === 'Used')
      .reduce((a, r) => a + units(r.effectiveCost as string), 0);
    daily.push({
      sourceKey: `${DEMO_KIND}:aws:${month}`,
      day: `${month}-01`,
      provider: 'AWS',
      subAccountId: SHARED_ACCOUNT,
      region: null,
      serviceCategory: 'Compute',
      serviceName: SAVINGS_PLAN,
      chargeCategory: 'Purchase',
      isCorrection: false,
      billingCurrency: 'USD',
      pricingCategory: 'Committed',
      commitmentStatus: null,
      productLine: null,
      allocation: 'none',
      billedCost: (covered / 10_000).toFixed(4),
      effectiveCost: '0.0000',
      rowCount: 1,
    });
  }

  const totals = new Map<
    string,
    { billed: number; effective: number; rows: number; provider: string; month: Month }
  >();
  for (const r of daily) {
    const t = totals.get(r.sourceKey) ?? {
      billed: 0,
      effective: 0,
      rows: 0,
      provider: r.provider,
      month: r.day.slice(0, 7),
    };
    t.billed += units(r.billedCost as string);
    t.effective += units(r.effectiveCost as string);
    t.rows += r.rowCount ?? 0;
    totals.set(r.sourceKey, t);
  }
  const sources: CostRows['sources'] = [...totals.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([sourceKey, t]) => ({
      sourceKey,
      kind: DEMO_KIND,
      provider: t.provider,
      billingPeriodStart: `${t.month}-01`,
      fileName: `demo/${slug(t.provider)}-focus-${t.month}.csv`,
      checksum: null,
      rowCount: t.rows,
      totals: JSON.stringify({
        USD: { billed: (t.billed / 10_000).toFixed(4), effective: (t.effective / 10_000).toFixed(4) },
      }),
      ingestedAt: new Date(`${addMonths(t.month, 1)}-01T06:00:00Z`),
    }));

  const revenue: CostRows['revenue'] = [];
  for (const [mi, month] of timeline.months.entries()) {
    for (const pl of org.config.product_lines) {
      const r = REVENUE[pl.id];
      if (!r) continue;
      const g = (1 + r.growth) ** mi;
      revenue.push({
        month,
        productLine: pl.id,
        revenue: (r.revenue * g * rng.float(0.98, 1.02)).toFixed(2),
        units: Math.round(r.units * g * rng.float(0.97, 1.03)),
        sourceFile: DEMO_KIND,
        updatedAt: new Date(`${addMonths(month, 1)}-01T07:00:00Z`),
      });
    }
  }
  return { sources, daily, revenue };
}
