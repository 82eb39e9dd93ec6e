import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { ingestRevenueFile, parseCsvRecords, parseRevenueCsv } from '../../src/services/ingest-revenue.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { tempDir, testConfig, testDeps, writeCsv } from './focus-support.ts';

const LINES = ['checkout', 'search'];

function rejects(text: string): string {
  try {
    parseRevenueCsv(text, 'rev.csv', LINES);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be rejected');
}

describe('revenue CSV', () => {
  it('reads month, product line, revenue and optional units; BOM, CRLF, quotes and blank lines are fine', () => {
    const text =
      '\uFEFFMonth,Product_Line,Revenue,Units\r\n2026-10,checkout,125000.50,1200\r\n\r\n"2026-10","search","-300",\r\n';
    expect(parseRevenueCsv(text, 'rev.csv', LINES)).toEqual([
      { line: 2, month: '2026-10', productLine: 'checkout', revenue: '125000.50', units: '1200' },
      { line: 4, month: '2026-10', productLine: 'search', revenue: '-300', units: null },
    ]);
    expect(parseRevenueCsv('month,product_line,revenue\n2026-11,search,7\n', 'rev.csv', LINES)).toEqual([
      { line: 2, month: '2026-11', productLine: 'search', revenue: '7', units: null },
    ]);
  });

  it('counts lines inside quoted values', () => {
    expect(parseCsvRecords('a,b\n"x\ny",1\nz,2\n').map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('rejects an unknown product line with its line number and the known ones', () => {
    expect(rejects('month,product_line,revenue,units\n2026-10,checkout,1,1\n2026-10,chekout,2,\n')).toBe(
      'rev.csv line 3: unknown product line "chekout" (product lines in the config: checkout, search)',
    );
  });

  it('rejects a malformed month with its line number', () => {
    for (const month of ['2026-13', '10/2026', '2026-1', '']) {
      expect(rejects(`month,product_line,revenue\n${month},checkout,1\n`)).toBe(
        `rev.csv line 2: month ${JSON.stringify(month)} is not YYYY-MM`,
      );
    }
  });

  it('rejects amounts that are not plain numbers, negative units, duplicates, and a wrong header', () => {
    expect(rejects('month,product_line,revenue\n2026-10,checkout,"$1,000"\n')).toContain(
      'rev.csv line 2: revenue "$1,000" is not a number',
    );
    expect(rejects('month,product_line,revenue,units\n2026-10,checkout,1,-4\n')).toContain(
      'rev.csv line 2: units "-4" is not a number of 0 or more',
    );
    expect(rejects('month,product_line,revenue\n2026-10,checkout,1\n2026-10,checkout,2\n')).toBe(
      'rev.csv line 3: 2026-10 checkout is already given on line 2',
    );
    expect(rejects('month,product,revenue\n')).toBe(
      'rev.csv line 1: missing column(s) product_line; unknown column(s) "product" (expected the header month,product_line,revenue,units; units optional)',
    );
    expect(rejects('month,product_line,revenue\n2026-10,checkout\n')).toBe(
      'rev.csv line 2: 2 field(s), the header has 3',
    );
    expect(rejects('')).toContain('is empty');
    expect(rejects('month,product_line,revenue\n"2026-10,checkout,1\n')).toBe(
      'rev.csv line 2: a quoted value is not closed',
    );
  });
});

describe.each(backends())('revenue ingestion (%s)', (backend) => {
  let t: TestDb;
  const tmp = tempDir();
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.close();
  });
  afterAll(() => tmp.cleanup());

  const stored = () =>
    t.db
      .selectFrom('revenue')
      .select(['month', 'productLine', 'revenue', 'units', 'sourceFile'])
      .orderBy('month')
      .orderBy('productLine')
      .execute();

  it('replaces that month’s figures for the product lines the file names, and only those', async () => {
    const deps = testDeps(t.db, testConfig());
    const first = writeCsv(
      tmp.file('rev-1.csv'),
      'month,product_line,revenue,units\n2026-10,checkout,100000,1000\n2026-10,search,50000.25,\n2026-11,checkout,120000,1100\n',
    );
    const r = await ingestRevenueFile(deps, first);
    expect(r.months).toEqual([
      { month: '2026-10', productLines: ['checkout', 'search'], revenue: 150000.25 },
      { month: '2026-11', productLines: ['checkout'], revenue: 120000 },
    ]);
    const second = writeCsv(
      tmp.file('rev-2.csv'),
      'month,product_line,revenue\n2026-10,checkout,110000.10\n',
    );
    await ingestRevenueFile(deps, second);
    expect(await stored()).toEqual([
      { month: '2026-10', productLine: 'checkout', revenue: 110000.1, units: null, sourceFile: 'rev-2.csv' },
      { month: '2026-10', productLine: 'search', revenue: 50000.25, units: null, sourceFile: 'rev-1.csv' },
      { month: '2026-11', productLine: 'checkout', revenue: 120000, units: 1100, sourceFile: 'rev-1.csv' },
    ]);
    const runs = await t.db.selectFrom('ingestRun').select(['source', 'status', 'stats']).execute();
    expect(runs).toEqual([
      { source: 'revenue', status: 'succeeded', stats: { file: 'rev-1.csv', lines: 3 } },
      { source: 'revenue', status: 'succeeded', stats: { file: 'rev-2.csv', lines: 1 } },
    ]);
  });

  it('a bad line rejects the whole file and changes nothing', async () => {
    const deps = testDeps(t.db, testConfig());
    await ingestRevenueFile(
      deps,
      writeCsv(tmp.file('ok.csv'), 'month,product_line,revenue\n2026-10,checkout,1\n'),
    );
    const before = await stored();
    const bad = writeCsv(
      tmp.file('bad.csv'),
      'month,product_line,revenue\n2026-10,checkout,2\n2026-10,nope,3\n',
    );
    await expect(ingestRevenueFile(deps, bad)).rejects.toThrow(`${bad} line 3: unknown product line "nope"`);
    expect(await stored()).toEqual(before);
  });
});
