import type { ColumnPlan, FocusField } from './columns.ts';
import type { FocusFormat } from './file.ts';

/**
 * The DuckDB SQL that reads one FOCUS file and aggregates it to daily groups. Pure: it only
 * builds text. Every column is read as VARCHAR and converted here, so a file's own typing
 * (numeric-looking ids, doubles, Athena maps) never changes a value, and a value that does not
 * convert is found rather than silently nulled.
 */

/**
 * Costs are read as doubles and summed per daily group with Kahan–Babuška compensation (`fsum`),
 * and each group sum is then taken to 15 significant digits (see reader.ts): a value with up to
 * 15 significant digits, which is what FOCUS exports carry, survives a double unchanged, and a
 * compensated sum is within one unit of the 16th. An exact DECIMAL(38,18) parse costs 1.8× the
 * CPU of the whole ingest on a 2-million-row file. From the group sums on, amounts are exact
 * decimals (model/allocation.ts).
 */
export const COST_TYPE = 'DOUBLE';
/** Values read as null, in every column: what real exports write for "no value". */
export const NULL_STRINGS = ['NULL', 'null', ''] as const;
/** Per-thread CSV read buffer. DuckDB's default (32 MB) would make read buffers the largest use of memory. */
export const CSV_BUFFER_BYTES = 8 * 1024 * 1024;

/** A tag key the allocation rules look at, with the values they compare it against. */
export interface TagFilter {
  key: string;
  values: readonly string[];
}

export interface FileSource {
  path: string;
  format: FocusFormat;
  /** Column names in file order (CSV: from the header; Parquet: from the schema). */
  columns: readonly string[];
  /** Parquet only: DuckDB type of each column, to turn maps and structs into JSON text. */
  types?: readonly string[];
  plan: ColumnPlan;
}

export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** The table function that reads the file, with CSV columns named c0…cN by position. */
export function readerSql(src: FileSource): string {
  if (src.format === 'parquet') return `read_parquet(${sqlString(src.path)})`;
  const columns = src.columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return [
    `read_csv(${sqlString(src.path)}`,
    'header = true',
    'auto_detect = false',
    `columns = {${columns}}`,
    "delim = ','",
    `quote = '"'`,
    `escape = '"'`,
    `nullstr = [${NULL_STRINGS.map(sqlString).join(', ')}]`,
    `buffer_size = ${CSV_BUFFER_BYTES}`,
    `compression = ${src.format === 'csv.gz' ? "'gzip'" : "'none'"})`,
  ].join(', ');
}

function columnSql(src: FileSource, index: number): string {
  if (src.format !== 'parquet') return `c${index}`;
  const name = ident(src.columns[index] ?? '');
  const type = src.types?.[index] ?? 'VARCHAR';
  const text = /^(MAP|STRUCT)|\[\]$/.test(type)
    ? `CAST(to_json(${name}) AS VARCHAR)`
    : `CAST(${name} AS VARCHAR)`;
  return `CASE WHEN ${text} IN (${NULL_STRINGS.map(sqlString).join(', ')}) THEN NULL ELSE ${text} END`;
}

/** The text of a field: its columns' first non-null value, or NULL when the file lacks it. */
function fieldSql(src: FileSource, field: FocusField): string {
  const cols = src.plan.fields[field];
  if (!cols || cols.length === 0) return 'CAST(NULL AS VARCHAR)';
  const parts = cols.map((c) => columnSql(src, c.index));
  return parts.length === 1 ? (parts[0] as string) : `coalesce(${parts.join(', ')})`;
}

/** Known enum values in their FOCUS spelling, whatever case the file uses. */
function canonicalSql(expr: string, values: readonly string[]): string {
  const whens = values.map((v) => `WHEN ${sqlString(v.toLowerCase())} THEN ${sqlString(v)}`).join(' ');
  return `CASE lower(${expr}) ${whens} ELSE ${expr} END`;
}

const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];

/**
 * Every row, typed and checked. `bad` names the first field that did not convert (in the order
 * a reader would fix them); it is NULL for a good row.
 */
