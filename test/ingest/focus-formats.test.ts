import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { InputError } from '../../src/lib/errors.ts';
import { formatAmount } from '../../src/model/allocation.ts';
import { type PreparedFocusIngest, prepareFocusIngest } from '../../src/services/ingest-focus.ts';
import {
  BASE_COLUMNS,
  DEFAULT_ROW,
  type FocusRow,
  focusCsv,
  SPEC_12,
  tempDir,
  testConfig,
  writeCsv,
} from './focus-support.ts';

/**
 * Every format point of the FOCUS reader, on generated files: what the file says must come out
 * of the aggregation unchanged, whatever the spelling of the file.
 */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const csvFile = (text: string, ext = 'csv', gzip = false) => writeCsv(tmp.file(`f${++n}.${ext}`), text, gzip);

interface Flat {
  source: string;
  day: string;
  provider: string;
  subAccountId: string | null;
  region: string | null;
  serviceCategory: string;
  serviceName: string;
  chargeCategory: string;
  isCorrection: boolean;
  currency: string;
  pricingCategory: string | null;
  commitmentStatus: string | null;
  productLine: string | null;
  allocation: string;
  billed: string;
  effective: string;
  rows: number;
}

function flat(p: PreparedFocusIngest): Flat[] {
  const out: Flat[] = [];
  for (const [source, rows] of p.daily) {
    for (const r of rows) {
      out.push({
        source,
        day: r.row.day,
        provider: r.row.provider,
        subAccountId: r.row.subAccountId,
        region: r.row.region,
        serviceCategory: r.row.serviceCategory,
        serviceName: r.row.serviceName,
        chargeCategory: r.row.chargeCategory,
        isCorrection: r.row.isCorrection,
        currency: r.row.billingCurrency,
        pricingCategory: r.row.pricingCategory,
        commitmentStatus: r.row.commitmentStatus,
        productLine: r.productLine,
        allocation: r.allocation,
        billed: formatAmount(r.billedCost),
        effective: formatAmount(r.effectiveCost),
        rows: r.rowCount,
      });
    }
  }
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const config: Config = testConfig();
const read = async (files: string[], cfg: Config = config) => flat(await prepareFocusIngest(cfg, files));
async function rejection(files: string[], cfg: Config = config): Promise<InputError> {
  const err = await prepareFocusIngest(cfg, files).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

/** Three rows over two days, two product lines and a correction: the reference every variant must reproduce. */
const REFERENCE_ROWS: FocusRow[] = [
  { BilledCost: '10.25', EffectiveCost: '8.5', Tags: '{"product": "checkout", "env": "prod"}' },
  { BilledCost: '-2.75', EffectiveCost: '-2.75', ChargeClass: 'Correction', Tags: '{"product": "search"}' },
  { ChargePeriodStart: '2026-10-06T23:00:00Z', BilledCost: '3', EffectiveCost: '0', Tags: null },
];
let reference: Flat[];
beforeAll(async () => {
  reference = await read([csvFile(focusCsv(REFERENCE_ROWS))]);
});

describe('FOCUS reader: spellings of the same data', () => {
  it('aggregates the reference file to daily rows keyed as SPEC §5 says, both cost columns kept', () => {
    expect(reference).toEqual([
      expect.objectContaining({
        day: '2026-10-05',
        productLine: 'checkout',
        allocation: 'direct',
        billed: '10.25',
        effective: '8.5',
        isCorrection: false,
        rows: 1,
      }),
      expect.objectContaining({
        day: '2026-10-05',
        productLine: 'search',
        billed: '-2.75',
        effective: '-2.75',
        isCorrection: true,
      }),
      expect.objectContaining({
        day: '2026-10-06',
        productLine: null,
        allocation: 'none',
        billed: '3',
        effective: '0',
      }),
    ]);
    expect(reference[0]).toMatchObject({
      source: 'focus:AWS:123456789012:2026-10-01',
      provider: 'AWS',
      subAccountId: '444455556666',
      region: 'us-east-1',
      serviceCategory: 'Compute',
      serviceName: 'Amazon EC2',
      chargeCategory: 'Usage',
      currency: 'USD',
      pricingCategory: 'Standard',
      commitmentStatus: null,
    });
  });

  it('matches header names case-insensitively (Athena lower-cases them), in any order, with extra x_ columns', async () => {
    const columns = [...BASE_COLUMNS].reverse();
    const text = focusCsv(REFERENCE_ROWS, {
      columns: [...columns, 'x_ServiceCode', 'x_Discounts'],
      header: [...columns.map((c) => c.toLowerCase()), 'x_servicecode', 'x_discounts'],
    });
    expect(await read([csvFile(text)])).toEqual(reference);
    expect(
      await read([csvFile(focusCsv(REFERENCE_ROWS, { header: BASE_COLUMNS.map((c) => c.toUpperCase()) }))]),
    ).toEqual(reference);
  });

  it('reads a UTF-8 BOM, CRLF line ends, blank lines and quoted values', async () => {
    const text = focusCsv(REFERENCE_ROWS, { bom: true, eol: '\r\n', quoteAll: true }).replace(
      /\r\n(?=.)/g,
      '\r\n\r\n',
    );
    expect(text.startsWith('\uFEFF"BillingAccountId"')).toBe(true);
    expect(await read([csvFile(text)])).toEqual(reference);
  });

  it('reads NULL, null and empty cells as null', async () => {
    for (const nullAs of ['NULL', 'null', '', '""']) {
      expect(
        await read([csvFile(focusCsv(REFERENCE_ROWS, { nullAs }))]),
        `nulls written as ${nullAs}`,
      ).toEqual(reference);
    }
  });

  it('reads timestamps with or without T and Z, with milliseconds or an offset, as UTC', async () => {
    const spellings = [
      ['2026-10-05 10:00:00', '2026-10-06 23:00:00'],
      ['2026-10-05T10:00:00Z', '2026-10-06T23:00:00.000Z'],
      ['2026-10-05T10:00:00.123Z', '2026-10-06T23:59:59.9999999Z'],
      ['2026-10-05T12:00:00+02:00', '2026-10-07T01:00:00+02:00'],
      ['2026-10-05', '2026-10-06T23:00:00'],
    ];
    for (const [a, b] of spellings) {
      const rows = REFERENCE_ROWS.map((r, i) => ({
        ...r,
        ChargePeriodStart: i === 2 ? (b as string) : (a as string),
        BillingPeriodStart: '2026-10-01 00:00:00',
      }));
      expect(await read([csvFile(focusCsv(rows))]), `${a} / ${b}`).toEqual(reference);
    }
  });

  it('reads the brace-less legacy Tags form like the JSON object', async () => {
    const rows = REFERENCE_ROWS.map((r) => ({
      ...r,
      Tags: r.Tags ? (r.Tags as string).replace(/^\{/, '').replace(/\}$/, '') : null,
    }));
    expect(rows[0]?.Tags).toBe('"product": "checkout", "env": "prod"');
    expect(await read([csvFile(focusCsv(rows))])).toEqual(reference);
  });

  it('reads the same file gzip-compressed, whatever its name says', async () => {
    const text = focusCsv(REFERENCE_ROWS);
    expect(await read([csvFile(text, 'csv.gz', true)])).toEqual(reference);
    expect(await read([csvFile(text, 'csv', true)])).toEqual(reference);
  });

  it('reads Parquet with typed columns: doubles, timestamps, a map of tags, integer ids', async () => {
    const src = csvFile(focusCsv(REFERENCE_ROWS));
    const out = tmp.file('typed.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`COPY (
      SELECT BillingAccountId::BIGINT AS BillingAccountId, BillingCurrency,
        BillingPeriodStart::TIMESTAMP AS BillingPeriodStart, ChargePeriodStart::TIMESTAMP AS ChargePeriodStart,
        ChargeCategory, ChargeClass, ProviderName, SubAccountId, RegionId, ServiceCategory, ServiceName,
        BilledCost::DOUBLE AS BilledCost, EffectiveCost::DOUBLE AS EffectiveCost, PricingCategory,
        CommitmentDiscountStatus,
        CASE WHEN Tags IS NULL THEN NULL ELSE CAST(json(Tags) AS MAP(VARCHAR, VARCHAR)) END AS Tags,
        1 AS x_Extra
      FROM read_csv('${src}', all_varchar = true, nullstr = 'NULL')
    ) TO '${out}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    expect(await read([out])).toEqual(reference);
  });

  it('reads the 1.0-preview names (Region, ChargeSubcategory) and ServiceProviderName before ProviderName', async () => {
    const columns = BASE_COLUMNS.map((c) => (c === 'RegionId' ? 'Region' : c)).filter(
      (c) => c !== 'CommitmentDiscountStatus',
    );
    const text = focusCsv(
      [
        { Region: 'eastus', ChargeSubcategory: 'Unused Commitment', ServiceProviderName: null },
        { Region: 'eastus', ChargeSubcategory: 'On-Demand', ServiceProviderName: 'Microsoft Azure' },
      ],
      { columns: [...columns, 'ChargeSubcategory', 'ServiceProviderName', 'UsageQuantity', 'UsageUnit'] },
    );
    const rows = await read([csvFile(text)]);
    expect(rows.map((r) => [r.provider, r.region, r.commitmentStatus])).toEqual([
      ['AWS', 'eastus', 'Unused'],
      ['Microsoft Azure', 'eastus', null],
    ]);
  });

  it('keeps numeric-looking ids as strings, leading zeros and all', async () => {
    const rows = await read([
      csvFile(focusCsv([{ BillingAccountId: '000000000042', SubAccountId: '000111222333' }])),
    ]);
    expect(rows[0]).toMatchObject({
      source: 'focus:AWS:000000000042:2026-10-01',
      subAccountId: '000111222333',
      productLine: 'checkout', // matched by sub-account id '000111222333', not by a number
    });
  });

  it('keeps negative costs and reads scientific notation', async () => {
    const rows = await read([
      csvFile(
        focusCsv([
          { BilledCost: '-0.00000080000', EffectiveCost: '1.5E-7' },
          { BilledCost: '-12.5', EffectiveCost: '-1e1' },
        ]),
      ),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ billed: '-12.5000008', effective: '-9.99999985', rows: 2 });
  });

  it('spells known charge categories the FOCUS way and keeps billing currencies apart', async () => {
    const rows = await read([
      csvFile(
        focusCsv([
          { ChargeCategory: 'usage', BillingCurrency: 'USD', BilledCost: '1', EffectiveCost: '1' },
          { ChargeCategory: 'USAGE', BillingCurrency: 'EUR', BilledCost: '2', EffectiveCost: '2' },
          { ChargeCategory: 'Credit', BillingCurrency: 'USD', BilledCost: '-1', EffectiveCost: '-1' },
          { ChargeCategory: 'Purchase', ChargeClass: 'correction', BilledCost: '5', EffectiveCost: '0' },
        ]),
      ),
    ]);
    expect(rows.map((r) => [r.chargeCategory, r.isCorrection, r.currency, r.billed, r.effective])).toEqual([
      ['Credit', false, 'USD', '-1', '-1'],
      ['Purchase', true, 'USD', '5', '0'],
      ['Usage', false, 'EUR', '2', '2'],
      ['Usage', false, 'USD', '1', '1'],
    ]);
  });

  it('merges several files of one export and skips a second copy of the same content', async () => {
    const a = csvFile(focusCsv([REFERENCE_ROWS[0] as FocusRow]));
    const b = csvFile(focusCsv(REFERENCE_ROWS.slice(1)));
    const copy = csvFile(focusCsv(REFERENCE_ROWS.slice(1)));
    const p = await prepareFocusIngest(config, [a, b, copy]);
    expect(flat(p)).toEqual(reference);
    expect(p.files.map((f) => f.duplicateOf)).toEqual([null, null, b]);
    expect(p.warnings.join('\n')).toContain('same content');
  });

  it('gives DuckDB more memory when the blocks it must hold do not fit, with the same result', async () => {
    const file = csvFile(focusCsv(REFERENCE_ROWS));
    const p = await prepareFocusIngest(config, [file], { reader: { memoryLimit: '4MB', threads: 2 } });
    expect(flat(p)).toEqual(reference);
  });

  it('puts a row billed in the next period in that period’s cost source', async () => {
    const p = await prepareFocusIngest(config, [
      csvFile(
        focusCsv([
          {},
          {
            BillingPeriodStart: '2026-11-01T00:00:00Z',
            ChargePeriodStart: '2026-10-31T23:00:00Z',
            BilledCost: '0.24',
          },
        ]),
      ),
    ]);
    expect([...p.sources.keys()].sort()).toEqual([
      'focus:AWS:123456789012:2026-10-01',
      'focus:AWS:123456789012:2026-11-01',
    ]);
    expect(p.sources.get('focus:AWS:123456789012:2026-11-01')?.rowCount).toBe(1);
  });
});

describe('FOCUS reader: bad input is rejected before anything is stored', () => {
  it('names every missing mandatory column (the 1.2 spec excerpt lacks four)', async () => {
    const err = await rejection([SPEC_12]);
    expect(err.message).toContain(SPEC_12);
    expect(err.message).toContain('is not a FOCUS cost export');
    expect(err.message).toContain(
      'missing columns BillingCurrency, ServiceName, ServiceCategory, ProviderName',
    );
  });

  it('names a single missing column', async () => {
    const columns = BASE_COLUMNS.filter((c) => c !== 'BilledCost');
    const err = await rejection([csvFile(focusCsv([{}], { columns }))]);
    expect(err.message).toMatch(/missing column BilledCost \(found: BillingAccountId, /);
  });

  it('rejects an unparsable number with file, line and column, counting quoted newlines and CRLF', async () => {
    const rows: FocusRow[] = [
      {},
      { ServiceName: 'Amazon EC2\r\nwith a line break' },
      {},
      { BilledCost: '1,234.50' },
      { EffectiveCost: 'abc' },
    ];
    const file = csvFile(focusCsv(rows, { eol: '\r\n' }));
    const err = await rejection([csvFile(focusCsv([{}])), file]);
    // header 1, rows on 2, 3–4, 5, then the bad row on line 6
    expect(err.message).toBe(
      `${file} line 6, column BilledCost: value "1,234.50" is not a number (FOCUS numbers are plain decimals like 12.5 or 1.2E-5: no currency sign, no thousands separator) (2 bad rows in all; the whole file was rejected, nothing was stored)`,
    );
  });

  it('rejects an unparsable date, and an empty one, with the file’s own column spelling', async () => {
    const file = csvFile(
      focusCsv([{}, { ChargePeriodStart: '09/18/2024 10:00' }], {
        header: BASE_COLUMNS.map((c) => c.toLowerCase()),
      }),
    );
    const err = await rejection([file]);
    expect(err.message).toContain(
      `${file} line 3, column chargeperiodstart: value "09/18/2024 10:00" is not a date-time`,
    );
    const empty = csvFile(focusCsv([{ BillingPeriodStart: null }]));
    expect((await rejection([empty])).message).toContain(
      `${empty} line 2, column BillingPeriodStart: is empty`,
    );
  });

  it('rejects infinities and NaN as numbers', async () => {
    const file = csvFile(focusCsv([{ BilledCost: 'NaN' }]));
    expect((await rejection([file])).message).toContain(
      'line 2, column BilledCost: value "NaN" is not a number',
    );
  });

  it('rejects a bad row in gzip and Parquet files with its position', async () => {
    const gz = csvFile(focusCsv([{}, {}, { EffectiveCost: '€3' }]), 'csv.gz', true);
    expect((await rejection([gz])).message).toContain(`${gz} line 4, column EffectiveCost: value "€3"`);

    const src = csvFile(focusCsv([{}, { ChargePeriodStart: 'yesterday' }, {}]));
    const pq = tmp.file('bad.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`COPY (SELECT * FROM read_csv('${src}', all_varchar = true)) TO '${pq}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    expect((await rejection([pq])).message).toContain(
      `${pq} row 2, column ChargePeriodStart: value "yesterday"`,
    );
  });

  it('rejects a row with the wrong number of fields with its line', async () => {
    const text = `${focusCsv([{}, {}])}${Object.values(DEFAULT_ROW).slice(0, 5).join(',')}\n`;
    const file = csvFile(text);
    expect((await rejection([file])).message).toMatch(
      new RegExp(`^${file}: line 4: expected 16 fields as in the header, found 5`),
    );
  });

  it('rejects a missing file, an empty file and a file that is not CSV', async () => {
    expect((await rejection([tmp.file('nope.csv')])).message).toContain('nope.csv: file not found');
    expect((await rejection([csvFile('')])).message).toContain('the file is empty');
    expect((await rejection([csvFile('month;product;revenue\n2026-10;x;1\n')])).message).toContain(
      'missing columns BilledCost, EffectiveCost',
    );
  });

  it('does not accept any file of a run when one is bad', async () => {
    const good = csvFile(focusCsv(REFERENCE_ROWS));
    const bad = csvFile(focusCsv([{ BilledCost: 'x' }]));
    const err = await rejection([good, bad]);
    expect(err.message).toContain(bad);
  });
});

describe('FOCUS reader: tags the rules use', () => {
  it('counts rows whose Tags are not a JSON object and leaves them unallocated', async () => {
    const p = await prepareFocusIngest(config, [
      csvFile(focusCsv([{ Tags: '{"product": "checkout"' }, { Tags: '{"product": "checkout"}' }])),
    ]);
    expect(flat(p).map((r) => [r.productLine, r.rows])).toEqual([
      ['checkout', 1],
      [null, 1],
    ]);
    expect(p.warnings.join('\n')).toContain('1 row(s) have a Tags value that is not a JSON object');
  });

  it('matches number and boolean tag values as text, and keys with odd characters', async () => {
    const cfg = testConfig({
      product_lines: [
        { id: 'a', team: 'payments', cost: { tags: { 'cost/center': 4711 } } },
        { id: 'b', team: 'data', cost: { tags: { ' org': 'trey', shared: true } } },
      ],
    });
    const rows = await read(
      [
        csvFile(
          focusCsv([
            { Tags: '{"cost/center": 4711}', BilledCost: '1' },
            { Tags: '{" org": "trey"}', BilledCost: '2' },
            { Tags: '{"shared": true}', BilledCost: '4' },
            { Tags: '{"cost/center": "4712"}', BilledCost: '8' },
          ]),
        ),
      ],
      cfg,
    );
    expect(rows.map((r) => [r.productLine, r.billed])).toEqual([
      ['a', '1'],
      ['b', '6'],
      [null, '8'],
    ]);
  });
});
