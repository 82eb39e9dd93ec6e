import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Db } from '../db/connect.ts';
import type { Clock } from '../ingest/github/client.ts';
import {
  ANTHROPIC_VERSION,
  DEFAULT_ANTHROPIC_API_URL,
  readAnthropicCosts,
} from '../ingest/ai-costs/anthropic.ts';
import {
  type AiVendor,
  createVendorHttpClient,
  missingKeyError,
  VENDOR_NAMES,
  type VendorCostRead,
  type VendorHttpClient,
  type VendorHttpStats,
} from '../ingest/ai-costs/http.ts';
import {
  AI_VENDOR_SERVICE_CATEGORY,
  type AiCostLine,
  type DayWindow,
  dayStart,
  utcDay,
  windowDays,
} from '../ingest/ai-costs/lines.ts';
import { DEFAULT_OPENAI_API_URL, readOpenAiCosts } from '../ingest/ai-costs/openai.ts';
import { errorLine, InputError } from '../lib/errors.ts';
import { addDays, isDay } from '../lib/dates.ts';
import {
  type AllocationRules,
  allocateCostRows,
  allocationVerdict,
  compileAllocationRules,
  formatAmount,
  parseAmount,
} from '../model/allocation.ts';
import type { ServiceDeps } from './deps.ts';
import {
  type AllocationSummary,
  type CurrencyTotals,
  type DailyRow,
  deleteCostSources,
  insertDaily,
  money,
  plural,
  summarizeAllocation,
} from './cost-daily-rows.ts';

/**
 * `finops ingest openai|anthropic` and the daily `ingest-ai-costs` job: the AI vendors' own cost
 * APIs → FOCUS-shaped daily rows in `cost_daily`, allocated like FOCUS rows.
 *
 * - Each result becomes a row with provider = the vendor, ServiceCategory `AI and Machine
 *   Learning`, ChargeCategory `Usage`, billed = effective cost (the APIs report one amount),
 *   sub-account = the OpenAI project or Anthropic workspace, and service name = the vendor and
 *   its line item (`OpenAI gpt-4o-2024-08-06, input`): the anomaly series and alerts are per
 *   product line and service name, so a spike reads as the model and token kind that rose,
 *   with the project or workspace as its root cause.
 * - Allocation is model/allocation.ts's: `product_lines[].cost.sub_accounts` match project and
 *   workspace ids, then `shared_costs`, else unallocated. Each vendor-day is one allocation scope,
 *   so a shared split is proportional to that day's direct cost, as for FOCUS.
 * - Vendors revise recent days, so every run re-reads a trailing window (`restate_days`, 7 by
 *   default) up to the start of today (UTC; today is still incomplete). The first run reads from
 *   the first day of the previous month, so the monthly review and drift have two whole months;
 *   a run after a gap reads from the day after the last day stored. Each day of the window is a
 *   cost source of its own (`openai:2026-12-01`) and the run replaces all of them in one
 *   transaction: days the vendor revised change, days whose bucket is now empty become empty,
 *   running twice never double counts, and days outside the window are never touched. A day
 *   of the window the answer has no bucket for at all is left as stored (and said so).
 * - Everything is read before anything is written: a missing key, a refused key, a rate limit
 *   that outlasts the retries or a malformed answer leaves the stored cost as it was.
 */

export const AI_VENDORS = ['openai', 'anthropic'] as const satisfies readonly AiVendor[];

interface VendorSpec {
  defaultKeyEnv: string;
  urlEnv: string;
  defaultUrl: string;
  headers(key: string): Record<string, string>;
  read(client: VendorHttpClient, w: DayWindow): Promise<VendorCostRead>;
}

const VENDORS: Record<AiVendor, VendorSpec> = {
  openai: {
    defaultKeyEnv: 'OPENAI_ADMIN_KEY',
    urlEnv: 'OPENAI_API_URL',
    defaultUrl: DEFAULT_OPENAI_API_URL,
    headers: (key) => ({ authorization: `Bearer ${key}` }),
    read: readOpenAiCosts,
  },
  anthropic: {
    defaultKeyEnv: 'ANTHROPIC_ADMIN_KEY',
    urlEnv: 'ANTHROPIC_API_URL',
    defaultUrl: DEFAULT_ANTHROPIC_API_URL,
    headers: (key) => ({ 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION }),
    read: readAnthropicCosts,
  },
};

export interface AiVendorSettings {
  vendor: AiVendor;
  name: string;
  /** `sources.<vendor>` is in the config (the daily job reads only configured vendors). */
  configured: boolean;
  keyEnv: string;
  urlEnv: string;
  restateDays: number;
}

