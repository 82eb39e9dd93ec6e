import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { takeIncoming } from '../db/repos/upsert.ts';
import { InputError, unreadableFileError } from '../lib/errors.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * `finops ingest revenue`: FP&A's CSV `month,product_line,revenue,units` (units optional), in
 * `config.currency`. Each line REPLACES that month's figures for the product line it names
 * (revenue and units both; an empty units cell stores null); product lines and months the file
 * does not name keep what they had. The whole file is checked first and written in one
 * transaction: one bad line rejects the file and changes nothing.
 */

export const REVENUE_COLUMNS = ['month', 'product_line', 'revenue', 'units'] as const;
const REQUIRED = ['month', 'product_line', 'revenue'] as const;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Plain decimals: an optional minus, digits, an optional fraction. No currency sign, no thousands separator. */
const NUMBER_RE = /^-?(\d+(\.\d*)?|\.\d+)$/;
/**
 * Digits before the decimal point a revenue or unit count may have: 15 keeps every figure exact as
 * a JS number (the model computes margins in doubles) and is a thousand trillion, far past any
 * product line's month; more is a slipped paste, refused rather than stored.
 */
const MAX_INTEGER_DIGITS = 15;
const tooLarge = (n: string) =>
  n.replace(/^-/, '').split('.')[0]!.replace(/^0+/, '').length > MAX_INTEGER_DIGITS;

export interface RevenueLine {
  /** Physical line in the file (1 = header). */
  line: number;
  month: string;
  productLine: string;
  /** Decimal text as written, stored in Postgres numeric unchanged. */
  revenue: string;
  units: string | null;
}

/** Splits CSV text into records with the physical line each starts on; quotes, CRLF and a BOM handled. */
export function parseCsvRecords(text: string): Array<{ line: number; fields: string[] }> {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let empty = true;
  const endRecord = () => {
    fields.push(field);
    if (!(empty && fields.length === 1)) out.push({ line: start, fields });
    fields = [];
    field = '';
    empty = true;
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      empty = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      empty = false;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      field += ch;
      if (ch.trim() !== '') empty = false;
    }
  }
  if (quoted) throw new Error(`line ${start}: a quoted value is not closed`);
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}

/** Checks every line of a revenue file; throws an InputError naming the file and the first bad line. */
export function parseRevenueCsv(text: string, file: string, productLines: readonly string[]): RevenueLine[] {
  const bad = (msg: string) => new InputError('revenue_bad_file', `${file} ${msg}`);
  let records: Array<{ line: number; fields: string[] }>;
  try {
    records = parseCsvRecords(text);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const [header, ...rows] = records;
  if (!header) throw bad('is empty: expected the header month,product_line,revenue,units');
  const names = header.fields.map((h) => h.trim().toLowerCase());
  const unknown = names.filter((n) => !(REVENUE_COLUMNS as readonly string[]).includes(n));
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [
      missing.length > 0 ? `missing column(s) ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : '',
    ].filter(Boolean);
    throw bad(
      `line ${header.line}: ${parts.join('; ')} (expected the header month,product_line,revenue,units; units optional)`,
    );
  }
  const col = (n: string) => names.indexOf(n);
  const seen = new Map<string, number>();
  const known = new Set(productLines);
  return rows.map(({ line, fields }) => {
    if (fields.length !== names.length) {
      throw bad(`line ${line}: ${fields.length} field(s), the header has ${names.length}`);
    }
    const get = (n: string) => (col(n) < 0 ? '' : (fields[col(n)] ?? '').trim());
    const month = get('month');
    if (!MONTH_RE.test(month)) throw bad(`line ${line}: month ${JSON.stringify(month)} is not YYYY-MM`);
    const productLine = get('product_line');
    if (!known.has(productLine)) {
      throw bad(
        `line ${line}: unknown product line ${JSON.stringify(productLine)} (product lines in the config: ${productLines.join(', ')})`,
      );
    }
    const revenue = get('revenue');
    if (!NUMBER_RE.test(revenue)) {
      throw bad(
        `line ${line}: revenue ${JSON.stringify(revenue)} is not a number (write plain decimals like 125000.50: no currency sign, no thousands separator)`,
      );
    }
    if (tooLarge(revenue))
      throw bad(
        `line ${line}: revenue ${JSON.stringify(revenue.length > 24 ? `${revenue.slice(0, 20)}…` : revenue)} is too large (at most ${MAX_INTEGER_DIGITS} digits before the decimal point)`,
      );
    const unitsText = get('units');
    if (unitsText !== '' && (!NUMBER_RE.test(unitsText) || unitsText.startsWith('-'))) {
      throw bad(
        `line ${line}: units ${JSON.stringify(unitsText)} is not a number of 0 or more (or leave it empty)`,
      );
    }
    if (tooLarge(unitsText))
      throw bad(
        `line ${line}: units ${JSON.stringify(unitsText.length > 24 ? `${unitsText.slice(0, 20)}…` : unitsText)} is too large (at most ${MAX_INTEGER_DIGITS} digits before the decimal point)`,
      );
    const key = `${month} ${productLine}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw bad(`line ${line}: ${month} ${productLine} is already given on line ${first}`);
    seen.set(key, line);
    return { line, month, productLine, revenue, units: unitsText === '' ? null : unitsText };
  });
}

