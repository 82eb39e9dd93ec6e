import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/connect.ts';
import { anomalyTestConfig, type CostRowSpec, daily, insertCostRows, oct } from '../support/anomaly-cost.ts';
import { runFinops } from '../support/cli.ts';
import { backends, createTestDb } from '../support/db.ts';

/**
 * October 2026 of a small organisation:
 * - checkout / Amazon EC2: us-east-1 250 + eu-west-1 51.10 a day (301.10); day 15 us-east-1 700,
 *   day 16 us-east-1 748 and eu-west-1 64.40 (812.40): one anomaly over the 15th and 16th;
 *   a 5000 purchase and a −100 credit that must not count;
 * - unallocated AWS Data Transfer (no sub-account, no region): 80 a day, 200 on the 20th;
 * - checkout / Amazon Bedrock: new from the 25th at 60 a day (over min_impact 50 alone).
 */
const ROWS: CostRowSpec[] = [
  ...daily(1, 31, { cost: 250, region: 'us-east-1' }, { 15: 700, 16: 748 }),
  ...daily(1, 31, { cost: 51.1, region: 'eu-west-1' }, { 16: 64.4 }),
  { day: oct(10), cost: 5000, chargeCategory: 'Purchase' },
  { day: oct(12), cost: -100, chargeCategory: 'Credit' },
  ...daily(
    1,
    31,
    { cost: 80, productLine: null, service: 'AWS Data Transfer', subAccount: null, region: null },
    { 20: 200 },
  ),
  ...daily(25, 31, { cost: 60, service: 'Amazon Bedrock' }),
];

const EC2 = {
  productLine: 'checkout',
  service: 'Amazon EC2',
  firstDay: '2026-10-15',
  lastDay: '2026-10-16',
  actual: 812.4,
  expected: 301.1,
  impact: 511.3,
  impactPct: 169.8,
  rootCause: [
    { subAccount: '123456789012', region: 'us-east-1', increase: 498 },
    { subAccount: '123456789012', region: 'eu-west-1', increase: 13.3 },
  ],
  status: 'open',
};
const TRANSFER = {
  productLine: null,
  service: 'AWS Data Transfer',
  firstDay: '2026-10-20',
  lastDay: '2026-10-20',
  actual: 200,
  expected: 80,
  impact: 120,
  impactPct: 150,
  rootCause: [{ subAccount: null, region: null, increase: 120 }],
  status: 'open',
};
const BEDROCK = {
  productLine: 'checkout',
  service: 'Amazon Bedrock',
  firstDay: '2026-10-25',
  lastDay: '2026-10-31',
  actual: 60,
  expected: 0,
  impact: 60,
  impactPct: null,
  rootCause: [{ subAccount: '123456789012', region: 'us-east-1', increase: 60 }],
  status: 'open',
};

describe.each(backends())('finops anomalies on %s', (backend) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-anomalies-'));
  const env: Record<string, string> = {
    FINOPS_CONFIG: path.join(dir, 'finops.yml'),
    FINOPS_DATA_DIR: path.join(dir, 'data'),
  };
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    writeFileSync(env['FINOPS_CONFIG'] as string, stringify(anomalyTestConfig()));
    if (backend === 'postgres') {
      const h = await createTestDb('postgres');
      env['DATABASE_URL'] = h.url as string;
      db = h.db;
      close = h.close;
    } else {
      const h = await connect({ pgliteDir: path.join(dir, 'data', 'db') });
      await migrateToLatest(h.db);
      db = h.db;
      close = h.close;
    }
    await insertCostRows(db, ROWS);
    // the embedded database is single-process: hand it over to the CLI
    if (backend === 'pglite') await close();
  });
  afterAll(async () => {
    if (backend === 'postgres') await close();
  });

  it('prints every anomaly in exactly the SPEC §7 JSON shape', async () => {
    const r = await runFinops(['anomalies', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ anomalies: [EC2, TRANSFER, BEDROCK], laborSpikes: [] });
    // key order as in the SPEC
    expect(Object.keys(JSON.parse(r.stdout).anomalies[0])).toEqual(Object.keys(EC2));
  });

  it('keeps anomalies with anomalous days on or after --since', async () => {
    const on16 = await runFinops(['anomalies', '--since', '2026-10-16', '--json'], env);
    expect(JSON.parse(on16.stdout).anomalies.map((a: { service: string }) => a.service)).toEqual([
      'Amazon EC2',
      'AWS Data Transfer',
      'Amazon Bedrock',
    ]);
    const on17 = await runFinops(['anomalies', '--since', '2026-10-17', '--json'], env);
    expect(JSON.parse(on17.stdout)).toEqual({ anomalies: [TRANSFER, BEDROCK], laborSpikes: [] });
    const none = await runFinops(['anomalies', '--since', '2026-11-01', '--json'], env);
    expect(JSON.parse(none.stdout)).toEqual({ anomalies: [], laborSpikes: [] });
  });

  it('prints a readable list without --json, and writes nothing', async () => {
    const r = await runFinops(['anomalies'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '3 cost anomalies (EffectiveCost, 2026-10-01..2026-10-31; min_impact 50, min_increase_pct 20, mad_k 3)',
      '2026-10-15..2026-10-16  checkout / Amazon EC2  812.40 USD vs 301.10 expected: +511.30 (+169.8%)  open',
      '    root cause: 123456789012 / us-east-1 +498.00; 123456789012 / eu-west-1 +13.30',
      '2026-10-20  (unallocated) / AWS Data Transfer  200.00 USD vs 80.00 expected: +120.00 (+150.0%)  open',
      '    root cause: (no sub-account) / (no region) +120.00',
      '2026-10-25..2026-10-31  checkout / Amazon Bedrock  60.00 USD vs 0.00 expected: +60.00 (new spend)  open',
      '    root cause: 123456789012 / us-east-1 +60.00',
      '',
    ]);
    if (backend === 'postgres') {
      const count = await db
        .selectFrom('anomaly')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      expect(Number(count?.n)).toBe(0);
    }
  });

  it('rejects a bad --since with exit 2 and one line', async () => {
    for (const bad of ['2026-13-01', '16.10.2026', '2026-02-30']) {
      const r = await runFinops(['anomalies', '--since', bad, '--json'], env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([
        `finops anomalies: --since: expected a date YYYY-MM-DD, got "${bad}" (usage: finops anomalies [--since YYYY-MM-DD] [--json])`,
      ]);
    }
    const unknown = await runFinops(['anomalies', '--until', '2026-10-01'], env);
    expect(unknown.code).toBe(2);
  });
});
