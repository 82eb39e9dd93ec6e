import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The yardstick of bench/focus-ingest.bench.ts: DuckDB alone, with its defaults, reading the same
 * FOCUS CSV (types sniffed) and grouping it to the same daily key. No validation, no tags, no
 * allocation, no database. Usage: node --import tsx bench/focus-bare-duckdb.ts FILE
 */
const file = process.argv[2];
if (!file) throw new Error('usage: focus-bare-duckdb.ts FILE');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const reader = await conn.runAndReadAll(`
  SELECT CAST(ChargePeriodStart AS DATE) AS day, ProviderName, BillingAccountId, BillingPeriodStart,
    SubAccountId, RegionId, ServiceCategory, ServiceName, ChargeCategory, ChargeClass, BillingCurrency,
    PricingCategory, CommitmentDiscountStatus,
    sum(BilledCost) AS billed, sum(EffectiveCost) AS effective, count(*) AS n
  FROM read_csv('${file.replaceAll("'", "''")}')
  GROUP BY ALL`);
let rows = 0;
for (const r of reader.getRowObjectsJson()) rows += Number(r['n']);
process.stdout.write(`bare duckdb: ${reader.currentRowCount} groups, ${rows} rows\n`);
conn.closeSync();
instance.closeSync();