/** The vendor's settings, with the schema's defaults when `sources.<vendor>` is absent. */
export function aiVendorSettings(config: Config, vendor: AiVendor): AiVendorSettings {
  const src = config.sources[vendor];
  const spec = VENDORS[vendor];
  return {
    vendor,
    name: VENDOR_NAMES[vendor],
    configured: src !== undefined,
    keyEnv: src?.key_env ?? spec.defaultKeyEnv,
    urlEnv: spec.urlEnv,
    restateDays: src?.restate_days ?? 7,
  };
}

/** The admin key from the environment, or the InputError that says which variable to set. */
export function aiVendorKey(deps: Pick<ServiceDeps, 'config' | 'env'>, vendor: AiVendor): string {
  const s = aiVendorSettings(deps.config, vendor);
  const key = deps.env[s.keyEnv]?.trim();
  if (!key) throw missingKeyError(vendor, s.keyEnv, VENDORS[vendor].defaultKeyEnv);
  return key;
}

export interface IngestAiCostsOptions {
  /** Read from this UTC day (`YYYY-MM-DD`) instead of the trailing window. */
  since?: string;
  /** Waits on rate limits and backoff (tests inject one that records instead of sleeping). */
  clock?: Clock;
  maxRetries?: number;
  signal?: AbortSignal;
}

export interface AiCostDay {
  day: string;
  sourceKey: string;
  /** Vendor results that day. */
  lines: number;
  totals: Record<string, CurrencyTotals>;
  /** What the day held before this run, or null if it had never been read. */
  before: { lines: number; totals: Record<string, CurrencyTotals> } | null;
  change: 'new' | 'unchanged' | 'revised';
}

export interface IngestAiCostsResult {
  vendor: AiVendor;
  name: string;
  baseUrl: string;
  runId: number;
  window: DayWindow;
  /** Why the window starts where it does. */
  windowReason: string;
  lines: number;
  dailyRows: number;
  days: AiCostDay[];
  allocation: AllocationSummary[];
  warnings: string[];
  requests: VendorHttpStats;
}

export const aiCostSourceKey = (vendor: AiVendor, day: string) => `${vendor}:${day}`;

/** The days to read: `since`, else the trailing window, reaching back over any gap since the last run. */
export async function planAiCostWindow(
  db: Db,
  vendor: AiVendor,
  today: string,
  restateDays: number,
  since?: string,
): Promise<{ window: DayWindow; reason: string }> {
  if (since !== undefined) {
    if (!isDay(since)) {
      throw new InputError('bad_arguments', `--since ${since}: expected a day YYYY-MM-DD (UTC)`);
    }
    if (since >= today) {
      throw new InputError(
        'bad_arguments',
        `--since ${since}: the vendors' days are read up to yesterday (UTC), so give a day before ${today}`,
      );
    }
    return { window: { start: since, end: today }, reason: `from --since ${since}` };
  }
  const latest = await db
    .selectFrom('costSource')
    .select('sourceKey')
    .where('kind', '=', vendor)
    .orderBy('sourceKey', 'desc')
    .limit(1)
    .executeTakeFirst();
  const trailing = addDays(today, -restateDays);
  if (!latest) {
    const start = utcDay(dayStart(today).minus({ months: 1 }).startOf('month'));
    return {
      window: { start, end: today },
      reason: 'first run: from the first day of last month, so the review has two whole months',
    };
  }
  const next = addDays(latest.sourceKey.slice(vendor.length + 1), 1);
  if (next < trailing) {
    return {
      window: { start: next, end: today },
      reason: `catching up from the day after the last day read (${addDays(next, -1)})`,
    };
  }
  return {
    window: { start: trailing, end: today },
    reason: `the last ${plural(restateDays, 'day')} again (sources.${vendor}.restate_days), since vendors revise recent days`,
  };
}

/** One cost_daily row before allocation: the FOCUS columns a vendor line fills. */
type VendorRow = DailyRow['row'];

/**
 * Lines → allocated cost_daily rows per day (keyed by cost source). Pure. Lines of the same day,
 * project or workspace, service and currency are added up first (exactly), so each key is one row.
 */
