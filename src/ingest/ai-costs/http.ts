import type { DateTime } from 'luxon';
import { z } from 'zod';
import { formatPath } from '../../config/schema.ts';
import { FinopsError, InputError } from '../../lib/errors.ts';
import { type Clock, systemClock } from '../github/client.ts';
import { type AiCostLine, type DayWindow, dayStart, normaliseCurrency, windowDays } from './lines.ts';

/**
 * The HTTP client both AI-vendor cost readers share: JSON GETs with the vendor's auth headers,
 * a per-request timeout, and bounded retries of 429, 5xx (and Anthropic's 529 "overloaded") and
 * network failures. A 429 waits what `retry-after` asks (seconds or an HTTP date), anything else
 * backs off exponentially; every wait goes through an injected clock, so tests never sleep.
 *
 * Why not a retry library: the ones in package.json are bound to Octokit (plugin-retry and
 * plugin-throttling), and the generic ones that arrive with Slack's SDK (p-retry, undici's
 * RetryAgent) are not dependencies of ours and wait on real timers, which an injected clock
 * cannot drive. The loop below is the smallest that honours `retry-after` within a time budget.
 */

export type AiVendor = 'openai' | 'anthropic';

export const VENDOR_NAMES: Record<AiVendor, string> = { openai: 'OpenAI', anthropic: 'Anthropic' };

export interface VendorHttpOptions {
  vendor: AiVendor;
  /** `https://api.openai.com`, a proxy, or a fake: the path is appended to it. */
  baseUrl: string;
  headers: Readonly<Record<string, string>>;
  /** The variable the key came from, for error messages that say what to fix. */
  keyEnv: string;
  clock?: Clock;
  /** Retries per request (429, 5xx, network), default 5. */
  maxRetries?: number;
  /** Total waiting one client may do on retries, default 5 minutes; past it the error stands. */
  maxWaitMs?: number;
  /** Per-request timeout, default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface VendorHttpStats {
  requests: number;
  rateLimited: number;
  retries: number;
  waitedMs: number;
}

export type QueryParams = ReadonlyArray<readonly [string, string]>;

export interface VendorHttpClient {
  readonly vendor: AiVendor;
  readonly baseUrl: string;
  readonly stats: VendorHttpStats;
  /** One GET; resolves with the parsed JSON body of a 2xx, retrying what is worth retrying. */
  get(path: string, params: QueryParams): Promise<unknown>;
}

/** A vendor's answer that is not a 2xx, after any retries. */
export class VendorApiError extends FinopsError {
  readonly status: number;
  constructor(vendor: AiVendor, status: number, message: string) {
    super(`${vendor}_${status}`, message);
    this.name = 'VendorApiError';
    this.status = status;
  }
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504, 529]);
const BASE_BACKOFF_MS = 1_000;

/** `retry-after`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** The vendor's own error message: OpenAI `{error: {message}}`, Anthropic `{type: "error", error: {message}}`. */
function vendorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    const m = parsed?.error?.message;
    return typeof m === 'string' && m.trim() !== '' ? m.trim() : null;
  } catch {
    return null;
  }
}