export function checkedRowsSql(src: FileSource, tagFilters: readonly TagFilter[]): string {
  const f = (field: FocusField) => fieldSql(src, field);
  const tagPaths = tagFilters.map((t) => sqlString(`/${t.key.replaceAll('~', '~0').replaceAll('/', '~1')}`));
  const tagCols = tagFilters.map(
    (t, i) =>
      `CASE WHEN tag_values[${i + 1}] IN (${t.values.map(sqlString).join(', ')}) THEN tag_values[${i + 1}] END AS tag${i}`,
  );
  const commitment = `coalesce(${canonicalSql(f('commitmentStatus'), ['Used', 'Unused'])}, CASE lower(${f('chargeSubcategory')}) WHEN 'used commitment' THEN 'Used' WHEN 'unused commitment' THEN 'Unused' END)`;
  return `
    WITH src AS (
      SELECT
        ${f('billedCost')} AS billed_text,
        ${f('effectiveCost')} AS effective_text,
        ${f('chargePeriodStart')} AS charge_start_text,
        ${f('billingPeriodStart')} AS period_start_text,
        ${f('billingCurrency')} AS billing_currency,
        ${f('chargeCategory')} AS charge_category_text,
        ${f('provider')} AS provider,
        ${f('billingAccountId')} AS billing_account_id,
        ${f('subAccountId')} AS sub_account_id,
        ${f('region')} AS region,
        coalesce(${f('serviceCategory')}, 'Other') AS service_category,
        coalesce(${f('serviceName')}, '(no ServiceName)') AS service_name,
        coalesce(lower(${f('chargeClass')}) = 'correction', false) AS is_correction,
        ${f('pricingCategory')} AS pricing_category,
        ${commitment} AS commitment_status,
        ${tagFilters.length > 0 ? f('tags') : 'CAST(NULL AS VARCHAR)'} AS tags_text
      FROM ${readerSql(src)}
    ), typed AS (
      SELECT
        *,
        TRY_CAST(billed_text AS ${COST_TYPE}) AS billed,
        TRY_CAST(effective_text AS ${COST_TYPE}) AS effective,
        TRY_CAST(charge_start_text AS TIMESTAMPTZ) AS charge_start,
        TRY_CAST(period_start_text AS TIMESTAMPTZ) AS period_start,
        ${canonicalSql('charge_category_text', CHARGE_CATEGORIES)} AS charge_category,
        ${
          tagFilters.length > 0
            ? `try(json_extract_string(CASE WHEN tags_text IS NULL THEN NULL WHEN starts_with(ltrim(tags_text), '{') THEN tags_text ELSE '{' || tags_text || '}' END, [${tagPaths.join(', ')}]))`
            : 'CAST(NULL AS VARCHAR[])'
        } AS tag_values
      FROM src
    ), checked AS (
      SELECT
        *,
        CASE
          WHEN charge_start_text IS NULL THEN 'chargePeriodStart:empty'
          WHEN charge_start IS NULL THEN 'chargePeriodStart:date'
          WHEN period_start_text IS NULL THEN 'billingPeriodStart:empty'
          WHEN period_start IS NULL THEN 'billingPeriodStart:date'
          WHEN (billed IS NULL AND billed_text IS NOT NULL) OR NOT isfinite(billed) THEN 'billedCost:number'
          WHEN (effective IS NULL AND effective_text IS NOT NULL) OR NOT isfinite(effective) THEN 'effectiveCost:number'
          WHEN billing_currency IS NULL THEN 'billingCurrency:empty'
          WHEN charge_category_text IS NULL THEN 'chargeCategory:empty'
          WHEN provider IS NULL THEN 'provider:empty'
        END AS bad,
        tags_text IS NOT NULL AND tag_values IS NULL AS tags_unreadable
        ${tagCols.length > 0 ? `, ${tagCols.join(', ')}` : ''}
      FROM typed
    )`;
}

/** Output columns of the aggregate, in order; `tag0…` follow `commitment_status`. */
export const GROUP_COLUMNS = [
  'provider',
  'billing_account_id',
  'billing_period_start',
  'day',
  'sub_account_id',
  'region',
  'service_category',
  'service_name',
  'charge_category',
  'is_correction',
  'billing_currency',
  'pricing_category',
  'commitment_status',
] as const;

/**
 * One file → one row per daily group. A row that does not convert lands in a group with
 * `bad` set, so validation costs no second pass over a good file.
 */
export function aggregateSql(src: FileSource, tagFilters: readonly TagFilter[]): string {
  const tagCols = tagFilters.map((_, i) => `tag${i}`);
  const keys = [
    'provider',
    'billing_account_id',
    'period_start',
    'charge_start',
    'sub_account_id',
    'region',
    'service_category',
    'service_name',
    'charge_category',
    'is_correction',
    'billing_currency',
    'pricing_category',
    'commitment_status',
    ...tagCols,
  ];
  return `${checkedRowsSql(src, tagFilters)}
    , grouped AS (
      SELECT
        bad IS NOT NULL AS bad,
        CAST(period_start AS DATE) AS period_day,
        CAST(charge_start AS DATE) AS charge_day,
        ${keys.filter((k) => k !== 'period_start' && k !== 'charge_start').join(', ')},
        fsum(billed) AS billed,
        fsum(effective) AS effective,
        count(*) AS row_count,
        count(*) FILTER (WHERE tags_unreadable) AS tags_unreadable
      FROM checked
      GROUP BY ALL
    )
    SELECT
      bad,
      provider,
      coalesce(billing_account_id, '') AS billing_account_id,
      CAST(period_day AS VARCHAR) AS billing_period_start,
      CAST(charge_day AS VARCHAR) AS day,
      sub_account_id, region, service_category, service_name, charge_category, is_correction,
      billing_currency, pricing_category, commitment_status,
      ${tagCols.length > 0 ? `${tagCols.join(', ')},` : ''}
      coalesce(billed, 0) AS billed_cost,
      coalesce(effective, 0) AS effective_cost,
      CAST(row_count AS DOUBLE) AS row_count,
      CAST(tags_unreadable AS DOUBLE) AS tags_unreadable
    FROM grouped`;
}

/** Parquet: the first bad row by its position in the file. */
export function firstBadParquetRowSql(src: FileSource, tagFilters: readonly TagFilter[]): string {
  return `${checkedRowsSql(src, tagFilters).replace(
    `FROM ${readerSql(src)}`,
    `, file_row_number FROM read_parquet(${sqlString(src.path)}, file_row_number = true)`,
  )}
    SELECT file_row_number, bad, billed_text, effective_text, charge_start_text, period_start_text
    FROM checked WHERE bad IS NOT NULL ORDER BY file_row_number LIMIT 1`;
}

/** CSV: every row's verdict in file order (run single-threaded), so the caller can count to the first bad one. */
export function rowVerdictsSql(src: FileSource, tagFilters: readonly TagFilter[]): string {
  return `${checkedRowsSql(src, tagFilters)}
    SELECT bad, billed_text, effective_text, charge_start_text, period_start_text FROM checked`;
}