export function allocateAiCostLines(
  vendor: AiVendor,
  lines: readonly AiCostLine[],
  rules: AllocationRules,
): Map<string, DailyRow[]> {
  const provider = VENDOR_NAMES[vendor];
  const byKey = new Map<string, VendorRow>();
  for (const l of lines) {
    const key = [l.day, l.subAccountId ?? '\u0002', l.serviceName, l.currency].join('\u0001');
    const row = byKey.get(key);
    if (row) {
      row.billedCost += l.amount;
      row.effectiveCost += l.amount;
      row.rowCount += 1;
      continue;
    }
    byKey.set(key, {
      scope: aiCostSourceKey(vendor, l.day),
      day: l.day,
      provider,
      subAccountId: l.subAccountId,
      region: null,
      serviceCategory: AI_VENDOR_SERVICE_CATEGORY,
      serviceName: l.serviceName,
      chargeCategory: 'Usage',
      isCorrection: false,
      billingCurrency: l.currency,
      pricingCategory: null,
      commitmentStatus: null,
      ...allocationVerdict(rules, { subAccountId: l.subAccountId, serviceName: l.serviceName, tags: {} }),
      billedCost: l.amount,
      effectiveCost: l.amount,
      rowCount: 1,
    });
  }
  const out = new Map<string, DailyRow[]>();
  for (const part of allocateCostRows([...byKey.values()], rules)) {
    const list = out.get(part.row.scope) ?? [];
    list.push(part);
    out.set(part.row.scope, list);
  }
  return out;
}

/** Exact totals per currency of some lines, sorted by currency. */
function totalsOf(lines: readonly AiCostLine[]): Record<string, CurrencyTotals> {
  const by = new Map<string, bigint>();
  for (const l of lines) by.set(l.currency, (by.get(l.currency) ?? 0n) + l.amount);
  const out: Record<string, CurrencyTotals> = {};
  for (const [cur, t] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
    out[cur] = { billed: formatAmount(t), effective: formatAmount(t) };
  }
  return out;
}

/** Identifies a day's content, so a re-read can say whether the vendor revised it. */
function checksumOf(lines: readonly AiCostLine[]): string {
  const text = lines
    .map((l) => [l.subAccountId ?? '', l.serviceName, l.currency, formatAmount(l.amount)].join('\t'))
    .sort()
    .join('\n');
  return createHash('sha256').update(text).digest('hex');
}

