import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The plumbing the AI vendors' fakes share (test/fakes/fake-openai.ts, fake-anthropic.ts): a real
 * HTTP server on 127.0.0.1:0 that records every request, answers with what the vendor's handler
 * says, and can be told to fail the next matching requests (a 429 with `retry-after`, a 500…)
 * before the handler sees them. Unknown routes are the handler's to refuse.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

/** A parsed copy of test/fixtures/DIR/NAME. */
export function vendorFixture<T = unknown>(dir: string, name: string): T {
  return JSON.parse(readFileSync(path.join(here, '..', 'fixtures', dir, name), 'utf8')) as T;
}

export interface VendorRequest {
  method: string;
  path: string;
  /** Every value of every parameter, in order (repeated keys stay apart). */
  query: Record<string, string[]>;
  headers: IncomingMessage['headers'];
  status: number;
}

export interface VendorFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Requests to let through first (a failure on a later page). */
  after?: number;
}

export interface VendorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakeVendorServer {
  /** `http://127.0.0.1:PORT`, for OPENAI_API_URL / ANTHROPIC_API_URL. */
  url: string;
  requests: VendorRequest[];
  /** Requests for routes the fake does not serve. */
  unknown: VendorRequest[];
  /** The next request(s) get this answer instead of the handler's. */
  fail(fault: VendorFault): void;
  close(): Promise<void>;
}

export async function startFakeVendorServer(
  handle: (req: VendorRequest, unknownRoute: () => VendorReply) => VendorReply,
  faultBody: (status: number) => unknown,
): Promise<FakeVendorServer> {
  const requests: VendorRequest[] = [];
  const unknown: VendorRequest[] = [];
  const faults: Array<VendorFault & { left: number; skip: number }> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query: Record<string, string[]> = {};
      for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
      const rec: VendorRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        headers: req.headers,
        status: 0,
      };
      requests.push(rec);
      const pending = faults.find((f) => f.left > 0);
      // A fault with `after` lets that many requests through first.
      const fault = pending && pending.skip === 0 ? pending : undefined;
      if (pending && pending.skip > 0) pending.skip -= 1;
      let reply: VendorReply;
      if (fault) {
        fault.left -= 1;
        reply = {
          status: fault.status,
          body: fault.body ?? faultBody(fault.status),
          headers: fault.headers ?? {},
        };
      } else {
        reply = handle(rec, () => {
          unknown.push(rec);
          return { status: 404, body: faultBody(404) };
        });
      }
      rec.status = reply.status;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unknown,
    fail(fault) {
      faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a vendor fake starts with. */
export interface FakeVendorOptions<R> {
  key?: string;
  /** Results per UTC day (`YYYY-MM-DD`). */
  costs?: Record<string, R[]>;
  /** Most buckets a page holds, whatever `limit` asks (the real APIs may page sooner). */
  pageSize?: number;
}

/** The days of one page: from bucket `index`, `limit` of them (or fewer, per `pageSize`). */
export function pageOfDays(days: readonly string[], index: number, limit: number, pageSize?: number) {
  const size = Math.min(limit, pageSize ?? limit);
  return { slice: days.slice(index, index + size), next: index + size < days.length ? index + size : null };
}

/** UTC days from `start` (inclusive) to `end` (exclusive), as `YYYY-MM-DD`. */
export function daysBetween(startMs: number, endMs: number): string[] {
  const out: string[] = [];
  for (let t = startMs; t < endMs; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** An opaque page cursor holding the index of the next bucket. */
export const encodeCursor = (prefix: string, index: number) =>
  `${prefix}${Buffer.from(`bucket:${index}`).toString('base64')}`;
export function decodeCursor(prefix: string, cursor: string | undefined): number | null {
  if (cursor === undefined) return 0;
  if (!cursor.startsWith(prefix)) return null;
  const m = /^bucket:(\d+)$/.exec(Buffer.from(cursor.slice(prefix.length), 'base64').toString());
  return m ? Number(m[1]) : null;
}
