import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { Db } from '../../src/db/connect.ts';
import { ingestFocusJob } from '../../src/jobs/ingest-focus.ts';
import { InputError } from '../../src/lib/errors.ts';
import { costOf } from '../../src/model/allocation.ts';
import { ingestFocusFiles } from '../../src/services/ingest-focus.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import {
  type FocusRow,
  focusCsv,
  SAMPLE,
  SPEC_12_COMPLETE,
  tempDir,
  testConfig,
  testDeps,
  writeCsv,
} from './focus-support.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const csvFile = (rows: FocusRow[]) => writeCsv(tmp.file(`i${++n}.csv`), focusCsv(rows));

/** Sums stored in cost_daily, as exact numeric text (trailing zeros trimmed). */
async function sums(db: Db, groupBy: 'service_category' | 'product_line' | 'allocation' | 'charge_category') {
  const r = await sql<{ k: string | null; billed: string; effective: string; rows: number }>`
    select ${sql.raw(groupBy)} as k, trim_scale(sum(billed_cost))::text as billed,
      trim_scale(sum(effective_cost))::text as effective, sum(row_count)::int as rows
    from cost_daily group by 1 order by 1 nulls last`.execute(db);
  return r.rows.map((x) => [x.k, x.billed, x.effective, x.rows]);
}

async function snapshot(db: Db) {
  const sources = await db.selectFrom('costSource').selectAll().orderBy('sourceKey').execute();
  const daily = await sql<Record<string, unknown>>`
    select s.source_key, d.day, d.service_name, d.product_line, d.allocation, d.billed_cost::text,
      d.effective_cost::text, d.row_count
    from cost_daily d join cost_source s on s.id = d.source_id order by 1, 2, 3, 4, 5, 6`.execute(db);
  return { sources, daily: daily.rows };
}

