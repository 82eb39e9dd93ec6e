import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import { api } from '@pagerduty/pdjs';
import { FinopsError } from '../../lib/errors.ts';

/**
 * The one adapter around `@pagerduty/pdjs` (unmaintained, see API-NOTES §6). pdjs stays the
 * client; this file corrects what it gets wrong for a batch reader:
 * - a non-2xx response resolves in pdjs: here it is a `PagerDutyApiError` carrying PagerDuty's
 *   `error.message`, `error.code` and `error.errors`;
 * - pdjs retries a 429 three times after a fixed 20 s and drops the `ratelimit-reset` header:
 *   here pdjs's own retry is refused (see `attemptAgent`) and the adapter waits `ratelimit-reset`
 *   seconds through an injectable `sleep`, within a total budget per client;
 * - pdjs's `requestTimeout` only starts a timer that keeps the process alive: it is switched off
 *   and node-fetch's real `timeout` is used instead;
 * - pagination is done here, with `limit` ≤ 100 and `offset + limit` ≤ 10,000 (the API's cap).
 */

export type QueryValue = string | number | boolean | readonly string[];
export type QueryParams = Readonly<Record<string, QueryValue | undefined>>;

export interface PagerDutyClientOptions {
  token: string;
  /** Host (and optional port) of the REST API, from PAGERDUTY_API_HOST. pdjs always speaks https. */
  host?: string | undefined;
  /** Waits out 429s; injectable so tests never really wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Most time one client may spend waiting out 429s, in all; past it the 429 is an error. */
  maxRateLimitWaitMs?: number;
  /** Wait when a 429 carries no usable `ratelimit-reset` (PagerDuty's docs warn it may not). */
  fallbackRateLimitWaitMs?: number;
  /** Per-request timeout (node-fetch's `timeout`). */
  timeoutMs?: number;
  /** Page size, at most 100. */
  pageSize?: number;
  /** Classic pagination cap: offset + limit may not exceed it (10,000 on PagerDuty). */
  maxOffset?: number;
}

export interface PagerDutyClientStats {
  requests: number;
  rateLimited: number;
  rateLimitWaitMs: number;
}

export interface PagerDutyClient {
  readonly host: string;
  readonly pageSize: number;
  readonly stats: PagerDutyClientStats;
  /** One GET; resolves with the JSON body of a 2xx, rejects with a `PagerDutyApiError` otherwise. */
  get<T = Record<string, unknown>>(path: string, params?: QueryParams): Promise<T>;
  /**
   * Classic offset pagination over `key` (`incidents`, `users`, `log_entries`…), one page per
   * iteration. Works without `more`/`total` in the body (PagerDuty omits them on some list
   * endpoints): a full page is then followed by another request, a short one ends. Throws an
   * `OffsetCapError` before a request would pass the offset cap, so callers can narrow by time.
   */
  pages<T>(path: string, key: string, params?: QueryParams): AsyncGenerator<T[], void, undefined>;
  close(): void;
}

export const DEFAULT_PAGERDUTY_HOST = 'api.pagerduty.com';
export const MAX_PAGE_SIZE = 100;
export const MAX_OFFSET = 10_000;

/** A non-2xx answer from PagerDuty, with its own message. */
export class PagerDutyApiError extends FinopsError {
  readonly status: number;
  readonly pdCode: number | undefined;
  readonly path: string;
  constructor(path: string, status: number, message: string, pdCode?: number) {
    super(`pagerduty_${status}`, message);
    this.name = 'PagerDutyApiError';
    this.status = status;
    this.pdCode = pdCode;
    this.path = path;
  }
}

/** The next page would pass the classic pagination cap (offset + limit > 10,000). */
export class OffsetCapError extends FinopsError {
  readonly path: string;
  constructor(path: string, maxOffset: number) {
    super(
      'pagerduty_offset_cap',
      `PagerDuty GET ${path}: more than ${maxOffset} results; the API cannot page past offset + limit = ${maxOffset}`,
    );
    this.name = 'OffsetCapError';
    this.path = path;
  }
}