export interface IngestRevenueResult {
  file: string;
  lines: number;
  /** Per month: the product lines replaced, in file order. */
  months: Array<{ month: string; productLines: string[]; revenue: number }>;
}

/** Reads, checks and stores a revenue file. */
export async function ingestRevenueFile(deps: ServiceDeps, file: string): Promise<IngestRevenueResult> {
  return storeRevenue(deps, file, await readRevenueFile(deps.config, file));
}

/** Stores checked lines in one transaction: each replaces its (month, product line). */
export async function storeRevenue(
  deps: ServiceDeps,
  file: string,
  parsed: readonly RevenueLine[],
): Promise<IngestRevenueResult> {
  const startedAt = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    for (const r of parsed) {
      await trx
        .insertInto('revenue')
        .values({
          month: r.month,
          productLine: r.productLine,
          revenue: r.revenue,
          units: r.units,
          sourceFile: path.basename(file),
          updatedAt: deps.now(),
        })
        .onConflict((oc) =>
          oc
            .columns(['month', 'productLine'])
            .doUpdateSet(takeIncoming('revenue', ['revenue', 'units', 'sourceFile', 'updatedAt'])),
        )
        .execute();
    }
    await trx
      .insertInto('ingestRun')
      .values({
        source: 'revenue',
        startedAt,
        finishedAt: deps.now(),
        status: 'succeeded',
        stats: { file: path.basename(file), lines: parsed.length },
      })
      .execute();
  });
  const months = new Map<string, { productLines: string[]; revenue: number }>();
  for (const r of parsed) {
    const m = months.get(r.month) ?? { productLines: [], revenue: 0 };
    m.productLines.push(r.productLine);
    m.revenue += Number(r.revenue);
    months.set(r.month, m);
  }
  return {
    file,
    lines: parsed.length,
    months: [...months].sort(([a], [b]) => a.localeCompare(b)).map(([month, m]) => ({ month, ...m })),
  };
}

/** Reads and checks a revenue file without touching the database. */
export async function readRevenueFile(config: Config, file: string): Promise<RevenueLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw unreadableFileError('revenue_unreadable', file, err);
  }
  return parseRevenueCsv(
    text,
    file,
    config.product_lines.map((p) => p.id),
  );
}

/** What `finops ingest revenue` prints. */
export function formatRevenueIngest(r: IngestRevenueResult, currency: string): string[] {
  const lines = [`read ${r.file}: ${r.lines} line(s)`];
  for (const m of r.months) {
    const total = m.revenue.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    lines.push(`  ${m.month}: replaced ${m.productLines.join(', ')} (revenue ${currency} ${total})`);
  }
  return lines;
}
