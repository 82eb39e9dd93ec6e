import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { FinopsError, InputError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';

/**
 * The GitHub client: @octokit/rest with @octokit/plugin-throttling (primary and secondary rate
 * limits) and @octokit/plugin-retry (5xx and network errors), plus a small recording plugin that
 * counts every HTTP attempt, notes the rate-limit headers and does all waiting through an injected
 * clock, so tests never sleep. The plugins' own timers are set to zero (`retryAfterBaseValue: 0`);
 * the wait happens in the limit handlers and the backoff hook instead, within one time budget.
 */

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface GithubClientOptions {
  /** `https://api.github.com`, `https://ghe.example.com/api/v3`, or a fake. */
  baseUrl: string;
  token: string;
  clock?: Clock;
  /** Total time the client may spend waiting on rate limits and backoff before giving up. */
  maxWaitMs?: number;
  /** Retries per request, for 5xx answers and for rate limits each. */
  maxRetries?: number;
  /**
   * Pause between GraphQL requests. The throttling plugin paces every POST at one a second to stay
   * clear of GitHub's secondary limits; our GraphQL calls are reads, so this is ours to set.
   */
  graphqlIntervalMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * How long one HTTP attempt may take before it is given up (default 60 s). A stuck connection
   * then counts as a failed attempt and is retried with backoff like a 5xx, instead of holding
   * the run (and its job's lease) forever.
   */
  requestTimeoutMs?: number;
}

export interface RateLimitInfo {
  remaining: number;
  limit: number | null;
  /** Epoch seconds. */
  reset: number | null;
}

export interface RequestStats {
  /** Every HTTP attempt, including retries and 304s. */
  requests: number;
  /** Conditional requests answered 304 (they do not count against the rate limit). */
  notModified: number;
  graphqlRequests: number;
  retries: number;
  waitedMs: number;
  waits: Array<{ reason: 'rate-limit' | 'secondary-rate-limit' | 'server-error'; ms: number }>;
  rateLimit: { core: RateLimitInfo | null; graphql: RateLimitInfo | null };
}

export type GithubErrorReason =
  | 'not_found'
  | 'forbidden'
  | 'bad_credentials'
  | 'rate_limited'
  | 'unavailable'
  | 'aborted'
  | 'failed';

/** A request GitHub refused or that could not complete; `reason` says which. */
export class GithubApiError extends FinopsError {
  readonly reason: GithubErrorReason;
  readonly status: number | null;
  readonly resetAt: Date | null;
  constructor(
    reason: GithubErrorReason,
    status: number | null,
    message: string,
    resetAt: Date | null = null,
  ) {
    super(`github_${reason}`, message, 'runtime');
    this.name = 'GithubApiError';
    this.reason = reason;
    this.status = status;
    this.resetAt = resetAt;
  }
}

export interface Page<T> {
  notModified: boolean;
  data: T | null;
  etag: string | null;
  /** Absolute URL of the next page (from the Link header), or null. */
  next: string | null;
}

export interface GithubClient {
  readonly stats: RequestStats;
  /** GET a REST route; with `etag`, a conditional request whose 304 comes back as `notModified`. */
  get<T>(route: string, params: Record<string, unknown>, etag?: string | null): Promise<Page<T>>;
  /** GET an absolute URL from a Link header. */
  getUrl<T>(url: string): Promise<Page<T>>;
  graphql<T>(operationName: string, query: string, variables: Record<string, unknown>): Promise<T>;
}

type Headers = Record<string, string | number | undefined>;
interface HttpError {
  status?: number;
  message: string;
  response?: { headers?: Headers; data?: unknown };
}

/** Per-client state the recording plugin reads (plugins get options, so it is passed that way). */
interface RecorderState {
  stats: RequestStats;
  clock: Clock;
  maxRetries: number;
  signal: AbortSignal | undefined;
  lastErrorHeaders: WeakMap<object, Headers>;
  attempts: WeakMap<object, number>;
  spend(reason: RequestStats['waits'][number]['reason'], ms: number): Promise<boolean>;
}

type OctokitPlugin = Parameters<typeof Octokit.plugin>[0];

const recorder: OctokitPlugin = (octokit, options) => {
  const st = (options as { recorder?: RecorderState }).recorder;
  if (!st) return {};
  octokit.hook.wrap('request', async (request, opts) => {
    if (st.signal?.aborted) throw abortError();
    st.stats.requests++;
    if (/\/graphql$/.test(String(opts.url))) st.stats.graphqlRequests++;
    // Both plugins retry with the same options object, so the attempt number is counted on it.
    const attempt = st.attempts.get(opts) ?? 0;
    st.attempts.set(opts, attempt + 1);
    if (attempt > 0) st.stats.retries++;
    try {
      const res = await request(opts);
      noteRateLimit(st.stats, res.headers as Headers);
      return res;
    } catch (err) {
      const e = err as HttpError;
      const headers = e.response?.headers;
      if (headers) {
        noteRateLimit(st.stats, headers);
        st.lastErrorHeaders.set(opts, headers);
      }
      if (st.signal?.aborted) throw abortError();
      if (e.status === 304) st.stats.notModified++;
      else if (e.status !== undefined && e.status >= 500) {
        // plugin-retry retries at once (base 0); the backoff is waited here, on the injected clock.
        // Giving up throws an error that is not a RequestError, which neither plugin retries.
        const ok = attempt < st.maxRetries && (await st.spend('server-error', (attempt + 1) ** 2 * 1000));
        if (!ok) {
          const url = String(opts.url);
          const where = `${String(opts.method)} ${url.startsWith('http') ? new URL(url).pathname : url}`;
          throw new GithubApiError(
            'unavailable',
            e.status,
            `${where}: GitHub answered ${e.status} after ${attempt + 1} attempts`,
          );
        }
      }
      throw err;
    }
  });
  return {};
};

const MyOctokit = Octokit.plugin(recorder, throttling, retry);

function noteRateLimit(stats: RequestStats, headers: Headers): void {
  const remaining = num(headers['x-ratelimit-remaining']);
  if (remaining === null) return;
  const info = {
    remaining,
    limit: num(headers['x-ratelimit-limit']),
    reset: num(headers['x-ratelimit-reset']),
  };
  if (String(headers['x-ratelimit-resource'] ?? 'core') === 'graphql') stats.rateLimit.graphql = info;
  else stats.rateLimit.core = info;
}

function num(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * How long GitHub asks us to wait: `retry-after` seconds when given; else, when the primary limit is
 * spent (`x-ratelimit-remaining: 0`), until `x-ratelimit-reset` plus one second; else null.
 */
export function waitFromHeaders(headers: Headers | undefined, nowMs: number): number | null {
  if (!headers) return null;
  const retryAfter = num(headers['retry-after']);
  if (retryAfter !== null && retryAfter >= 0) return retryAfter * 1000;
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = num(headers['x-ratelimit-reset']);
    if (reset !== null) return Math.max(0, reset * 1000 - nowMs) + 1000;
  }
  return null;
}

/** GitHub's advice when a secondary limit names no time: wait at least a minute. */
const FALLBACK_WAIT_MS = 60_000;

export function createGithubClient(opts: GithubClientOptions): GithubClient {
  const clock = opts.clock ?? systemClock;
  const maxWaitMs = opts.maxWaitMs ?? 15 * 60_000;
  const maxRetries = opts.maxRetries ?? 3;
  const interval = opts.graphqlIntervalMs ?? 1000;
  const logger = opts.logger;
  const signal = opts.signal;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
  // Every attempt (the retry plugin's included) gets its own deadline on top of the run's signal.
  const timedFetch = (url: string | URL, init: RequestInit = {}) => {
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    return fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
  const stats: RequestStats = {
    requests: 0,
    notModified: 0,
    graphqlRequests: 0,
    retries: 0,
    waitedMs: 0,
    waits: [],
    rateLimit: { core: null, graphql: null },
  };
  let gaveUp: { reason: string; resetAt: Date | null } | null = null;
  const state: RecorderState = {
    stats,
    clock,
    maxRetries,
    signal,
    lastErrorHeaders: new WeakMap(),
    attempts: new WeakMap(),
    async spend(reason, ms) {
      if (stats.waitedMs + ms > maxWaitMs) {
        gaveUp = { reason, resetAt: new Date(clock.now() + ms) };
        logger?.warn('github: giving up rather than waiting past the time budget', {
          reason,
          waitMs: ms,
          maxWaitMs,
        });
        return false;
      }
      logger?.info('github: waiting', { reason, waitMs: ms });
      await clock.sleep(ms, signal);
      stats.waitedMs += ms;
      stats.waits.push({ reason, ms });
      return true;
    },
  };

  const limitHandler =
    (reason: 'rate-limit' | 'secondary-rate-limit') =>
    async (retryAfterSeconds: number, options: object, _o: unknown, retryCount: number): Promise<boolean> => {
      const headers = state.lastErrorHeaders.get(options);
      const ms =
        waitFromHeaders(headers, clock.now()) ?? Math.max(retryAfterSeconds * 1000, FALLBACK_WAIT_MS);
      if (retryCount >= maxRetries) {
        gaveUp = { reason, resetAt: new Date(clock.now() + ms) };
        return false;
      }
      return state.spend(reason, ms);
    };

  let lastGraphqlAt = Number.NEGATIVE_INFINITY;
  const pace = async () => {
    const wait = lastGraphqlAt + interval - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    lastGraphqlAt = clock.now();
  };
  // Stands in for the plugin's Bottleneck group of POSTs: one at a time, `interval` apart.
  const writePacer = {
    key: () => ({
      schedule: async (_o: unknown, fn: (...a: unknown[]) => Promise<unknown>, ...args: unknown[]) => {
        await pace();
        return fn(...args);
      },
    }),
  };

  const quiet = (m: string) => logger?.debug(m);
  const octokit = new MyOctokit({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    userAgent: 'finops-review',
    log: { debug: quiet, info: quiet, warn: (m: string) => logger?.warn(m), error: quiet },
    recorder: state,
    throttle: {
      id: 'finops-github',
      retryAfterBaseValue: 0,
      // biome-ignore lint/suspicious/noExplicitAny: duck-typed stand-in for a Bottleneck.Group (see writePacer)
      write: writePacer as any,
      onRateLimit: limitHandler('rate-limit'),
      onSecondaryRateLimit: limitHandler('secondary-rate-limit'),
    },
    // 403 and 429 are the throttling plugin's: retrying them here too would double every wait.
    retry: {
      retryAfterBaseValue: 0,
      retries: maxRetries,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    request: { signal, fetch: timedFetch },
  } as ConstructorParameters<typeof MyOctokit>[0]);

  const translate = (err: unknown, what: string): Error => {
    if (signal?.aborted || (err as Error)?.name === 'AbortError') return abortError();
    if (err instanceof GithubApiError) return err;
    if ((err as Error)?.name === 'GraphqlResponseError') {
      // A 200 whose body carries `errors` (@octokit/graphql's GraphqlResponseError).
      const errors = (err as { errors?: Array<{ type?: string; message?: string }> }).errors ?? [];
      const types = errors.map((e) => e.type);
      if (types.length > 0 && types.every((t) => t === 'NOT_FOUND')) {
        return new GithubApiError('not_found', 200, `${what}: ${errors[0]?.message ?? 'not found'}`);
      }
      if (types.includes('RATE_LIMITED')) {
        return new GithubApiError('rate_limited', 200, `${what}: GitHub GraphQL rate limit exhausted`);
      }
      return new GithubApiError('failed', 200, `${what}: ${errors.map((e) => e.message).join('; ')}`);
    }
    const e = err as HttpError;
    const status = e.status ?? null;
    const headers = e.response?.headers;
    const message = String((e.response?.data as { message?: string } | undefined)?.message ?? e.message);
    if (status === 401) {
      return new InputError(
        'github_bad_credentials',
        `GitHub rejected the token (401 ${message}): create a new token with read access to the repositories`,
      );
    }
    if (status === 404) return new GithubApiError('not_found', 404, `${what}: not found (404)`);
    if ((status === 403 || status === 429) && (gaveUp || isRateLimit(message, headers))) {
      const reset = num(headers?.['x-ratelimit-reset']);
      const resetAt = reset !== null ? new Date(reset * 1000) : (gaveUp?.resetAt ?? null);
      return new GithubApiError(
        'rate_limited',
        status,
        `${what}: GitHub rate limit (${status} ${message})${resetAt ? `; it resets at ${resetAt.toISOString()}` : ''}`,
        resetAt,
      );
    }
    if (status === 403) return new GithubApiError('forbidden', 403, `${what}: forbidden (403 ${message})`);
    if (status !== null && status >= 500) {
      return new GithubApiError('unavailable', status, `${what}: GitHub answered ${status} after retries`);
    }
    return new GithubApiError('failed', status, `${what}: ${status ?? ''} ${message}`.trim());
  };

  const parsePage = <T>(res: { data: unknown; headers: Headers }): Page<T> => ({
    notModified: false,
    data: res.data as T,
    etag: typeof res.headers.etag === 'string' ? res.headers.etag : null,
    next: nextLink(res.headers.link),
  });

  return {
    stats,
    async get<T>(route: string, params: Record<string, unknown>, etag?: string | null): Promise<Page<T>> {
      try {
        const res = await octokit.request(route, {
          ...params,
          headers: etag ? { 'if-none-match': etag } : {},
        });
        return parsePage<T>(res as { data: unknown; headers: Headers });
      } catch (err) {
        if ((err as HttpError).status === 304)
          return { notModified: true, data: null, etag: etag ?? null, next: null };
        throw translate(err, `GET ${route.replace(/^GET /, '')}`);
      }
    },
    async getUrl<T>(url: string): Promise<Page<T>> {
      try {
        const res = await octokit.request(`GET ${url}`);
        return parsePage<T>(res as { data: unknown; headers: Headers });
      } catch (err) {
        throw translate(err, `GET ${new URL(url).pathname}`);
      }
    },
    async graphql<T>(operationName: string, query: string, variables: Record<string, unknown>): Promise<T> {
      try {
        return await octokit.graphql<T>(query, { ...variables, operationName });
      } catch (err) {
        throw translate(err, `GraphQL ${operationName}`);
      }
    },
  };
}

function isRateLimit(message: string, headers: Headers | undefined): boolean {
  return /rate limit/i.test(message) || String(headers?.['x-ratelimit-remaining']) === '0';
}

/** The `rel="next"` URL of a Link header. */
export function nextLink(link: unknown): string | null {
  if (typeof link !== 'string') return null;
  const m = /<([^<>]+)>;\s*rel="next"/.exec(link);
  return m?.[1] ?? null;
}

export function abortError(): GithubApiError {
  return new GithubApiError('aborted', null, 'GitHub ingestion was interrupted');
}
