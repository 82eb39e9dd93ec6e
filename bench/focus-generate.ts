import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * A synthetic FOCUS 1.0 export shaped like the FinOps Foundation's real sample: the 43 FOCUS
 * columns in the sample's order plus an AWS `x_` column, quoted strings, unquoted numbers,
 * `NULL` for nulls, timestamps written `YYYY-MM-DD HH:mm:ss`, Tags as a JSON object string.
 * About 790 bytes a row (the sample: 755). Hourly rows over one month from a fixed pool of
 * resources, so the number of daily groups is what a mid-size organisation produces.
 */

const HEADER = [
  'AvailabilityZone',
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountName',
  'CommitmentDiscountStatus',
  'CommitmentDiscountType',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'SkuId',
  'SkuPriceId',
  'SubAccountId',
  'SubAccountName',
  'Tags',
  'x_ServiceCode',
];

interface Provider {
  name: string;
  issuer: string;
  accounts: Array<{ id: string; name: string; currency: string }>;
  regions: Array<[string, string]>;
  services: Array<[string, string, string]>; // name, category, unit
  subAccounts: number;
}

const PROVIDERS: Array<[Provider, number]> = [
  [
    {
      name: 'AWS',
      issuer: 'Amazon Web Services, Inc.',
      accounts: [{ id: '123456789012', name: 'Acme Payer', currency: 'USD' }],
      regions: [
        ['us-east-1', 'US East (N. Virginia)'],
        ['us-west-2', 'US West (Oregon)'],
        ['eu-west-1', 'Europe (Ireland)'],
        ['eu-central-1', 'Europe (Frankfurt)'],
        ['ap-southeast-2', 'Asia Pacific (Sydney)'],
      ],
      services: [
        ['Amazon Elastic Compute Cloud', 'Compute', 'Hours'],
        ['Amazon Simple Storage Service', 'Storage', 'GB-Mo'],
        ['Amazon Relational Database Service', 'Databases', 'Hours'],
        ['AWS Lambda', 'Compute', 'Requests'],
        ['Amazon CloudFront', 'Networking', 'GB'],
        ['Amazon DynamoDB', 'Databases', 'WriteCapacityUnit-Hrs'],
        ['Amazon Bedrock', 'AI and Machine Learning', 'Tokens'],
        ['Amazon SageMaker', 'AI and Machine Learning', 'Hours'],
        ['AmazonCloudWatch', 'Management and Governance', 'Metrics'],
        ['AWS Key Management Service', 'Security', 'Requests'],
        ['Amazon Simple Queue Service', 'Integration', 'Requests'],
        ['Amazon Elastic Kubernetes Service', 'Compute', 'Hours'],
        ['Amazon Virtual Private Cloud', 'Networking', 'Hours'],
        ['Amazon ElastiCache', 'Databases', 'Hours'],
      ],
      subAccounts: 40,
    },
    0.8,
  ],
  [
    {
      name: 'Microsoft',
      issuer: 'Microsoft',
      accounts: [
        { id: '87654321', name: 'Acme EA', currency: 'USD' },
        { id: '87654399', name: 'Acme GmbH', currency: 'EUR' },
      ],
      regions: [
        ['westeurope', 'West Europe'],
        ['northeurope', 'North Europe'],
        ['eastus', 'East US'],
      ],
      services: [
        ['Virtual Machines', 'Compute', '1 Hour'],
        ['Storage', 'Storage', '1 GB/Month'],
        ['Azure OpenAI', 'AI and Machine Learning', '1K Tokens'],
        ['Azure Machine Learning', 'AI and Machine Learning', '1 Hour'],
        ['SQL Database', 'Databases', '1 Hour'],
        ['Azure Monitor', 'Management and Governance', '1 GB'],
      ],
      subAccounts: 12,
    },
    0.15,
  ],
  [
    {
      name: 'Google Cloud',
      issuer: 'Google',
      accounts: [{ id: '01A2B3-C4D5E6-F7G8H9', name: 'Acme GCP', currency: 'USD' }],
      regions: [
        ['europe-west1', 'Belgium'],
        ['us-central1', 'Iowa'],
      ],
      services: [
        ['Compute Engine', 'Compute', 'hour'],
        ['Cloud Storage', 'Storage', 'gibibyte month'],
        ['BigQuery', 'Analytics', 'tebibyte'],
        ['Vertex AI', 'AI and Machine Learning', 'hour'],
      ],
      subAccounts: 8,
    },
    0.05,
  ],
];

