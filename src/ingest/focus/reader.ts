import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InputError } from '../../lib/errors.ts';
import { type FocusField, fieldLabel, planColumns } from './columns.ts';
import { detectFormat, type FocusFormat, lineOfRecord, readCsvHeader, sha256File } from './file.ts';
import {
  aggregateSql,
  type FileSource,
  firstBadParquetRowSql,
  rowVerdictsSql,
  sqlString,
  type TagFilter,
} from './query.ts';

/**
 * Reads FOCUS files with DuckDB and hands back their daily groups. DuckDB streams the file
 * (CSV, gzip or Parquet) through a bounded buffer pool, so memory stays flat whatever the size;
 * the groups it returns are what the file aggregates to, never its rows.
 */

/** One daily group of one file, before allocation. Amounts are decimal strings. */
export interface FocusGroup {
  provider: string;
  billingAccountId: string;
  billingPeriodStart: string;
  day: string;
  subAccountId: string | null;
  region: string | null;
  serviceCategory: string;
  serviceName: string;
  chargeCategory: string;
  isCorrection: boolean;
  billingCurrency: string;
  pricingCategory: string | null;
  commitmentStatus: string | null;
  /** Values of the tag keys the allocation rules use (null: absent, or a value no rule names). */
  tags: Record<string, string | null>;
  billedCost: string;
  effectiveCost: string;
  rowCount: number;
}

export interface FocusFileSummary {
  path: string;
  format: FocusFormat;
  checksum: string;
  rowCount: number;
  /** Rows whose Tags value is not a JSON object: they cannot match a tag rule. */
  unreadableTags: number;
}

export interface FocusReaderOptions {
  /** DuckDB's buffer pool cap (CSV buffers, hash tables); it spills to a temp directory beyond. */
  memoryLimit?: string;
  threads?: number;
}

export interface FocusReader {
  /**
   * Validates and aggregates one file, calling `onGroup` for each daily group. Throws an
   * InputError naming the file (and the line and column of the first bad value) when the
   * file is not a readable FOCUS export; groups already passed on must then be discarded.
   */
  readFile(
    file: string,
    tagFilters: readonly TagFilter[],
    onGroup: (g: FocusGroup) => void,
  ): Promise<FocusFileSummary>;
  close(): void;
}

/** 160 MB keeps a 2-million-row ingest under 400 MB of RSS with Node, pg and the buffers. */
const DEFAULT_MEMORY_LIMIT = '160MB';