/** Thrown inside node-fetch when pdjs tries its own 429 retry; never leaves this file. */
class RetryRefused extends Error {}

/** What the one request of an attempt saw: filled in as its response arrives. */
interface AttemptTrace {
  requests: number;
  status?: number;
  headers?: IncomingHttpHeaders;
}

/**
 * An https agent that records the status and headers of each response for the attempt that is
 * about to send. node-fetch asks for the agent (the `agent` option may be a function) right
 * before it creates the request, and Node hands the request to `addRequest` synchronously in the
 * ClientRequest constructor, so the trace handed over in between belongs to that request.
 */
class TracingAgent extends https.Agent {
  private pending: AttemptTrace | undefined;

  handOver(trace: AttemptTrace): void {
    this.pending = trace;
  }

  // Not `override`: addRequest is missing from @types/node's Agent, though every Node version calls it.
  addRequest(req: ClientRequest, options: unknown): void {
    const trace = this.pending;
    this.pending = undefined;
    if (trace) {
      req.prependOnceListener('response', (res: IncomingMessage) => {
        if (res.statusCode !== undefined) trace.status = res.statusCode;
        trace.headers = res.headers;
      });
    }
    (
      https.Agent.prototype as unknown as { addRequest: (r: ClientRequest, o: unknown) => void }
    ).addRequest.call(this, req, options);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `https://api.eu.pagerduty.com/` → `api.eu.pagerduty.com`; plain http is refused (pdjs builds https URLs). */
export function normaliseHost(host: string | undefined): string {
  const h = (host ?? '').trim();
  if (h === '') return DEFAULT_PAGERDUTY_HOST;
  if (/^http:\/\//i.test(h)) {
    throw new FinopsError(
      'bad_pagerduty_host',
      `PAGERDUTY_API_HOST=${h}: the PagerDuty client only speaks https; give a host name like api.eu.pagerduty.com`,
      'input',
    );
  }
  return h.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

export function createPagerDutyClient(opts: PagerDutyClientOptions): PagerDutyClient {
  const host = normaliseHost(opts.host);
  const sleep = opts.sleep ?? realSleep;
  const maxWait = opts.maxRateLimitWaitMs ?? 120_000;
  const fallbackWait = opts.fallbackRateLimitWaitMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const pageSize = Math.min(Math.max(1, opts.pageSize ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);
  const maxOffset = opts.maxOffset ?? MAX_OFFSET;
  const agent = new TracingAgent({ keepAlive: true });
  const pd = api({ token: opts.token, server: host });
  const stats: PagerDutyClientStats = { requests: 0, rateLimited: 0, rateLimitWaitMs: 0 };

  /** One request through pdjs, its own 429 retry refused. Returns the status, headers and body. */
  async function attempt(path: string, params: QueryParams) {
    const trace: AttemptTrace = { requests: 0 };
    const agentForAttempt = () => {
      trace.requests += 1;
      // pdjs only sends a second request after a 429; refuse it and wait here instead.
      if (trace.requests > 1) throw new RetryRefused();
      agent.handOver(trace);
      return agent;
    };
    stats.requests += 1;
    try {
      const res = await pd.get(path, {
        data: toQuery(params),
        retryTimeout: 0,
        requestTimeout: 0,
        timeout: timeoutMs,
        // node-fetch option, not in pdjs's types: pdjs passes its options through to fetch.
        ...({ agent: agentForAttempt } as object),
      });
      return { status: res.status, headers: trace.headers ?? {}, body: res.data as unknown };
    } catch (err) {
      if (err instanceof RetryRefused) return { status: 429, headers: trace.headers ?? {}, body: undefined };
      // pdjs rejects with the response itself when the body is not JSON (a proxy's HTML page…).
      if (isFetchResponse(err)) {
        return { status: err.status, headers: trace.headers ?? {}, body: { nonJson: err.statusText } };
      }
      const reason = err instanceof Error ? err.message : String(err);
      throw new FinopsError(
        'pagerduty_unreachable',
        `cannot reach PagerDuty at ${host} (GET ${path}): ${reason}`,
        'runtime',
        {
          cause: err,
        },
      );
    }
  }

  async function get<T>(path: string, params: QueryParams = {}): Promise<T> {
    for (let n = 1; ; n++) {
      const res = await attempt(path, params);
      if (res.status >= 200 && res.status < 300) return res.body as T;
      if (res.status !== 429) throw apiError(path, res.status, res.body);
      stats.rateLimited += 1;
      const reset = Number(headerValue(res.headers, 'ratelimit-reset'));
      const waitMs = Number.isFinite(reset) && reset >= 0 ? Math.ceil(reset * 1000) : fallbackWait * n;
      if (stats.rateLimitWaitMs + waitMs > maxWait) {
        throw new PagerDutyApiError(
          path,
          429,
          `PagerDuty GET ${path}: 429 Rate Limit Exceeded, still after waiting ${Math.round(stats.rateLimitWaitMs / 1000)} s ` +
            `in this run (ratelimit-reset ${headerValue(res.headers, 'ratelimit-reset') ?? 'absent'}); try again later`,
          2020,
        );
      }
      stats.rateLimitWaitMs += waitMs;
      await sleep(waitMs);
    }
  }

  async function* pages<T>(path: string, key: string, params: QueryParams = {}) {
    let offset = 0;
    for (;;) {
      if (offset + pageSize > maxOffset) throw new OffsetCapError(path, maxOffset);
      const body = await get<Record<string, unknown>>(path, { ...params, limit: pageSize, offset });
      const items = body[key];
      if (!Array.isArray(items)) {
        throw new FinopsError('pagerduty_payload', `PagerDuty GET ${path}: the answer has no "${key}" list`);
      }
      yield items as T[];
      const more = body['more'];
      const limit = typeof body['limit'] === 'number' && body['limit'] > 0 ? body['limit'] : pageSize;
      const full = items.length >= limit;
      if (items.length === 0 || more === false || (more !== true && !full)) return;
      offset += limit;
    }
  }

  return {
    host,
    pageSize,
    stats,
    get,
    pages,
    close: () => agent.destroy(),
  };
}

/** pdjs turns array values into repeated `key[]` parameters when the key is given with `[]`. */
function toQuery(params: QueryParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? [...v] : String(v);
  }
  return out;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isFetchResponse(v: unknown): v is { status: number; statusText: string } {
  return typeof v === 'object' && v !== null && typeof (v as { status?: unknown }).status === 'number';
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `PagerDuty GET /incidents: 400 Invalid Input Provided (code 2001: Offset must be…)`. */
export function apiError(path: string, status: number, body: unknown): PagerDutyApiError {
  const error = (body as { error?: unknown } | undefined)?.error;
  let message: string | undefined;
  let code: number | undefined;
  let details: string[] = [];
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; code?: unknown; errors?: unknown };
    if (typeof e.message === 'string') message = e.message;
    if (typeof e.code === 'number') code = e.code;
    if (Array.isArray(e.errors)) details = e.errors.filter((d): d is string => typeof d === 'string');
  } else if (typeof error === 'string') {
    message = error;
  }
  const nonJson = (body as { nonJson?: unknown } | undefined)?.nonJson;
  const what =
    message ?? (typeof nonJson === 'string' ? `${nonJson} (not a JSON body)` : STATUS_TEXT[status]);
  const extra = [
    code !== undefined ? `code ${code}` : undefined,
    details.length > 0 ? details.join('; ') : undefined,
  ]
    .filter(Boolean)
    .join(': ');
  return new PagerDutyApiError(
    path,
    status,
    `PagerDuty GET ${path}: ${status} ${what ?? 'error'}${extra ? ` (${extra})` : ''}`,
    code,
  );
}