/** One run for one vendor: read the window, then replace its days in one transaction. */
export async function ingestAiCosts(
  deps: ServiceDeps,
  vendor: AiVendor,
  opts: IngestAiCostsOptions = {},
): Promise<IngestAiCostsResult> {
  const { config, db } = deps;
  const settings = aiVendorSettings(config, vendor);
  const spec = VENDORS[vendor];
  const key = aiVendorKey(deps, vendor);
  const startedAt = deps.now();
  const today = utcDay(startedAt);
  const { window, reason } = await planAiCostWindow(db, vendor, today, settings.restateDays, opts.since);
  const client = createVendorHttpClient({
    vendor,
    baseUrl: deps.env[spec.urlEnv]?.trim() || spec.defaultUrl,
    headers: spec.headers(key),
    keyEnv: settings.keyEnv,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });

  let read: VendorCostRead;
  try {
    read = await spec.read(client, window);
  } catch (err) {
    await recordFailedRun(db, vendor, startedAt, deps.now(), window, client.stats, err);
    throw err;
  }

  const warnings: string[] = [];
  const wanted = windowDays(window);
  // Only days the vendor answered for (a bucket, empty or not) are replaced: a day it left out
  // of its answer keeps what it had, rather than becoming an empty day.
  const answered = new Set(read.days);
  const days = wanted.filter((d) => answered.has(d));
  const skipped = wanted.filter((d) => !answered.has(d));
  if (skipped.length > 0) {
    warnings.push(
      `${settings.name} gave no bucket for ${plural(skipped.length, 'day')} of the window (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}): left as stored`,
    );
  }
  const inWindow = read.lines.filter(
    (l) => answered.has(l.day) && l.day >= window.start && l.day < window.end,
  );
  if (inWindow.length < read.lines.length) {
    const outside = read.lines.length - inWindow.length;
    warnings.push(
      `${settings.name} returned ${plural(outside, 'result')} outside ${window.start} … ${addDays(window.end, -1)}: left out, so no day outside the window changes`,
    );
  }
  const byDay = new Map<string, AiCostLine[]>(days.map((d) => [d, []]));
  for (const l of inWindow) byDay.get(l.day)?.push(l);
  const daily = allocateAiCostLines(vendor, inWindow, compileAllocationRules(config));
  const keys = days.map((d) => aiCostSourceKey(vendor, d));

  const stored = await db.transaction().execute(async (trx) => {
    const previous = await trx
      .selectFrom('costSource')
      .select(['sourceKey', 'rowCount', 'checksum', 'totals'])
      .where('sourceKey', 'in', keys)
      .execute();
    await deleteCostSources(trx, keys);
    const out: AiCostDay[] = [];
    for (const day of days) {
      const sourceKey = aiCostSourceKey(vendor, day);
      const lines = byDay.get(day) ?? [];
      const totals = totalsOf(lines);
      const checksum = checksumOf(lines);
      const { id } = await trx
        .insertInto('costSource')
        .values({
          sourceKey,
          kind: vendor,
          provider: settings.name,
          billingPeriodStart: `${day.slice(0, 7)}-01`,
          fileName: `GET ${client.baseUrl}`,
          checksum,
          rowCount: lines.length,
          totals,
          ingestedAt: deps.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await insertDaily(trx, id, daily.get(sourceKey) ?? []);
      const prev = previous.find((p) => p.sourceKey === sourceKey);
      out.push({
        day,
        sourceKey,
        lines: lines.length,
        totals,
        before: prev ? { lines: prev.rowCount, totals: prev.totals as Record<string, CurrencyTotals> } : null,
        change: !prev ? 'new' : prev.checksum === checksum ? 'unchanged' : 'revised',
      });
    }
    const dailyRows = [...daily.values()].reduce((s, r) => s + r.length, 0);
    const { id: runId } = await trx
      .insertInto('ingestRun')
      .values({
        source: vendor,
        startedAt,
        finishedAt: deps.now(),
        status: 'succeeded',
        stats: {
          window,
          days: days.length,
          lines: inWindow.length,
          dailyRows,
          revised: out.filter((d) => d.change === 'revised').length,
          ...client.stats,
        },
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { days: out, dailyRows, runId };
  });

  return {
    vendor,
    name: settings.name,
    baseUrl: client.baseUrl,
    runId: stored.runId,
    window,
    windowReason: reason,
    lines: inWindow.length,
    dailyRows: stored.dailyRows,
    days: stored.days,
    allocation: summarizeAllocation(daily, config.model.cost_metric),
    warnings,
    requests: { ...client.stats },
  };
}

/** A failed read is recorded (it changes no cost) so `ingest_run` shows why the cost is stale. */
async function recordFailedRun(
  db: Db,
  vendor: AiVendor,
  startedAt: Date,
  finishedAt: Date,
  window: DayWindow,
  stats: VendorHttpStats,
  err: unknown,
): Promise<void> {
  await db
    .insertInto('ingestRun')
    .values({
      source: vendor,
      startedAt,
      finishedAt,
      status: 'failed',
      stats: { window, ...stats },
      error: errorLine(err),
    })
    .execute()
    .catch(() => undefined);
}

const totalsText = (totals: Record<string, CurrencyTotals>) =>
  Object.entries(totals)
    .map(([cur, t]) => `${cur} ${money(t.effective)}`)
    .join(', ') || 'nothing';

/** Revised days listed one by one, up to this many. */
const MAX_REVISED_LINES = 10;

/** What `finops ingest openai|anthropic` prints and the daily job records. */
export function formatAiCostIngest(r: IngestAiCostsResult, metric: Config['model']['cost_metric']): string[] {
  const count = (c: AiCostDay['change']) => r.days.filter((d) => d.change === c).length;
  const lines = [
    `${r.name} (${r.baseUrl}): ingest run ${r.runId} succeeded`,
    `  read ${r.window.start} … ${addDays(r.window.end, -1)} (${plural(r.days.length, 'day')}, UTC): ${r.windowReason}`,
    `  ${plural(r.lines, 'cost line')} → ${plural(r.dailyRows, 'daily row')}; each day replaced: ${count('new')} new, ${count('revised')} revised, ${count('unchanged')} unchanged`,
  ];
  const revised = r.days.filter((d) => d.change === 'revised');
  for (const d of revised.slice(0, MAX_REVISED_LINES)) {
    lines.push(`    ${d.day} revised: ${totalsText(d.before?.totals ?? {})} → ${totalsText(d.totals)}`);
  }
  if (revised.length > MAX_REVISED_LINES)
    lines.push(`    …and ${revised.length - MAX_REVISED_LINES} more revised days`);
  const sum = new Map<string, bigint>();
  for (const d of r.days) {
    for (const [cur, t] of Object.entries(d.totals))
      sum.set(cur, (sum.get(cur) ?? 0n) + parseAmount(t.effective));
  }
  lines.push(
    `  total: ${[...sum].map(([cur, v]) => `${cur} ${money(formatAmount(v))}`).join(', ') || 'nothing'}`,
  );
  for (const a of r.allocation) {
    lines.push(
      `  allocation of ${metric} in ${a.currency}: direct ${money(a.direct)} · shared ${money(a.shared)} · unallocated ${money(a.none)}`,
    );
  }
  const s = r.requests;
  lines.push(
    `  requests: ${s.requests}` +
      (s.retries > 0
        ? ` (${s.rateLimited} rate-limited, ${s.retries} retried, waited ${Math.round(s.waitedMs / 1000)} s)`
        : ''),
  );
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}
