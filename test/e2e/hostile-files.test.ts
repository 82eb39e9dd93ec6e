/**
 * Hostile files for the two file ingestions, on a database that already holds good data: FOCUS
 * exports (truncated gzip, wrong columns, a 10 MB single line, unparsable numbers, binary garbage)
 * and revenue CSVs (wrong header, huge numbers, formulas, binary). Each is refused with an input
 * error naming the file and what is wrong, and the tables hold exactly what they held before.
 * Large files are generated here, never committed.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { isInputError } from '../../src/lib/errors.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { ingestFocusFiles } from '../../src/services/ingest-focus.ts';
import { ingestRevenueFile } from '../../src/services/ingest-revenue.ts';
import { focusCsv, tempDir, testConfig, testDeps } from '../ingest/focus-support.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

async function dump(db: Db) {
  return {
    costSource: await db.selectFrom('costSource').selectAll().orderBy('id').execute(),
    // No key of its own: compared as a sorted list of whole rows.
    costDaily: (await db.selectFrom('costDaily').selectAll().execute()).map((r) => JSON.stringify(r)).sort(),
    revenue: await db.selectFrom('revenue').selectAll().orderBy('month').orderBy('productLine').execute(),
  };
}

async function refusal(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    expect(isInputError(err), String(err)).toBe(true);
    return err as Error;
  }
  throw new Error('the file was accepted');
}

describe.each(backends())('hostile files on %s', (backend) => {
  let h: TestDb;
  let deps: ServiceDeps;
  const tmp = tempDir();
  const file = (name: string, content: string | Buffer) => {
    const f = tmp.file(name);
    writeFileSync(f, content);
    return f;
  };

  beforeAll(async () => {
    h = await createTestDb(backend);
    deps = testDeps(h.db, testConfig());
    // Good data first, so "nothing changed" is about something.
    await ingestFocusFiles(deps, [file('good.csv', focusCsv([{ Tags: '{"product":"checkout"}' }, {}]))]);
    await ingestRevenueFile(
      deps,
      file('good-revenue.csv', 'month,product_line,revenue,units\n2026-10,checkout,1000,10\n'),
    );
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    tmp.cleanup();
  });

  const FOCUS: Array<[string, () => string, RegExp]> = [
    [
      'a truncated gzip',
      () => {
        const gz = gzipSync(Buffer.from(focusCsv(Array.from({ length: 2000 }, () => ({})))));
        return file('truncated.csv.gz', gz.subarray(0, Math.floor(gz.length / 2)));
      },
      /truncated\.csv\.gz/,
    ],
    [
      'wrong columns',
      () => file('wrong.csv', 'name,amount,when\nfoo,1,2026-10-01\n'),
      /wrong\.csv.*(missing|column)/i,
    ],
    [
      'a 10 MB single line (no line end)',
      () => file('oneline.csv', `${'x'.repeat(10 * 1024 * 1024)}`),
      /oneline\.csv/,
    ],
    [
      'a 10 MB value on one row',
      () => file('longrow.csv', focusCsv([{ Tags: `{"product":"${'y'.repeat(10 * 1024 * 1024)}"}` }])),
      /longrow\.csv/,
    ],
    [
      'an unparsable number',
      () => file('nan.csv', focusCsv([{ BilledCost: '12,50 €' }])),
      /nan\.csv.*BilledCost/,
    ],
    [
      'a full-width number',
      () => file('fullwidth.csv', focusCsv([{ EffectiveCost: '１２' }])),
      /fullwidth\.csv.*EffectiveCost/,
    ],
    [
      'a hexadecimal number',
      () => file('hex.csv', focusCsv([{ EffectiveCost: '0x1F' }])),
      /hex\.csv.*EffectiveCost/,
    ],
    [
      'binary garbage named .csv',
      () => file('garbage.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
      /garbage\.csv/,
    ],
    ['garbage named .parquet', () => file('garbage.parquet', 'PAR1 not really parquet'), /garbage\.parquet/],
  ];

  it.each(FOCUS)(
    'FOCUS: %s is refused, nothing changes',
    { timeout: 120_000 },
    async (_name, make, message) => {
      const before = await dump(h.db);
      const err = await refusal(async () => ingestFocusFiles(deps, [make()]));
      expect(err.message).toMatch(message);
      expect(err.message).not.toMatch(/\n\s+at /); // a message, not a stack
      expect(await dump(h.db)).toEqual(before);
    },
  );

  const HEADER = 'month,product_line,revenue,units\n';
  const REVENUE: Array<[string, string | Buffer, RegExp]> = [
    ['an empty file', '', /is empty/],
    ['a wrong header', 'date,product,amount\n2026-10,checkout,1\n', /missing column/],
    ['a formula as revenue', `${HEADER}2026-10,checkout,=HYPERLINK("http://x"),1\n`, /revenue "=HYPERLINK/],
    ['a formula as product line', `${HEADER}2026-10,=cmd|' /C calc'!A0,1,1\n`, /unknown product line/],
    [
      'a revenue of 200 digits',
      `${HEADER}2026-10,checkout,${'9'.repeat(200)},1\n`,
      /line 2: revenue "9{20}…" is too large \(at most 15 digits before the decimal point\)/,
    ],
    [
      '16-digit units',
      `${HEADER}2026-10,checkout,1,1234567890123456\n`,
      /units "1234567890123456" is too large/,
    ],
    ['a revenue of 1e400', `${HEADER}2026-10,checkout,1e400,1\n`, /revenue "1e400" is not a number/],
    ['an unclosed quote', `${HEADER}2026-10,"checkout,1,1\n`, /quoted value is not closed/],
    ['SQL as a month', `${HEADER}2026-10'; DROP TABLE revenue; --,checkout,1,1\n`, /month .* is not YYYY-MM/],
    ['binary garbage', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 31) % 256)), /revenue/],
  ];

  it.each(REVENUE)('revenue: %s is refused, nothing changes', async (name, content, message) => {
    const before = await dump(h.db);
    const f = file(`revenue-${name.replace(/\W+/g, '-')}.csv`, content);
    const err = await refusal(() => ingestRevenueFile(deps, f));
    expect(err.message.startsWith(f)).toBe(true);
    expect(err.message).toMatch(message);
    expect(await dump(h.db)).toEqual(before);
  });
});