describe.each(backends())('FOCUS ingestion into cost_daily (%s)', (backend) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.close();
  });

  describe('the real FinOps Foundation sample', () => {
    const config: Config = testConfig({
      product_lines: [
        { id: 'peoria', team: 'data', cost: { tags: { business_unit: 'PeoriaData' } } },
        { id: 'azure-prod', team: 'payments', cost: { tags: { env: 'prod' } } },
      ],
    });

    it('reproduces the totals per service category exactly as the data gives them', async () => {
      await ingestFocusFiles(testDeps(t.db, config), [SAMPLE]);
      expect(await sums(t.db, 'service_category')).toEqual([
        ['AI and Machine Learning', '-0.15189756178', '-0.15189756178', 9],
        ['Compute', '17.5647393447', '14.7565610902', 443],
        ['Databases', '1.12763032714', '0.37096774194', 21],
        ['Identity', '0.0041666667', '0', 4],
        ['Integration', '0.0000858006', '0', 18],
        ['Management and Governance', '0.2202095838', '0', 79],
        ['Networking', '0.4917767346', '0', 168],
        ['Other', '0.4627729809', '0', 47],
        ['Security', '0.0089444445', '0', 2],
        ['Storage', '0.79179840783', '0.0008829155', 209],
      ]);
    });

    it('reproduces the totals per tag through the product lines, the untagged rest unallocated', async () => {
      await ingestFocusFiles(testDeps(t.db, config), [SAMPLE]);
      expect(await sums(t.db, 'product_line')).toEqual([
        // Tags.business_unit = PeoriaData: 176 AWS rows; EffectiveCost whole numbers as exported
        ['azure-prod', '2.12841174764', '2.12841174764', 42],
        ['peoria', '15.9580993182', '16', 176],
        // 1000 − 176 − 42 rows: 20.52022672899 − 15.95809931820 − 2.12841174764 billed
        [null, '2.43371566315', '-3.15189756178', 782],
      ]);
      expect(await sums(t.db, 'allocation')).toEqual([
        ['direct', '18.08651106584', '18.12841174764', 218],
        ['none', '2.43371566315', '-3.15189756178', 782],
      ]);
    });

    it('records each cost source: files, rows, totals per currency, checksum', async () => {
      const r = await ingestFocusFiles(testDeps(t.db, config), [SAMPLE]);
      const sha = createHash('sha256').update(readFileSync(SAMPLE)).digest('hex');
      const stored = await t.db
        .selectFrom('costSource')
        .select([
          'sourceKey',
          'kind',
          'provider',
          'billingPeriodStart',
          'fileName',
          'checksum',
          'rowCount',
          'totals',
        ])
        .orderBy('sourceKey')
        .execute();
      expect(stored).toEqual([
        {
          sourceKey: 'focus:AWS:1234567890123:2024-09-01',
          kind: 'focus',
          provider: 'AWS',
          billingPeriodStart: '2024-09-01',
          fileName: 'focus_sample_1.0.csv',
          checksum: sha,
          rowCount: 942,
          totals: { USD: { billed: '18.0066386184', effective: '13' } },
        },
        {
          sourceKey: 'focus:Microsoft:/providers/Microsoft.Billing/billingAccounts/8611537:2024-09-01',
          kind: 'focus',
          provider: 'Microsoft',
          billingPeriodStart: '2024-09-01',
          fileName: 'focus_sample_1.0.csv',
          checksum: sha,
          rowCount: 51,
          totals: { USD: { billed: '1.97651418586', effective: '1.97651418586' } },
        },
        expect.objectContaining({ provider: 'Oracle', billingPeriodStart: '2024-09-01', rowCount: 6 }),
        // the Oracle charge of 30 September billed in October's period
        expect.objectContaining({
          provider: 'Oracle',
          billingPeriodStart: '2024-10-01',
          rowCount: 1,
          totals: { USD: { billed: '0.24', effective: '0' } },
        }),
      ]);
      expect(r.sources.map((s) => s.replaced)).toEqual([null, null, null, null]);
      const run = await t.db.selectFrom('ingestRun').selectAll().execute();
      expect(run).toEqual([
        expect.objectContaining({
          source: 'focus',
          status: 'succeeded',
          stats: {
            files: 1,
            rows: 1000,
            sources: 4,
            dailyRows: r.sources.reduce((s, x) => s + x.dailyRows, 0),
          },
        }),
      ]);
    });
  });

  it('the FOCUS 1.2 amortisation example: EffectiveCost view 2.00, BilledCost view 2.00, never 4.00', async () => {
    await ingestFocusFiles(testDeps(t.db, testConfig()), [SPEC_12_COMPLETE]);
    const rows = await t.db
      .selectFrom('costDaily')
      .select([
        'chargeCategory',
        'pricingCategory',
        'commitmentStatus',
        'billedCost',
        'effectiveCost',
        'rowCount',
      ])
      .orderBy('chargeCategory')
      .execute();
    expect(rows).toEqual([
      {
        chargeCategory: 'Purchase',
        pricingCategory: 'Standard',
        commitmentStatus: null,
        billedCost: 2,
        effectiveCost: 0,
        rowCount: 1,
      },
      {
        chargeCategory: 'Usage',
        pricingCategory: 'Committed',
        commitmentStatus: 'Used',
        billedCost: 0,
        effectiveCost: 2,
        rowCount: 2,
      },
    ]);
    const view = (metric: 'BilledCost' | 'EffectiveCost') => rows.reduce((s, r) => s + costOf(r, metric), 0);
    expect(view('EffectiveCost')).toBe(2);
    expect(view('BilledCost')).toBe(2);
    // the double count a mixed view would make: the Purchase's BilledCost plus the Usage rows' EffectiveCost
    expect((rows[0]?.billedCost ?? 0) + (rows[1]?.effectiveCost ?? 0)).toBe(4);
  });

  describe('restatement: each ingest replaces what earlier ingests stored for its provider and billing period', () => {
    const config = testConfig();
    const october: FocusRow[] = [
      { BilledCost: '10', EffectiveCost: '9', Tags: '{"product": "checkout"}' },
      { BilledCost: '5', EffectiveCost: '5', ChargePeriodStart: '2026-10-06T00:00:00Z' },
    ];

    it('ingesting the same file twice never double counts', async () => {
      const file = csvFile(october);
      const deps = testDeps(t.db, config);
      await ingestFocusFiles(deps, [file]);
      const first = await snapshot(t.db);
      const again = await ingestFocusFiles(deps, [file]);
      const second = await snapshot(t.db);
      expect(second.daily).toEqual(first.daily);
      expect(second.sources.map((s) => [s.sourceKey, s.rowCount, s.totals, s.checksum])).toEqual(
        first.sources.map((s) => [s.sourceKey, s.rowCount, s.totals, s.checksum]),
      );
      expect(await sums(t.db, 'product_line')).toEqual([
        ['checkout', '10', '9', 1],
        [null, '5', '5', 1],
      ]);
      expect(again.sources[0]?.replaced).toEqual({
        rowCount: 2,
        files: [file.split('/').at(-1)],
        checksum: first.sources[0]?.checksum,
      });
    });

    it('a re-issued export replaces the earlier one; other providers and periods stay', async () => {
      const deps = testDeps(t.db, config);
      await ingestFocusFiles(deps, [csvFile(october)]);
      await ingestFocusFiles(deps, [
        csvFile([
          { ProviderName: 'Microsoft', BillingAccountId: 'ms-1', BilledCost: '100', EffectiveCost: '100' },
        ]),
        csvFile([
          {
            BillingPeriodStart: '2026-11-01T00:00:00Z',
            ChargePeriodStart: '2026-11-01T00:00:00Z',
            BilledCost: '1000',
            EffectiveCost: '1000',
          },
        ]),
      ]);
      // the re-issued October export: one row restated, one row added
      const reissued = await ingestFocusFiles(deps, [
        csvFile([
          { BilledCost: '12', EffectiveCost: '11', Tags: '{"product": "checkout"}' },
          { BilledCost: '5', EffectiveCost: '5', ChargePeriodStart: '2026-10-06T00:00:00Z' },
          { BilledCost: '1', EffectiveCost: '1', ChargePeriodStart: '2026-10-07T00:00:00Z' },
        ]),
      ]);
      expect(reissued.sources.map((s) => [s.sourceKey, s.replaced?.rowCount])).toEqual([
        ['focus:AWS:123456789012:2026-10-01', 2],
      ]);
      const stored = await t.db
        .selectFrom('costSource')
        .select(['sourceKey', 'rowCount', 'totals'])
        .orderBy('sourceKey')
        .execute();
      expect(stored).toEqual([
        {
          sourceKey: 'focus:AWS:123456789012:2026-10-01',
          rowCount: 3,
          totals: { USD: { billed: '18', effective: '17' } },
        },
        {
          sourceKey: 'focus:AWS:123456789012:2026-11-01',
          rowCount: 1,
          totals: { USD: { billed: '1000', effective: '1000' } },
        },
        {
          sourceKey: 'focus:Microsoft:ms-1:2026-10-01',
          rowCount: 1,
          totals: { USD: { billed: '100', effective: '100' } },
        },
      ]);
      const total = await sql<{ b: string }>`select sum(billed_cost)::text as b from cost_daily`.execute(
        t.db,
      );
      expect(Number(total.rows[0]?.b)).toBe(18 + 1000 + 100);
    });

    it('a bad file leaves the previous data exactly as it was', async () => {
      const deps = testDeps(t.db, config);
      await ingestFocusFiles(deps, [csvFile(october)]);
      const before = await snapshot(t.db);
      const err = await ingestFocusFiles(deps, [
        csvFile([{ BilledCost: '99' }]),
        csvFile([{ BilledCost: '1' }, { ChargePeriodStart: 'not a date' }]),
      ]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/line 3, column ChargePeriodStart: value "not a date"/);
      expect(await snapshot(t.db)).toEqual(before);
    });

    it('a failure while writing rolls the whole replacement back', async () => {
      const deps = testDeps(t.db, config);
      await ingestFocusFiles(deps, [csvFile(october)]);
      const before = await snapshot(t.db);
      await sql`
        create function refuse_boom() returns trigger language plpgsql as $$
        begin
          if new.service_name = 'Boom' then raise exception 'disk full while writing Boom'; end if;
          return new;
        end $$`.execute(t.db);
      await sql`create trigger refuse_boom before insert on cost_daily for each row execute function refuse_boom()`.execute(
        t.db,
      );
      const err = await ingestFocusFiles(deps, [
        csvFile([{ BilledCost: '77' }, { ServiceName: 'Boom', ChargePeriodStart: '2026-10-09T00:00:00Z' }]),
      ]).catch((e: unknown) => e);
      expect(String(err)).toContain('disk full while writing Boom');
      expect(await snapshot(t.db)).toEqual(before);
    });
  });

  it('stores every text as the file gives it (quotes, backslashes, braces, commas) over several insert batches', async () => {
    const names = Array.from({ length: 4500 }, (_, i) => `Svc "${i}" \\ {a,b} 'x'`);
    const r = await ingestFocusFiles(testDeps(t.db, testConfig()), [
      csvFile(names.map((ServiceName, i) => ({ ServiceName, BilledCost: `${i}.25`, EffectiveCost: '0.5' }))),
    ]);
    expect(r.sources[0]?.dailyRows).toBe(4500);
    const stored = await sql<{ n: number; distinct: number; billed: string; effective: string }>`
      select count(*)::int as n, count(distinct service_name)::int as distinct,
        trim_scale(sum(billed_cost))::text as billed, trim_scale(sum(effective_cost))::text as effective
      from cost_daily`.execute(t.db);
    // Σ i + 0.25 for i < 4500 = 4499 · 4500 / 2 + 1125; 4500 · 0.5
    expect(stored.rows[0]).toEqual({ n: 4500, distinct: 4500, billed: '10123875', effective: '2250' });
    const some = await t.db
      .selectFrom('costDaily')
      .select(['serviceName'])
      .where('serviceName', 'in', [names[0] as string, names[4499] as string])
      .orderBy('serviceName')
      .execute();
    expect(some.map((s) => s.serviceName)).toEqual([names[0], names[4499]]);
  });

  it('keeps billing currencies apart, never summed', async () => {
    const r = await ingestFocusFiles(testDeps(t.db, testConfig()), [
      csvFile([
        { BillingCurrency: 'USD', BilledCost: '10', EffectiveCost: '10' },
        { BillingCurrency: 'EUR', BilledCost: '7', EffectiveCost: '6' },
        { BillingCurrency: 'EUR', BilledCost: '1', EffectiveCost: '1', ChargeCategory: 'Tax' },
      ]),
    ]);
    expect(r.sources[0]?.totals).toEqual({
      EUR: { billed: '8', effective: '7' },
      USD: { billed: '10', effective: '10' },
    });
    expect(r.allocation).toEqual([
      { currency: 'EUR', direct: '0', shared: '0', none: '7' },
      { currency: 'USD', direct: '0', shared: '0', none: '10' },
    ]);
    const rows = await t.db
      .selectFrom('costDaily')
      .select(['billingCurrency', 'chargeCategory', 'billedCost'])
      .orderBy(['billingCurrency', 'chargeCategory'])
      .execute();
    expect(rows).toEqual([
      { billingCurrency: 'EUR', chargeCategory: 'Tax', billedCost: 1 },
      { billingCurrency: 'EUR', chargeCategory: 'Usage', billedCost: 7 },
      { billingCurrency: 'USD', chargeCategory: 'Usage', billedCost: 10 },
    ]);
  });

  it('stores shared cost as one row per receiving product line (allocation shared), unallocated as product line null', async () => {
    const config = testConfig({
      shared_costs: [{ match: { tags: { product: 'platform' } }, split: 'proportional' }],
    });
    await ingestFocusFiles(testDeps(t.db, config), [
      csvFile([
        { BilledCost: '300', EffectiveCost: '300', Tags: '{"product": "checkout"}' },
        { BilledCost: '100', EffectiveCost: '100', Tags: '{"product": "search"}' },
        { BilledCost: '40', EffectiveCost: '20', Tags: '{"product": "platform"}', ServiceName: 'Amazon EKS' },
        { BilledCost: '3', EffectiveCost: '3', Tags: '{"product": "unknown"}' },
      ]),
    ]);
    const rows = await t.db
      .selectFrom('costDaily')
      .select(['serviceName', 'productLine', 'allocation', 'billedCost', 'effectiveCost', 'rowCount'])
      .orderBy(['allocation', 'productLine', 'serviceName'])
      .execute();
    expect(rows).toEqual([
      {
        serviceName: 'Amazon EC2',
        productLine: 'checkout',
        allocation: 'direct',
        billedCost: 300,
        effectiveCost: 300,
        rowCount: 1,
      },
      {
        serviceName: 'Amazon EC2',
        productLine: 'search',
        allocation: 'direct',
        billedCost: 100,
        effectiveCost: 100,
        rowCount: 1,
      },
      {
        serviceName: 'Amazon EC2',
        productLine: null,
        allocation: 'none',
        billedCost: 3,
        effectiveCost: 3,
        rowCount: 1,
      },
      // 40 and 20 split 300:100; the one row goes where the larger share of rows is (1:1, tie → first)
      {
        serviceName: 'Amazon EKS',
        productLine: 'checkout',
        allocation: 'shared',
        billedCost: 30,
        effectiveCost: 15,
        rowCount: 1,
      },
      {
        serviceName: 'Amazon EKS',
        productLine: 'search',
        allocation: 'shared',
        billedCost: 10,
        effectiveCost: 5,
        rowCount: 0,
      },
    ]);
  });

  it('the daily job ingests sources.focus.paths; a dry run stores nothing', async () => {
    const dir = tempDir();
    try {
      writeCsv(dir.file('aws-2026-10.csv'), focusCsv([{ BilledCost: '4', EffectiveCost: '4' }]));
      writeCsv(dir.file('notes.txt'), 'not an export');
      const config = testConfig({ sources: { focus: { paths: [`${dir.dir}/*.csv*`] } } });
      const deps = testDeps(t.db, config);
      const at = new Date('2026-11-02T05:00:00Z');
      const ctx = { deps, messenger: undefined, at, dryRun: true, periodKey: '2026-11-02' };
      expect(ingestFocusJob.periodKey(at, config)).toBe('2026-11-02');
      const dry = await ingestFocusJob.run(ctx);
      expect(dry.summary).toBe('would store 1 cost source(s) from 1 file(s), 1 row(s)');
      expect(await t.db.selectFrom('costSource').selectAll().execute()).toEqual([]);
      const real = await ingestFocusJob.run({ ...ctx, dryRun: false });
      expect(real.stats).toEqual({ files: 1, rows: 1, sources: 1, dailyRows: 1, warnings: 0 });
      expect(real.summary).toContain(
        'AWS · account 123456789012 · period 2026-10-01: 1 row → 1 daily row; USD billed 4.00, effective 4.00',
      );
      expect(await sums(t.db, 'charge_category')).toEqual([['Usage', '4', '4', 1]]);
      const none = await ingestFocusJob.run({ ...ctx, deps: testDeps(t.db, testConfig()) });
      expect(none.summary).toBe('sources.focus.paths is empty: nothing to read');
    } finally {
      dir.cleanup();
    }
  });
});
