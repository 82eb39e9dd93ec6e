import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.ts';
import type { Config, ConfigInput } from '../../src/config/schema.ts';
import type { Db } from '../../src/db/connect.ts';
import { createLogger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';

export const SAMPLE = path.resolve('test/fixtures/focus/focus_sample_1.0.csv');
export const SPEC_12 = path.resolve('test/fixtures/focus/spec_1.2_commitment_flexibility_2_resources.csv');
export const SPEC_12_COMPLETE = path.resolve(
  'test/fixtures/focus/spec_1.2_commitment_flexibility_2_resources.complete.csv',
);

/** A temp directory removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'finops-focus-test-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function testConfig(extra: Partial<ConfigInput> = {}): Config {
  return validateConfig({
    timezone: 'Europe/Berlin',
    rates: [{ effective_from: '2024-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } }],
    teams: [{ id: 'payments' }, { id: 'data' }],
    product_lines: [
      {
        id: 'checkout',
        team: 'payments',
        cost: { tags: { product: 'checkout' }, sub_accounts: ['000111222333'] },
      },
      { id: 'search', team: 'data', cost: { tags: { product: 'search' } } },
    ],
    ...extra,
  }).config;
}

export function testDeps(db: Db, config: Config, now = new Date('2026-11-02T06:00:00Z')): ServiceDeps {
  return {
    db,
    config,
    configHash: 'test',
    logger: createLogger({ level: 'silent' }),
    now: () => now,
    env: {},
    dataDir: os.tmpdir(),
  };
}

/** The minimal FOCUS columns of the generated files, in FOCUS 1.0 spelling. */
export const BASE_COLUMNS = [
  'BillingAccountId',
  'BillingCurrency',
  'BillingPeriodStart',
  'ChargePeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ProviderName',
  'SubAccountId',
  'RegionId',
  'ServiceCategory',
  'ServiceName',
  'BilledCost',
  'EffectiveCost',
  'PricingCategory',
  'CommitmentDiscountStatus',
  'Tags',
] as const;
export type BaseColumn = (typeof BASE_COLUMNS)[number];
export type FocusRow = Partial<Record<string, string | null>>;

/** Defaults of a generated row: one AWS Usage hour of Amazon EC2 in USD on 2026-10-05. */
export const DEFAULT_ROW: Record<BaseColumn, string | null> = {
  BillingAccountId: '123456789012',
  BillingCurrency: 'USD',
  BillingPeriodStart: '2026-10-01T00:00:00Z',
  ChargePeriodStart: '2026-10-05T10:00:00Z',
  ChargeCategory: 'Usage',
  ChargeClass: null,
  ProviderName: 'AWS',
  SubAccountId: '444455556666',
  RegionId: 'us-east-1',
  ServiceCategory: 'Compute',
  ServiceName: 'Amazon EC2',
  BilledCost: '1.00',
  EffectiveCost: '1.00',
  PricingCategory: 'Standard',
  CommitmentDiscountStatus: null,
  Tags: null,
};

const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;

/**
 * CSV text of FOCUS rows. `null` is written as `nullAs` (default the unquoted literal NULL, as
 * the real sample does); strings are quoted when they need it, or always with `quoteAll`.
 */
export function focusCsv(
  rows: readonly FocusRow[],
  opts: {
    columns?: readonly string[];
    nullAs?: string;
    eol?: string;
    bom?: boolean;
    quoteAll?: boolean;
    header?: readonly string[];
  } = {},
): string {
  const columns = opts.columns ?? BASE_COLUMNS;
  const header = opts.header ?? columns;
  const eol = opts.eol ?? '\n';
  const cell = (v: string | null | undefined) => {
    if (v === null || v === undefined) return opts.nullAs ?? 'NULL';
    return opts.quoteAll || /[",\r\n]/.test(v) ? quote(v) : v;
  };
  const lines = [
    header.map((h) => (opts.quoteAll ? quote(h) : h)).join(','),
    ...rows.map((r) => {
      const full = { ...DEFAULT_ROW, ...r } as Record<string, string | null | undefined>;
      return columns.map((c) => cell(full[c])).join(',');
    }),
  ];
  return `${opts.bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

export function writeCsv(file: string, text: string, gzip = false): string {
  writeFileSync(file, gzip ? gzipSync(Buffer.from(text)) : text);
  return file;
}