const PRODUCTS = ['checkout', 'search-ai', 'payments-api', 'catalog', 'platform', 'identity', 'mobile-app'];
const ENVS = ['prod', 'staging', 'dev'];
const UNITS = ['PeoriaData', 'ViennaAI', 'OsloRetail', 'LimaPay', 'KyotoSearch', 'NairobiOps'];

/** Deterministic PRNG (mulberry32): the same seed always writes the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Resource {
  provider: Provider;
  /** The row text before BilledCost, and the static parts between the variable fields. */
  az: string;
  account: Provider['accounts'][number];
  service: Provider['services'][number];
  region: [string, string];
  subAccountId: string;
  subAccountName: string;
  resourceId: string;
  tags: string;
  sku: string;
  committed: boolean;
  rate: number;
}

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function buildResources(rand: () => number, count: number): Resource[] {
  const subIds = new Map<Provider, string[]>();
  for (const [p] of PROVIDERS) {
    const ids: string[] = [];
    for (let i = 0; i < p.subAccounts; i++) {
      if (p.name === 'AWS') ids.push(String(100000000000 + Math.floor(rand() * 899999999999)));
      else if (p.name === 'Microsoft')
        ids.push(`${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`);
      else ids.push(`acme-${PRODUCTS[i % PRODUCTS.length]}-${hex(rand, 6)}`);
    }
    subIds.set(p, ids);
  }
  const out: Resource[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    let acc = 0;
    let provider = PROVIDERS[0]?.[0] as Provider;
    for (const [p, share] of PROVIDERS) {
      acc += share;
      if (r < acc) {
        provider = p;
        break;
      }
    }
    const ids = subIds.get(provider) ?? [];
    const subIdx = Math.floor(rand() * ids.length);
    const subAccountId = ids[subIdx] ?? '';
    const service = provider.services[Math.floor(rand() * provider.services.length)] as Resource['service'];
    const region = provider.regions[Math.floor(rand() * provider.regions.length)] as [string, string];
    const account = provider.accounts[Math.floor(rand() * provider.accounts.length)] as Resource['account'];
    const product = PRODUCTS[subIdx % PRODUCTS.length] as string;
    const tagged = rand() < 0.78;
    const tags = tagged
      ? `"{""application"": ""${product}-api"", ""environment"": ""${ENVS[Math.floor(rand() * 3)]}"", ""business_unit"": ""${UNITS[Math.floor(rand() * UNITS.length)]}"", ""product"": ""${product}""}"`
      : 'NULL';
    const resourceId =
      provider.name === 'AWS'
        ? `arn:aws:${service[0]
            .toLowerCase()
            .replace(/[^a-z]/g, '')
            .slice(0, 10)}:${region[0]}:${subAccountId}:resource/i-${hex(rand, 17)}`
        : provider.name === 'Microsoft'
          ? `/subscriptions/${subAccountId}/resourcegroups/rg-${product}/providers/microsoft.compute/virtualmachines/vm-${hex(rand, 8)}`
          : `//compute.googleapis.com/projects/${subAccountId}/zones/${region[0]}-b/instances/${hex(rand, 12)}`;
    out.push({
      provider,
      az: provider.name === 'AWS' ? `"${region[0]}a"` : 'NULL',
      account,
      service,
      region,
      subAccountId,
      subAccountName: `${product}-${hex(rand, 3)}`,
      resourceId,
      tags,
      sku: hex(rand, 16).toUpperCase(),
      committed: provider.name === 'AWS' && rand() < 0.1,
      rate: 0.0005 + rand() * rand() * 2,
    });
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Writes `rows` data rows to `file`; resolves with the bytes written. */
export async function generateFocusCsv(file: string, rows: number, seed = 42): Promise<number> {
  const rand = prng(seed);
  const resources = buildResources(rand, 4000);
  const out = createWriteStream(file, { highWaterMark: 1 << 22 });
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${HEADER.map((h) => `"${h}"`).join(',')}\n`);
  const hours = 31 * 24; // October 2026
  const perHour = rows / hours;
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    const res = resources[Math.floor(rand() * resources.length)] as Resource;
    const hour = Math.min(hours - 1, Math.floor(i / perHour));
    const day = 1 + Math.floor(hour / 24);
    const h = hour % 24;
    const start = `2026-10-${pad(day)} ${pad(h)}:00:00`;
    const end =
      h === 23
        ? day === 31
          ? '2026-11-01 00:00:00'
          : `2026-10-${pad(day + 1)} 00:00:00`
        : `2026-10-${pad(day)} ${pad(h + 1)}:00:00`;
    const kind = rand();
    let category = 'Usage';
    let chargeClass = 'NULL';
    let frequency = 'Usage-Based';
    const qty = Math.round(rand() * 20 * 1e4) / 1e4;
    let billed = Math.round(qty * res.rate * 1e10) / 1e10;
    let effective = billed;
    let pricing = res.committed ? 'Committed' : 'Standard';
    let commitment = 'NULL,NULL,NULL,NULL,NULL';
    if (kind < 0.003) {
      category = 'Credit';
      billed = -billed;
      effective = billed;
      frequency = 'One-Time';
    } else if (kind < 0.005) {
      category = 'Tax';
      pricing = 'NULL';
      frequency = 'One-Time';
    } else if (kind < 0.006) {
      category = 'Adjustment';
      frequency = 'One-Time';
    } else if (kind < 0.007) {
      category = 'Purchase';
      frequency = 'Recurring';
      effective = 0;
    } else if (kind < 0.009) {
      chargeClass = '"Correction"';
      billed = -billed / 2;
      effective = billed;
    } else if (res.committed) {
      effective = Math.round(billed * 0.72 * 1e10) / 1e10;
      billed = 0;
      commitment = `"Spend","arn:aws:savingsplans::${res.account.id}:savingsplan/5f0e2b7c-1d2e-4c6f-9a3b-${res.sku.slice(0, 12).toLowerCase()}","Compute Savings Plan","Used","Savings Plan"`;
    }
    const list = Math.round(billed * 1.1 * 1e10) / 1e10;
    const p = res.provider;
    const [svc, cat, unit] = res.service;
    buf.push(
      `${res.az},${billed.toFixed(10)},"${res.account.id}","${res.account.name}","${res.account.currency}","2026-11-01 00:00:00","2026-10-01 00:00:00","${category}",${chargeClass},"${unit} of ${svc}","${frequency}","${end}","${start}",${commitment},${qty.toFixed(4)},"${unit}",${billed.toFixed(10)},${res.rate.toFixed(10)},${effective.toFixed(10)},"${p.issuer}",${list.toFixed(10)},"${(res.rate * 1.1).toFixed(10)}",${pricing === 'NULL' ? 'NULL' : `"${pricing}"`},${qty.toFixed(4)},"${unit}","${p.name}","${p.issuer}","${res.region[0]}","${res.region[1]}","${res.resourceId}",NULL,"${cat === 'Compute' ? 'Instance' : 'Resource'}","${cat}","${svc}","${res.sku}","${res.sku}.${res.sku.slice(0, 6)}","${res.subAccountId}","${res.subAccountName}",${res.tags},"${svc.replace(/[^A-Za-z]/g, '')}"\n`,
    );
    if (buf.length === 2000) {
      await write(buf.join(''));
      buf = [];
    }
  }
  if (buf.length > 0) await write(buf.join(''));
  out.end();
  await once(out, 'finish');
  return bytes;
}
