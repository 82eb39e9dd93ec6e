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
/** Per-thread CSV read buffer. DuckDB's default (32 MB) would make read buffers the largest use of memory; 4 MB reads as fast. */
export const CSV_BUFFER_BYTES = 4 * 1024 * 1024;

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
 * A FOCUS date-time as a UTC TIMESTAMP. Values without a zone, or in Zulu (`…Z`), take the plain
 * TIMESTAMP parse; only values with an offset (`+02:00`) go through the time-zone-aware parse,
 * which costs a fifth of the whole ingest when every row takes it.
 */
function utcTimestampSql(expr: string): string {
  return `CASE WHEN length(${expr}) <= 19 OR ends_with(${expr}, 'Z') THEN TRY_CAST(${expr} AS TIMESTAMP) ELSE CAST(TRY_CAST(${expr} AS TIMESTAMPTZ) AS TIMESTAMP) END`;
}

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
        ${utcTimestampSql('charge_start_text')} AS charge_start,
        ${utcTimestampSql('period_start_text')} AS period_start,
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

/**
 * The staging table: every file's daily groups, with the values of the tag keys the rules use.
 * DuckDB keeps it (columnar, spilling beyond its memory limit), so merging files, deciding
 * allocation per distinct subject and the final grouping all happen there, not in JS objects.
 */
export function createStagingSql(tagCount: number): string {
  const tags = Array.from({ length: tagCount }, (_, i) => `tag${i} VARCHAR, `).join('');
  return `CREATE TABLE focus_group (
    file_idx INTEGER, bad BOOLEAN, provider VARCHAR, billing_account_id VARCHAR, period_day DATE,
    charge_day DATE, sub_account_id VARCHAR, region VARCHAR, service_category VARCHAR,
    service_name VARCHAR, charge_category VARCHAR, is_correction BOOLEAN, billing_currency VARCHAR,
    pricing_category VARCHAR, commitment_status VARCHAR, ${tags}
    billed DOUBLE, effective DOUBLE, row_count BIGINT, tags_unreadable BIGINT)`;
}

/**
 * One file → its daily groups, into the staging table. A row that does not convert lands in a
 * group with `bad` set, so validation costs no second pass over a good file.
 */
export function stageFileSql(src: FileSource, tagFilters: readonly TagFilter[], fileIdx: number): string {
  const tagCols = tagFilters.map((_, i) => `tag${i}`).join(', ');
  return `INSERT INTO focus_group
    ${checkedRowsSql(src, tagFilters)}
    SELECT
      ${fileIdx} AS file_idx,
      bad IS NOT NULL AS bad,
      provider,
      coalesce(billing_account_id, '') AS billing_account_id,
      CAST(period_start AS DATE) AS period_day,
      CAST(charge_start AS DATE) AS charge_day,
      sub_account_id, region, service_category, service_name, charge_category, is_correction,
      billing_currency, pricing_category, commitment_status,
      ${tagCols ? `${tagCols},` : ''}
      coalesce(fsum(billed), 0) AS billed,
      coalesce(fsum(effective), 0) AS effective,
      count(*) AS row_count,
      count(*) FILTER (WHERE tags_unreadable) AS tags_unreadable
    FROM checked
    GROUP BY ALL`;
}

/** Counts of one staged file: rows, bad rows, rows with unreadable Tags. */
export function fileCountsSql(fileIdx: number): string {
  return `SELECT
      CAST(coalesce(sum(row_count), 0) AS DOUBLE) AS rows,
      CAST(coalesce(sum(row_count) FILTER (WHERE bad), 0) AS DOUBLE) AS bad_rows,
      CAST(coalesce(sum(tags_unreadable), 0) AS DOUBLE) AS tags_unreadable
    FROM focus_group WHERE file_idx = ${fileIdx}`;
}

/** Null-safe join keys: a hash join on plain equality, null matching null. */
const NULL_KEY = 'chr(1)';
const subjectColumns = (tagCount: number) => [
  'sub_account_id',
  'service_name',
  ...Array.from({ length: tagCount }, (_, i) => `tag${i}`),
];