export function createVendorHttpClient(opts: VendorHttpOptions): VendorHttpClient {
  const name = VENDOR_NAMES[opts.vendor];
  const clock = opts.clock ?? systemClock;
  const maxRetries = opts.maxRetries ?? 5;
  const maxWaitMs = opts.maxWaitMs ?? 300_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const stats: VendorHttpStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };

  async function attempt(url: string) {
    stats.requests++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json', ...opts.headers }, signal });
      return { res, text: await res.text() };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      return { error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  async function get(path: string, params: QueryParams): Promise<unknown> {
    const qs = new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
    const url = `${baseUrl}${path}${qs ? `?${qs}` : ''}`;
    for (let retry = 0; ; retry++) {
      const r = await attempt(url);
      let problem: string;
      let status: number | null = null;
      let waitMs = BASE_BACKOFF_MS * 2 ** retry;
      if ('error' in r) {
        const cause = (r.error as { cause?: { message?: string } }).cause?.message;
        problem = `cannot reach ${name} at ${baseUrl} (GET ${path}): ${r.error.message}${cause ? ` (${cause})` : ''}`;
      } else if (r.res.ok) {
        try {
          return JSON.parse(r.text) as unknown;
        } catch {
          throw new FinopsError(
            `${opts.vendor}_payload`,
            `${name} GET ${path}: the answer is not JSON (${r.text.slice(0, 80)})`,
          );
        }
      } else {
        status = r.res.status;
        const said = vendorMessage(r.text) ?? r.res.statusText;
        if (status === 401 || status === 403) throw keyRefused(opts.vendor, opts.keyEnv, status, path, said);
        if (!RETRY_STATUSES.has(status)) {
          throw new VendorApiError(opts.vendor, status, `${name} GET ${path}: ${status} ${said}`);
        }
        problem = `${name} GET ${path}: ${status} ${said}`;
        if (status === 429) {
          stats.rateLimited++;
          const header = r.res.headers.get('retry-after');
          waitMs = retryAfterMs(header, clock.now()) ?? waitMs;
          problem += ` (retry-after ${header ?? 'absent'})`;
        }
      }
      if (retry >= maxRetries || stats.waitedMs + waitMs > maxWaitMs) {
        const message = `${problem}, still after ${retry} retr${retry === 1 ? 'y' : 'ies'} and ${Math.round(stats.waitedMs / 1000)} s of waiting; try again later`;
        throw status === null
          ? new FinopsError(`${opts.vendor}_unreachable`, message, 'runtime', {
              cause: (r as { error: Error }).error,
            })
          : new VendorApiError(opts.vendor, status, message);
      }
      stats.retries++;
      stats.waitedMs += waitMs;
      await clock.sleep(waitMs, opts.signal);
    }
  }

  return { vendor: opts.vendor, baseUrl, stats, get };
}

/** 401/403: bad input (exit 2), naming the vendor and the variable to set. */
export function keyRefused(
  vendor: AiVendor,
  keyEnv: string,
  status: number,
  path: string,
  said: string,
): InputError {
  const name = VENDOR_NAMES[vendor];
  const fix =
    status === 401
      ? `set ${keyEnv} to a valid ${name} admin key`
      : `set ${keyEnv} to an admin key of the organisation (a project or workspace key cannot read its costs)`;
  return new InputError(
    status === 401 ? `${vendor}_unauthorized` : `${vendor}_forbidden`,
    `${name} refused the key in ${keyEnv} (${status} on GET ${path}: ${said}): ${fix}`,
  );
}

/** No key in the environment for a vendor that is to be read. */
export function missingKeyError(vendor: AiVendor, keyEnv: string, defaultEnv: string): InputError {
  const name = VENDOR_NAMES[vendor];
  return new InputError(
    `${vendor}_missing_key`,
    `${name}: ${keyEnv} is not set: export an ${name} organisation admin key in ${keyEnv}` +
      (keyEnv === defaultEnv ? '' : ` (named by sources.${vendor}.key_env)`),
  );
}

/** A payload that does not have the documented shape: which vendor, which request, which field. */
export function payloadError(
  vendor: AiVendor,
  path: string,
  where: ReadonlyArray<PropertyKey>,
  what: string,
): FinopsError {
  return new FinopsError(
    `${vendor}_payload`,
    `${VENDOR_NAMES[vendor]} GET ${path}: unexpected answer at ${formatPath(where)}: ${what}`,
  );
}

/** `body` checked against the vendor's documented shape, or the error naming the first wrong field. */
export function parsePayload<T>(vendor: AiVendor, path: string, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw payloadError(vendor, path, issue?.path ?? [], issue?.message ?? 'invalid');
}

/** A result's currency as ISO 4217 in upper case, or the error naming where it is. */
export function currencyAt(
  vendor: AiVendor,
  path: string,
  where: ReadonlyArray<PropertyKey>,
  text: string,
): string {
  const currency = normaliseCurrency(text);
  if (currency === null)
    throw payloadError(vendor, path, where, `${JSON.stringify(text)} is not an ISO 4217 code`);
  return currency;
}

/** `limit` of a page: the window's days, within the 1…`max` buckets the vendor takes. */
export function bucketLimit(w: DayWindow, max: number): string {
  return String(Math.min(Math.max(windowDays(w).length, 1), max));
}

/** How a vendor names the bounds and groups of a daily-bucket cost query. */
export interface DailyQueryShape {
  /** The parameters of the inclusive start and exclusive end, e.g. `starting_at`/`ending_at`. */
  bounds: readonly [string, string];
  /** A bound's value from the start of its UTC day (RFC 3339, Unix seconds, …). */
  time: (dayStart: DateTime) => string;
  /** The repeated key of the grouping (`group_by[]`, `group_by`) and the fields grouped by. */
  groupKey: string;
  groups: readonly string[];
  /** Buckets per page the vendor takes at most. */
  maxBuckets: number;
}

/** The query of one page of daily buckets over `w`, with the cursor `page` once there is one. */
export function dailyBucketQuery(shape: DailyQueryShape, w: DayWindow, page: string | null): QueryParams {
  const params: Array<[string, string]> = [
    [shape.bounds[0], shape.time(dayStart(w.start))],
    [shape.bounds[1], shape.time(dayStart(w.end))],
    ['bucket_width', '1d'],
    ...shape.groups.map((g): [string, string] => [shape.groupKey, g]),
    ['limit', bucketLimit(w, shape.maxBuckets)],
  ];
  if (page !== null) params.push(['page', page]);
  return params;
}

/** A page of buckets, paged with `page` ← `next_page` while `has_more` (both vendors answer so). */
export function cursorPageSchema<B extends z.ZodTypeAny>(bucket: B) {
  return z.object({ data: z.array(bucket), has_more: z.boolean(), next_page: z.string().nullish() });
}

/**
 * One page → cost lines. Pure. `dayOf` gives a bucket's UTC day; `lineOf` a result's cost line,
 * or null for one that adds nothing (`where` is the result's place in the payload, for errors).
 */
type Bucket<P extends { data: Array<{ results: unknown[] }> }> = P['data'][number];

export function mapBucketPage<P extends { data: Array<{ results: unknown[] }> }>(
  vendor: AiVendor,
  path: string,
  schema: z.ZodType<P>,
  body: unknown,
  dayOf: (bucket: Bucket<P>, i: number) => string,
  lineOf: (
    result: Bucket<P>['results'][number],
    day: string,
    where: ReadonlyArray<PropertyKey>,
  ) => AiCostLine | null,
): VendorCostRead & { page: P } {
  const page = parsePayload(vendor, path, schema, body);
  const lines: AiCostLine[] = [];
  const days: string[] = [];
  page.data.forEach((b, i) => {
    const day = dayOf(b, i);
    days.push(day);
    b.results.forEach((r, j) => {
      const line = lineOf(r, day, ['data', i, 'results', j]);
      if (line !== null) lines.push(line);
    });
  });
  return { lines, days, page };
}

/** What a vendor reported for a window: its cost lines, and the days it gave a bucket for. */
export interface VendorCostRead {
  lines: AiCostLine[];
  /** UTC days with a bucket in the answer (empty buckets included), in the order read. */
  days: string[];
}

/**
 * Reads `page` ← `next_page` while `has_more` (both vendors page this way). A missing or
 * repeated cursor would loop forever, so it is an error.
 */
export async function readCursorPages(
  client: VendorHttpClient,
  path: string,
  query: (page: string | null) => QueryParams,
  map: (body: unknown) => VendorCostRead & {
    page: { has_more: boolean; next_page?: string | null | undefined };
  },
): Promise<VendorCostRead> {
  const read: VendorCostRead = { lines: [], days: [] };
  const seen = new Set<string>();
  let page: string | null = null;
  for (;;) {
    const mapped = map(await client.get(path, query(page)));
    read.lines.push(...mapped.lines);
    read.days.push(...mapped.days);
    if (!mapped.page.has_more) return read;
    const next = mapped.page.next_page;
    if (!next)
      throw payloadError(client.vendor, path, ['next_page'], 'has_more is true but next_page is empty');
    if (seen.has(next))
      throw payloadError(client.vendor, path, ['next_page'], `${next} was already read (a loop)`);
    seen.add(next);
    page = next;
  }
}
