import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FinopsError, InputError } from '../../lib/errors.ts';
import { type FocusField, fieldLabel, planColumns } from './columns.ts';
import { detectFormat, type FocusFormat, lineOfRecord, readCsvHeader, sha256File } from './file.ts';
import { AMOUNT_DECIMALS, type Amount, parseAmount } from '../../model/allocation.ts';
import {
  CREATE_DIMENSIONS_SQL,
  CREATE_VERDICTS_SQL,
  createAllocatableSql,
  createStagingSql,
  createSubjectsSql,
  DIMENSIONS_SQL,
  type FileSource,
  fileCountsSql,
  firstBadParquetRowSql,
  GROUP_NUMBERS_SQL,
  rowVerdictsSql,
  SOURCE_FILES_SQL,
  sqlString,
  stageFileSql,
  type TagFilter,
} from './query.ts';

/**
 * FOCUS files through DuckDB. DuckDB streams each file (CSV, gzip or Parquet) through a bounded
 * buffer pool and keeps only its daily groups, in a staging table it may spill to disk; memory
 * stays flat whatever the file size. JS sees two small things: the distinct allocation subjects
 * (to decide where each goes, in the pure model) and the final groups with those decisions.
 */

export interface FocusFileSummary {
  path: string;
  format: FocusFormat;
  checksum: string;
  rowCount: number;
  /** Rows whose Tags value is not a JSON object: they cannot match a tag rule. */
  unreadableTags: number;
}

/** A distinct (sub-account, service name, tag values) of the staged groups. */
export interface FocusSubject {
  id: number;
  subAccountId: string | null;
  serviceName: string;
  /** Values of the tag keys the rules use (null: absent, or a value no rule names). */
  tags: Record<string, string | null>;
}

/** What the daily groups of every staged file are keyed by besides the day, with the allocation decision of their subject. */
export interface FocusDimension {
  provider: string;
  billingAccountId: string;
  billingPeriodStart: string;
  subAccountId: string | null;
  region: string | null;
  serviceCategory: string;
  serviceName: string;
  chargeCategory: string;
  isCorrection: boolean;
  billingCurrency: string;
  pricingCategory: string | null;
  commitmentStatus: string | null;
  directLine: string | null;
  sharedRule: number | null;
}

/** A daily group of every staged file: its dimension (one object shared by all its days), day and exact sums. */
export interface FocusGroup {
  dimension: FocusDimension;
  /** YYYY-MM-DD (UTC). */
  day: string;
  billedCost: Amount;
  effectiveCost: Amount;
  rowCount: number;
}

export interface FocusReaderOptions {
  /** DuckDB's buffer pool cap (CSV buffers, hash tables, staging); it spills to a temp directory beyond. */
  memoryLimit?: string;
  threads?: number;
}

export interface FocusStaging {
  /**
   * Validates one file and stages its daily groups. Throws an InputError naming the file (and
   * the line and column of the first bad value) when it is not a readable FOCUS export.
   */
  addFile(file: string): Promise<FocusFileSummary & { fileIdx: number }>;
  /** Forgets a staged file (a second copy of one already staged). */
  dropFile(fileIdx: number): Promise<void>;
  subjects(): Promise<FocusSubject[]>;
  /** Records where each subject goes; every subject needs one. */
  setVerdicts(
    verdicts: ReadonlyArray<{ id: number; directLine: string | null; sharedRule: number | null }>,
  ): Promise<void>;
  /** The staged groups of all files, merged, each with its subject's verdict. */
  groups(onGroup: (g: FocusGroup) => void): Promise<void>;
  /** Which staged files contributed to which provider + billing account + billing period. */
  sourceFiles(): Promise<
    Array<{ provider: string; billingAccountId: string; billingPeriodStart: string; fileIdx: number }>
  >;
  close(): void;
}

/**
 * DuckDB's share of the 400 MB budget of a 2-million-row ingest: Node with its modules takes
 * about 170 MB before reading starts, the groups in JS about 40 MB after. The staging database is
 * a file in a temp directory, so whatever exceeds the limit (more groups, bigger files) is
 * evicted to disk; blocks that must stay in memory get more room (see stageWithHeadroom).
 */
const DEFAULT_MEMORY_LIMIT = '128MB';
/** DuckDB's cap once every file is staged. */
const FINAL_MEMORY_LIMIT = '48MB';