export async function openFocusReader(opts: FocusReaderOptions = {}): Promise<FocusReader> {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'finops-duckdb-'));
  const settings = {
    memory_limit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    threads: String(opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism()))),
    temp_directory: tempDir,
    preserve_insertion_order: 'false',
  };
  const instance = await DuckDBInstance.create(':memory:', settings);
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    readFile: (file, tagFilters, onGroup) => readFile(conn, settings, file, tagFilters, onGroup),
    close() {
      conn.closeSync();
      instance.closeSync();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

async function describeSource(conn: DuckDBConnection, file: string): Promise<FileSource> {
  const format = await detectFormat(file);
  let columns: string[];
  let types: string[] | undefined;
  if (format === 'parquet') {
    let rows: Array<Record<string, unknown>>;
    try {
      const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
      rows = r.getRowObjectsJson() as Array<Record<string, unknown>>;
    } catch (err) {
      throw new InputError('focus_unreadable', `${file}: not a readable Parquet file (${firstLine(err)})`);
    }
    columns = rows.map((r) => String(r['column_name']));
    types = rows.map((r) => String(r['column_type']));
  } else {
    columns = await readCsvHeader(file, format);
  }
  const plan = planColumns(columns);
  if (plan.missing.length > 0) {
    const shown = columns.slice(0, 12).join(', ') + (columns.length > 12 ? ', …' : '');
    throw new InputError(
      'focus_missing_columns',
      `${file} is not a FOCUS cost export: missing column${plan.missing.length > 1 ? 's' : ''} ${plan.missing.join(', ')} (found: ${shown})`,
    );
  }
  return { path: file, format, columns, plan, ...(types ? { types } : {}) };
}

async function readFile(
  conn: DuckDBConnection,
  settings: Record<string, string>,
  file: string,
  tagFilters: readonly TagFilter[],
  onGroup: (g: FocusGroup) => void,
): Promise<FocusFileSummary> {
  const src = await describeSource(conn, file);
  // The checksum streams the file on Node's side while DuckDB reads it on its own threads.
  const checksum = sha256File(file);
  let rowCount = 0;
  let unreadableTags = 0;
  let badRows = 0;
  try {
    const result = await conn.stream(aggregateSql(src, tagFilters));
    for await (const rows of result.yieldRowObjectJson()) {
      for (const r of rows) {
        const count = Number(r['row_count']);
        rowCount += count;
        if (r['bad'] === true) {
          badRows += count;
          continue;
        }
        unreadableTags += Number(r['tags_unreadable']);
        if (badRows > 0) continue;
        const tags: Record<string, string | null> = {};
        tagFilters.forEach((t, i) => {
          tags[t.key] = (r[`tag${i}`] as string | null) ?? null;
        });
        onGroup({
          provider: r['provider'] as string,
          billingAccountId: r['billing_account_id'] as string,
          billingPeriodStart: r['billing_period_start'] as string,
          day: r['day'] as string,
          subAccountId: (r['sub_account_id'] as string | null) ?? null,
          region: (r['region'] as string | null) ?? null,
          serviceCategory: r['service_category'] as string,
          serviceName: r['service_name'] as string,
          chargeCategory: r['charge_category'] as string,
          isCorrection: r['is_correction'] === true,
          billingCurrency: r['billing_currency'] as string,
          pricingCategory: (r['pricing_category'] as string | null) ?? null,
          commitmentStatus: (r['commitment_status'] as string | null) ?? null,
          tags,
          billedCost: amountText(r['billed_cost']),
          effectiveCost: amountText(r['effective_cost']),
          rowCount: count,
        });
      }
    }
  } catch (err) {
    await checksum.catch(() => undefined);
    if (err instanceof InputError) throw err;
    throw new InputError('focus_unreadable', `${file}: ${describeDuckDbError(err)}`);
  }
  if (badRows > 0) {
    await checksum.catch(() => undefined);
    throw await badRowError(src, settings, tagFilters, badRows);
  }
  return { path: file, format: src.format, checksum: await checksum, rowCount, unreadableTags };
}

/**
 * A group sum (a double) as decimal text of 15 significant digits: the digits FOCUS values carry,
 * without the binary noise of the 16th and 17th (18.0066386184, not 18.006638618400001).
 */
export function amountText(v: unknown): string {
  const x = Number(v);
  return x === 0 ? '0' : x.toPrecision(15);
}

const FIELD_HINT: Record<string, string> = {
  number:
    'is not a number (FOCUS numbers are plain decimals like 12.5 or 1.2E-5: no currency sign, no thousands separator)',
  date: 'is not a date-time (expected ISO 8601 like 2024-09-01T00:00:00Z; a missing zone is read as UTC)',
  empty: 'is empty, but every row needs it',
};

/** Finds the first bad row of a file known to have one, and says where it is and what is wrong. */
async function badRowError(
  src: FileSource,
  settings: Record<string, string>,
  tagFilters: readonly TagFilter[],
  badRows: number,
): Promise<InputError> {
  // A private single-threaded instance keeps rows in file order, so counting them finds the line.
  const instance = await DuckDBInstance.create(':memory:', {
    ...settings,
    threads: '1',
    preserve_insertion_order: 'true',
  });
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    let where = '';
    let verdict: Record<string, unknown> | undefined;
    if (src.format === 'parquet') {
      const r = await conn.runAndReadAll(firstBadParquetRowSql(src, tagFilters));
      verdict = r.getRowObjectsJson()[0] as Record<string, unknown> | undefined;
      if (verdict) where = `row ${Number(verdict['file_row_number']) + 1}`;
    } else {
      const result = await conn.stream(rowVerdictsSql(src, tagFilters));
      let index = 0;
      outer: for await (const rows of result.yieldRowObjectJson()) {
        for (const r of rows) {
          if (r['bad'] !== null) {
            verdict = r;
            break outer;
          }
          index++;
        }
      }
      if (verdict) where = `line ${await lineOfRecord(src.path, src.format as 'csv' | 'csv.gz', index)}`;
    }
    const others =
      badRows > 1
        ? ` (${badRows} bad rows in all; the whole file was rejected, nothing was stored)`
        : ' (the whole file was rejected, nothing was stored)';
    if (!verdict) return new InputError('focus_bad_row', `${src.path}: ${badRows} malformed rows${others}`);
    const [field, kind] = String(verdict['bad']).split(':') as [FocusField, string];
    const textOf: Partial<Record<FocusField, unknown>> = {
      billedCost: verdict['billed_text'],
      effectiveCost: verdict['effective_text'],
      chargePeriodStart: verdict['charge_start_text'],
      billingPeriodStart: verdict['period_start_text'],
    };
    const value = kind === 'empty' ? '' : ` value ${JSON.stringify(textOf[field] ?? null)}`;
    return new InputError(
      'focus_bad_row',
      `${src.path} ${where}, column ${fieldLabel(src.plan, field)}:${value} ${FIELD_HINT[kind] ?? 'is malformed'}${others}`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0] ?? '';
}

/** DuckDB's CSV errors carry the line; keep that and the problem, drop the advice meant for SQL users. */
export function describeDuckDbError(err: unknown): string {
  const msg = String((err as Error).message ?? err);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const lines = msg.split('\n').map((l) => l.trim());
  const problem =
    lines.find((l) => /^Expected Number of Columns/.test(l)) ??
    lines.find((l) => /unterminated quote|Invalid unicode|not utf-8/i.test(l)) ??
    lines[0]?.replace(/^[A-Za-z ]+Error: /, '') ??
    'unreadable';
  const fix = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(problem);
  const text = fix
    ? `expected ${fix[1]} fields as in the header, found ${fix[2]}`
    : problem.replace(/\.$/, '');
  return line ? `line ${line}: ${text}` : text;
}