/** The distinct allocation subjects (sub-account, service name, tag values), numbered. */
export function createSubjectsSql(tagCount: number): string {
  const cols = subjectColumns(tagCount).join(', ');
  return `CREATE TABLE focus_subject AS
    SELECT CAST(row_number() OVER () AS INTEGER) AS id, ${cols}
    FROM (SELECT DISTINCT ${cols} FROM focus_group WHERE NOT bad)`;
}

export const CREATE_VERDICTS_SQL =
  'CREATE TABLE focus_verdict (id INTEGER, direct_line VARCHAR, shared_rule INTEGER)';

/** What a final group is keyed by besides its day: its cost_daily columns, cost source and verdict. */
export const DIMENSION_COLUMNS = [
  'provider',
  'billing_account_id',
  'period_day',
  'sub_account_id',
  'region',
  'service_category',
  'service_name',
  'charge_category',
  'is_correction',
  'billing_currency',
  'pricing_category',
  'commitment_status',
  'direct_line',
  'shared_rule',
] as const;

/**
 * Every staged group with its verdict, merged across files: the rows allocation works on. Kept
 * in DuckDB; JS reads it as a few thousand distinct dimensions (strings, once each) and, per
 * group, only numbers (dimension id, day, sums), which costs a fraction of converting every
 * group's dozen strings.
 */
export function createAllocatableSql(tagCount: number): string {
  const on = subjectColumns(tagCount)
    .map((c) => `coalesce(g.${c}, ${NULL_KEY}) = coalesce(s.${c}, ${NULL_KEY})`)
    .join(' AND ');
  return `CREATE TABLE focus_allocatable AS SELECT
      g.provider, g.billing_account_id, g.period_day, g.sub_account_id, g.region, g.service_category,
      g.service_name, g.charge_category, g.is_correction, g.billing_currency, g.pricing_category,
      g.commitment_status, v.direct_line, v.shared_rule, g.charge_day,
      fsum(g.billed) AS billed, fsum(g.effective) AS effective,
      CAST(sum(g.row_count) AS DOUBLE) AS row_count
    FROM focus_group g
    JOIN focus_subject s ON ${on}
    JOIN focus_verdict v ON v.id = s.id
    WHERE NOT g.bad
    GROUP BY ALL`;
}

/** The distinct dimensions of the allocatable groups, numbered. */
export const CREATE_DIMENSIONS_SQL = `CREATE TABLE focus_dimension AS
  SELECT CAST(row_number() OVER () AS INTEGER) AS id, *
  FROM (SELECT DISTINCT ${DIMENSION_COLUMNS.join(', ')} FROM focus_allocatable)`;

export const DIMENSIONS_SQL = `SELECT id, ${DIMENSION_COLUMNS.map((c) =>
  c === 'period_day' ? 'CAST(period_day AS VARCHAR) AS period_day' : c,
).join(', ')} FROM focus_dimension`;

/** Each allocatable group as numbers only: dimension id, day (days since 1970-01-01), sums, rows. */
export const GROUP_NUMBERS_SQL = `SELECT d.id,
    CAST(a.charge_day - DATE '1970-01-01' AS INTEGER) AS day, a.billed, a.effective, a.row_count
  FROM focus_allocatable a
  JOIN focus_dimension d ON ${DIMENSION_COLUMNS.map(
    (c) => `coalesce(CAST(a.${c} AS VARCHAR), ${NULL_KEY}) = coalesce(CAST(d.${c} AS VARCHAR), ${NULL_KEY})`,
  ).join(' AND ')}`;

/** Which files contributed to which cost source (provider, billing account, billing period). */
export const SOURCE_FILES_SQL = `SELECT DISTINCT provider, billing_account_id,
    CAST(period_day AS VARCHAR) AS billing_period_start, file_idx
  FROM focus_group WHERE NOT bad ORDER BY file_idx`;

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