export async function openFocusStaging(
  tagFilters: readonly TagFilter[],
  opts: FocusReaderOptions = {},
): Promise<FocusStaging> {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'finops-duckdb-'));
  const settings = {
    memory_limit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    threads: String(opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism()))),
    temp_directory: tempDir,
    preserve_insertion_order: 'false',
  };
  const instance = await DuckDBInstance.create(path.join(tempDir, 'staging.duckdb'), settings);
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run(createStagingSql(tagFilters.length));
  let files = 0;
  return {
    async addFile(file) {
      const fileIdx = files++;
      return { ...(await stageFile(conn, settings, file, tagFilters, fileIdx)), fileIdx };
    },
    async dropFile(fileIdx) {
      await conn.run(`DELETE FROM focus_group WHERE file_idx = ${fileIdx}`);
    },
    async subjects() {
      // Reading is over: the staged groups live in the file-backed staging database, and the
      // remaining queries (subjects, the final grouping) need far less memory than reading did.
      // A lower cap makes DuckDB give memory back before JS starts holding the groups.
      await conn.run(`SET memory_limit = '${FINAL_MEMORY_LIMIT}'`);
      await conn.run(createSubjectsSql(tagFilters.length));
      const r = await conn.runAndReadAll('SELECT * FROM focus_subject ORDER BY id');
      return (r.getRowObjectsJson() as Array<Record<string, unknown>>).map((row) => {
        const tags: Record<string, string | null> = {};
        tagFilters.forEach((t, i) => {
          tags[t.key] = (row[`tag${i}`] as string | null) ?? null;
        });
        return {
          id: Number(row['id']),
          subAccountId: (row['sub_account_id'] as string | null) ?? null,
          serviceName: row['service_name'] as string,
          tags,
        };
      });
    },
    async setVerdicts(verdicts) {
      await conn.run(CREATE_VERDICTS_SQL);
      const appender = await conn.createAppender('focus_verdict');
      for (const v of verdicts) {
        appender.appendInteger(v.id);
        if (v.directLine === null) appender.appendNull();
        else appender.appendVarchar(v.directLine);
        if (v.sharedRule === null) appender.appendNull();
        else appender.appendInteger(v.sharedRule);
        appender.endRow();
      }
      appender.closeSync();
    },
    async groups(onGroup) {
      await conn.run(createAllocatableSql(tagFilters.length));
      await conn.run(CREATE_DIMENSIONS_SQL);
      const dimensions = new Map<number, FocusDimension>();
      const dimRows = (await conn.runAndReadAll(DIMENSIONS_SQL)).getRowObjectsJson();
      for (const r of dimRows as Array<Record<string, unknown>>) {
        dimensions.set(Number(r['id']), {
          provider: r['provider'] as string,
          billingAccountId: r['billing_account_id'] as string,
          billingPeriodStart: r['period_day'] as string,
          subAccountId: (r['sub_account_id'] as string | null) ?? null,
          region: (r['region'] as string | null) ?? null,
          serviceCategory: r['service_category'] as string,
          serviceName: r['service_name'] as string,
          chargeCategory: r['charge_category'] as string,
          isCorrection: r['is_correction'] === true,
          billingCurrency: r['billing_currency'] as string,
          pricingCategory: (r['pricing_category'] as string | null) ?? null,
          commitmentStatus: (r['commitment_status'] as string | null) ?? null,
          directLine: (r['direct_line'] as string | null) ?? null,
          sharedRule:
            r['shared_rule'] === null || r['shared_rule'] === undefined ? null : Number(r['shared_rule']),
        });
      }
      const days = new Map<number, string>();
      const dayText = (d: number) => {
        let t = days.get(d);
        if (t === undefined) {
          t = new Date(d * 86_400_000).toISOString().slice(0, 10);
          days.set(d, t);
        }
        return t;
      };
      // Numbers straight from DuckDB's vectors: no per-value conversion objects.
      const result = await conn.stream(GROUP_NUMBERS_SQL);
      for (
        let chunk = await result.fetchChunk();
        chunk && chunk.rowCount > 0;
        chunk = await result.fetchChunk()
      ) {
        const [ids, dayNos, billed, effective, rowCounts] = [0, 1, 2, 3, 4].map((i) =>
          chunk.getColumnVector(i),
        ) as Array<{ getItem(i: number): unknown }>;
        for (let i = 0; i < chunk.rowCount; i++) {
          onGroup({
            dimension: dimensions.get(ids?.getItem(i) as number) as FocusDimension,
            day: dayText(dayNos?.getItem(i) as number),
            billedCost: groupSumAmount(billed?.getItem(i) as number),
            effectiveCost: groupSumAmount(effective?.getItem(i) as number),
            rowCount: rowCounts?.getItem(i) as number,
          });
        }
      }
    },
    async sourceFiles() {
      const r = await conn.runAndReadAll(SOURCE_FILES_SQL);
      return (r.getRowObjectsJson() as Array<Record<string, unknown>>).map((row) => ({
        provider: row['provider'] as string,
        billingAccountId: row['billing_account_id'] as string,
        billingPeriodStart: row['billing_period_start'] as string,
        fileIdx: Number(row['file_idx']),
      }));
    },
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

const isOutOfMemory = (err: unknown) => /^Out of Memory Error/.test(String((err as Error).message));

/**
 * Runs the staging INSERT; if DuckDB cannot fit the blocks it must hold at once (buffers and
 * hash tables in flight cannot be evicted), the failed statement changed nothing, and it is run
 * again with twice the memory, up to 8×. The limit then stays raised for the rest of the run.
 */
async function stageWithHeadroom(conn: DuckDBConnection, settings: Record<string, string>, sql: string) {
  const base = parseInt(settings['memory_limit'] ?? DEFAULT_MEMORY_LIMIT, 10);
  for (let factor = 1; ; factor *= 2) {
    try {
      await conn.run(sql);
      return;
    } catch (err) {
      if (!isOutOfMemory(err) || factor >= 8) throw err;
      const raised = `${base * factor * 2}MB`;
      settings['memory_limit'] = raised;
      await conn.run(`SET memory_limit = '${raised}'`);
    }
  }
}

async function stageFile(
  conn: DuckDBConnection,
  settings: Record<string, string>,
  file: string,
  tagFilters: readonly TagFilter[],
  fileIdx: number,
): Promise<FocusFileSummary> {
  const src = await describeSource(conn, file);
  // The checksum streams the file on Node's side while DuckDB reads it on its own threads.
  const checksum = sha256File(file);
  let counts: Record<string, unknown>;
  try {
    await stageWithHeadroom(conn, settings, stageFileSql(src, tagFilters, fileIdx));
    counts = (await conn.runAndReadAll(fileCountsSql(fileIdx))).getRowObjectsJson()[0] as Record<
      string,
      unknown
    >;
  } catch (err) {
    await checksum.catch(() => undefined);
    // Out of memory or temp space is this machine's problem (exit 1), anything else the file's (exit 2).
    if (/^(Out of Memory|IO) Error/.test(String((err as Error).message))) {
      throw new FinopsError('focus_resources', `${file}: ${firstLine(err)}`, 'runtime', { cause: err });
    }
    throw new InputError('focus_unreadable', `${file}: ${describeDuckDbError(err)}`);
  }
  const badRows = Number(counts['bad_rows']);
  if (badRows > 0) {
    await checksum.catch(() => undefined);
    await conn.run(`DELETE FROM focus_group WHERE file_idx = ${fileIdx}`);
    throw await badRowError(src, settings, tagFilters, badRows);
  }
  return {
    path: file,
    format: src.format,
    checksum: await checksum,
    rowCount: Number(counts['rows']),
    unreadableTags: Number(counts['tags_unreadable']),
  };
}

const POWERS_OF_TEN = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/**
 * A group sum (a double) as an exact amount of its 15 significant digits: the digits FOCUS values
 * carry, without the binary noise of the 16th and 17th (18.0066386184, not 18.006638618400001).
 * Equal to `parseAmount(x.toPrecision(15))` (toExponential(14) rounds to the same 15 digits), but
 * takes the 15 digits as one integer instead of parsing text: this runs once per group.
 */
export function groupSumAmount(x: number): Amount {
  if (x === 0) return 0n;
  if (!Number.isFinite(x)) return parseAmount(String(x)); // throws: validation keeps sums finite
  const text = x.toExponential(14); // [-]d.dddddddddddddde±x
  const negative = x < 0;
  const lead = negative ? 1 : 0;
  const e = text.indexOf('e', lead);
  // 15 digits < 2^53: exact as a number.
  const digits = Number(text[lead] + text.slice(lead + 2, e));
  const shift = Number(text.slice(e + 1)) - 14 + AMOUNT_DECIMALS;
  if (shift < 0) return parseAmount(x.toPrecision(15)); // below 10^-18: parseAmount's rounding
  const amount = BigInt(digits) * (POWERS_OF_TEN[shift] ?? 10n ** BigInt(shift));
  return negative ? -amount : amount;
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
