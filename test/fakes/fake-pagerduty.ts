import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A local PagerDuty REST API: a real HTTPS server on 127.0.0.1:0 with the test certificate of
 * test/fixtures/tls (trusted by the test workers only, through NODE_EXTRA_CA_CERTS), since pdjs
 * builds `https://${server}/…` URLs. It serves the shapes of PagerDuty's own examples
 * (test/fixtures/pagerduty): `total: null` on /users, no `total` on /incidents, no pagination
 * fields at all on incident log entries, timestamps with whatever offsets the test data uses.
 * It checks what the real API checks and this product relies on (token, limit ≤ 100,
 * offset + limit ≤ 10,000, date ranges ≤ 6 months), records every request, answers unknown
 * routes with a 404, and can be told to fail the next matching requests (429 with `ratelimit-*`
 * headers and code 2020, 500, 401…).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'fixtures');
const tlsDir = path.join(fixtures, 'tls');

type Json = Record<string, unknown>;

const fixtureCache = new Map<string, unknown>();

/** A parsed copy of test/fixtures/pagerduty/NAME (read once, cloned for each caller). */
export function pdFixture<T = Json>(name: string): T {
  let parsed = fixtureCache.get(name);
  if (parsed === undefined) {
    parsed = JSON.parse(readFileSync(path.join(fixtures, 'pagerduty', name), 'utf8'));
    fixtureCache.set(name, parsed);
  }
  return structuredClone(parsed) as T;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  authorization: string | undefined;
  accept: string | undefined;
  status: number;
}

export interface Fault {
  method?: string;
  /** An exact pathname, or a pattern. */
  path: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Never answer (a stuck server or proxy): the client's timeout has to end it. `status` is ignored. */
  hang?: boolean;
}

export interface FakePdData {
  services: Json[];
  users: Json[];
  incidents: Json[];
  /** Log entries by incident id, in the order the API returns them. */
  logEntries: Record<string, Json[]>;
}

export interface FakePagerDutyOptions {
  token?: string;
  data?: Partial<FakePdData>;
  /** The classic pagination cap (10,000 on PagerDuty); tests lower it to reach it. */
  maxOffset?: number;
  /** `missing` (as in PagerDuty's example) or `present` pagination fields on log entry lists. */
  logEntryPagination?: 'missing' | 'present';
}

export interface FakePagerDuty {
  /** `127.0.0.1:PORT`, for PAGERDUTY_API_HOST. */
  host: string;
  token: string;
  /** Mutable: tests change it between runs (resolve an incident, add log entries…). */
  data: FakePdData;
  requests: RecordedRequest[];
  /** Requests for routes this fake does not serve. */
  unknown: RecordedRequest[];
  fail(fault: Fault): void;
  /** Called with each request as it arrives, before it is answered (a test kills its client there). */
  onRequest: ((r: RecordedRequest) => void) | null;
  /** Requests whose path matches, in order. */
  requestsTo(pathOrPattern: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

const SIX_MONTHS_MS = 184 * 86_400_000;

export async function startFakePagerDuty(opts: FakePagerDutyOptions = {}): Promise<FakePagerDuty> {
  const token = opts.token ?? 'pd-test-token';
  const maxOffset = opts.maxOffset ?? 10_000;
  const data: FakePdData = {
    services: opts.data?.services ?? [],
    users: opts.data?.users ?? [],
    incidents: opts.data?.incidents ?? [],
    logEntries: opts.data?.logEntries ?? {},
  };
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const faults: Array<Fault & { left: number }> = [];

  const server = https.createServer(
    { cert: readFileSync(path.join(tlsDir, 'cert.pem')), key: readFileSync(path.join(tlsDir, 'key.pem')) },
    (req, res) => {
      // Drain the (empty) body before answering, so keep-alive sockets stay usable.
      req.resume();
      req.on('end', () => handle(req, res));
    },
  );

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query: Record<string, string[]> = {};
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      status: 0,
    };
    requests.push(rec);
    fake.onRequest?.(rec);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      // A string body is sent as it is (an HTML error page from a proxy, say).
      const type = typeof body === 'string' ? 'text/html' : 'application/json; charset=utf-8';
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    const fault = faults.find(
      (f) =>
        f.left > 0 &&
        (f.method ?? 'GET') === rec.method &&
        (typeof f.path === 'string' ? f.path === rec.path : f.path.test(rec.path)),
    );
    if (fault) {
      fault.left -= 1;
      if (fault.hang) return;
      const canned = cannedError(fault.status);
      send(fault.status, fault.body ?? canned.body, { ...canned.headers, ...fault.headers });
      return;
    }
    if (rec.authorization !== `Token token=${token}`) {
      send(401, { error: { message: 'Unauthorized', code: 2006 } });
      return;
    }
    const one = (name: string) => query[name]?.[0];
    const limit = Number(one('limit') ?? 25);
    const offset = Number(one('offset') ?? 0);
    if (!(limit >= 1 && limit <= 100) || !(offset >= 0)) {
      send(400, badRequest(`limit must be between 1 and 100, got ${one('limit')}`));
      return;
    }
    if (offset + limit > maxOffset) {
      send(400, badRequest(`Offset must be less than ${maxOffset}`));
      return;
    }
    const page = (items: Json[]) => ({
      items: items.slice(offset, offset + limit),
      more: offset + limit < items.length,
    });

    const service = /^\/services\/([^/]+)$/.exec(rec.path);
    const incident = /^\/incidents\/([^/]+)$/.exec(rec.path);
    const log = /^\/incidents\/([^/]+)\/log_entries$/.exec(rec.path);
    if (rec.method !== 'GET') {
      notFound();
    } else if (service) {
      const found = data.services.find((s) => s['id'] === decodeURIComponent(service[1]!));
      if (found) send(200, { service: found });
      else send(404, pdFixture<{ body: unknown }>('error-404-not-found.json').body);
    } else if (rec.path === '/users') {
      const p = page(data.users);
      send(200, { users: p.items, limit, offset, more: p.more, total: null });
    } else if (rec.path === '/incidents') {
      listIncidents();
    } else if (incident) {
      const found = data.incidents.find((i) => i['id'] === decodeURIComponent(incident[1]!));
      if (found) send(200, { incident: found });
      else send(404, pdFixture<{ body: unknown }>('error-404-not-found.json').body);
    } else if (log) {
      const id = decodeURIComponent(log[1]!);
      if (!data.incidents.some((i) => i['id'] === id)) {
        send(404, pdFixture<{ body: unknown }>('error-404-not-found.json').body);
        return;
      }
      const p = page(data.logEntries[id] ?? []);
      if (opts.logEntryPagination === 'present') {
        send(200, { log_entries: p.items, limit, offset, more: p.more, total: null });
      } else {
        send(200, { log_entries: p.items });
      }
    } else {
      notFound();
    }

    function listIncidents() {
      const ids = query['service_ids[]'] ?? [];
      const since = one('since') !== undefined ? Date.parse(one('since')!) : Number.NEGATIVE_INFINITY;
      const until = one('until') !== undefined ? Date.parse(one('until')!) : Number.POSITIVE_INFINITY;
      if (Number.isNaN(since) || Number.isNaN(until) || since > until) {
        send(400, badRequest('since and until must be ISO 8601 times, since before until'));
        return;
      }
      if (Number.isFinite(since) && Number.isFinite(until) && until - since > SIX_MONTHS_MS) {
        send(400, badRequest('The date range must be 6 months or less'));
        return;
      }
      const sort = one('sort_by') ?? 'created_at:asc';
      const matching = data.incidents
        .filter((i) => ids.length === 0 || ids.includes(String((i['service'] as Json | undefined)?.['id'])))
        .filter((i) => {
          const t = Date.parse(String(i['created_at']));
          return t >= since && t < until;
        })
        .sort((a, b) => {
          const d = Date.parse(String(a['created_at'])) - Date.parse(String(b['created_at']));
          return (sort.endsWith(':desc') ? -d : d) || String(a['id']).localeCompare(String(b['id']));
        });
      const p = page(matching);
      // As in PagerDuty's example: limit, offset and more, no total.
      send(200, { incidents: p.items, limit, offset, more: p.more });
    }

    function notFound() {
      unknown.push(rec);
      send(404, pdFixture<{ body: unknown }>('error-404-not-found.json').body);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakePagerDuty = {
    host: `127.0.0.1:${port}`,
    token,
    data,
    requests,
    unknown,
    onRequest: null,
    fail(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    requestsTo(p) {
      return requests.filter((r) => (typeof p === 'string' ? r.path === p : p.test(r.path)));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

function badRequest(detail: string): Json {
  return { error: { message: 'Invalid Input Provided', code: 2001, errors: [detail] } };
}

/** Bodies and headers as PagerDuty sends them for each failure the tests ask for. */
function cannedError(status: number): { body: unknown; headers: Record<string, string> } {
  if (status === 429) {
    const f = pdFixture<{ headers: Record<string, string>; body: unknown }>('error-429-rate-limit.json');
    return { body: f.body, headers: f.headers };
  }
  if (status === 404)
    return { body: pdFixture<{ body: unknown }>('error-404-not-found.json').body, headers: {} };
  if (status === 401) return { body: { error: { message: 'Unauthorized', code: 2006 } }, headers: {} };
  if (status === 400) return { body: pdFixture('error-generic-shape.json'), headers: {} };
  return { body: { error: { message: 'Internal Server Error', code: 2001 } }, headers: {} };
}

// ── payload builders: PagerDuty's example objects with the fields a test cares about replaced ──

const API = 'https://api.pagerduty.com';

export function pdService(id: string, name: string): Json {
  return { id, type: 'service', summary: name, name, self: `${API}/services/${id}`, status: 'active' };
}

export function pdUser(id: string, name: string, email: string | null): Json {
  const [template] = pdFixture<{ users: Json[] }>('users-list.json').users;
  return { ...template, id, name, summary: name, email, self: `${API}/users/${id}` };
}

export function userRef(id: string, name = id): Json {
  return { id, type: 'user_reference', summary: name, self: `${API}/users/${id}`, html_url: null };
}

export function serviceRef(id: string, name = id): Json {
  return { id, type: 'service_reference', summary: name, self: `${API}/services/${id}`, html_url: null };
}

export interface IncidentSpec {
  id: string;
  number: number;
  serviceId: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  createdAt: string;
  updatedAt?: string;
  resolvedAt?: string | null;
  urgency?: 'high' | 'low';
  priority?: string | null;
  title?: string;
}

export function pdIncident(spec: IncidentSpec): Json {
  const [template] = pdFixture<{ incidents: Json[] }>('incidents-list.json').incidents;
  const title = spec.title ?? `Incident ${spec.number}`;
  return {
    ...template,
    id: spec.id,
    incident_number: spec.number,
    title,
    summary: `[#${spec.number}] ${title}`,
    self: `${API}/incidents/${spec.id}`,
    status: spec.status,
    urgency: spec.urgency ?? 'high',
    created_at: spec.createdAt,
    updated_at: spec.updatedAt ?? spec.resolvedAt ?? spec.createdAt,
    last_status_change_at: spec.updatedAt ?? spec.resolvedAt ?? spec.createdAt,
    resolved_at: spec.status === 'resolved' ? (spec.resolvedAt ?? null) : null,
    service: serviceRef(spec.serviceId),
    priority:
      spec.priority === null
        ? null
        : {
            id: 'P53ZZH5',
            type: 'priority_reference',
            summary: spec.priority ?? 'P2',
            self: `${API}/priorities/P53ZZH5`,
          },
  };
}

export interface LogEntrySpec {
  id: string;
  type: string;
  incidentId: string;
  createdAt: string;
  agent: Json | null;
  assignees?: Json[];
  summary?: string;
}

export function pdLogEntry(spec: LogEntrySpec): Json {
  const template = pdFixture<Json>('log-entry-assign.json');
  const { assignees: _a, ...rest } = template;
  return {
    ...rest,
    id: spec.id,
    type: spec.type,
    summary: spec.summary ?? spec.type.replace(/_log_entry$/, ''),
    self: `${API}/log_entries/${spec.id}`,
    created_at: spec.createdAt,
    agent: spec.agent,
    incident: {
      id: spec.incidentId,
      type: 'incident_reference',
      self: `${API}/incidents/${spec.incidentId}`,
    },
    ...(spec.assignees !== undefined ? { assignees: spec.assignees } : {}),
  };
}

// ── the account the PagerDuty tests share ────────────────────────────────────

/** Two product lines, one PagerDuty service each; Ada and Grace are people (Ada's email in other case). */
export const PAGERDUTY_TEST_CONFIG = `
timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: { mid: 95, senior: 125 }
senior_levels: [senior]
teams:
  - { id: payments }
  - { id: discovery }
people:
  - { name: Ada, email: Ada@Example.com, level: senior, team: payments }
  - { name: Grace, email: grace@example.com, team: discovery }
product_lines:
  - { id: checkout, team: payments, pagerduty_services: [PSVC001] }
  - { id: search, team: discovery, pagerduty_services: [PSVC002] }
`;

/*
 * The account: Ada and Grace are people; Kyler is a PagerDuty user the config does not know;
 * PGONE3 is a deleted user (not in /users) who annotated an incident. Timestamps come with Z,
 * +00:00 and local offsets, as PagerDuty renders them.
 */
export function pagerDutyTestAccount(): FakePdData {
  const e =
    (incidentId: string) => (id: string, type: string, at: string, agent: object, assignees?: object[]) =>
      pdLogEntry({
        id,
        type,
        incidentId,
        createdAt: at,
        agent: agent as Record<string, unknown>,
        ...(assignees ? { assignees: assignees as Array<Record<string, unknown>> } : {}),
      });
  const a = e('PINC001');
  const b = e('PINC002');
  const c = e('PINC003');
  const old = e('PINC004');
  return {
    services: [
      pdService('PSVC001', 'Checkout API'),
      pdService('PSVC002', 'Search'),
      pdService('PSVC009', 'Other'),
    ],
    users: [
      pdUser('PADA001', 'Ada Lovelace', 'ada@example.com'),
      pdUser('PGRACE2', 'Grace Hopper', 'grace@example.com'),
      pdUser('PKYLER4', 'Kyler Kuhn', 'kyler@example.com'),
    ],
    incidents: [
      // Spans midnight at the end of October in Berlin: 23:50 on the 31st to 01:40 on the 1st.
      pdIncident({
        id: 'PINC001',
        number: 101,
        serviceId: 'PSVC001',
        status: 'resolved',
        createdAt: '2026-10-31T23:50:00+01:00',
        updatedAt: '2026-11-01T00:40:00Z',
        resolvedAt: '2026-11-01T00:40:00+00:00',
        priority: 'P1',
      }),
      // Still open, created with a New York offset.
      pdIncident({
        id: 'PINC002',
        number: 102,
        serviceId: 'PSVC001',
        status: 'acknowledged',
        createdAt: '2026-11-20T08:00:00-05:00',
        urgency: 'low',
      }),
      pdIncident({
        id: 'PINC003',
        number: 7,
        serviceId: 'PSVC002',
        status: 'resolved',
        createdAt: '2026-11-02T09:00:00Z',
        resolvedAt: '2026-11-02T10:00:00Z',
        priority: null,
      }),
      // Older than the first run's 180 days.
      pdIncident({
        id: 'PINC004',
        number: 50,
        serviceId: 'PSVC001',
        status: 'resolved',
        createdAt: '2026-01-10T10:00:00Z',
        resolvedAt: '2026-01-10T11:00:00Z',
      }),
      // A service no product line names.
      pdIncident({
        id: 'PINC009',
        number: 9,
        serviceId: 'PSVC009',
        status: 'triggered',
        createdAt: '2026-11-10T10:00:00Z',
      }),
    ],
    logEntries: {
      // Newest first, as PagerDuty lists them.
      PINC001: [
        a('R1-6', 'resolve_log_entry', '2026-11-01T00:40:00+00:00', userRef('PGRACE2', 'Grace Hopper')),
        a('R1-5', 'notify_log_entry', '2026-11-01T00:01:00Z', serviceRef('PSVC001')),
        a('R1-4', 'assign_log_entry', '2026-11-01T01:00:00+01:00', userRef('PADA001', 'Ada Lovelace'), [
          userRef('PGRACE2', 'Grace Hopper'),
        ]),
        a('R1-3', 'annotate_log_entry', '2026-10-31T23:20:00Z', userRef('PGONE3', 'Former Engineer')),
        a('R1-2', 'acknowledge_log_entry', '2026-10-31T18:05:00-05:00', userRef('PADA001', 'Ada Lovelace')),
        a('R1-1', 'assign_log_entry', '2026-10-31T22:50:00Z', serviceRef('PSVC001'), [
          userRef('PADA001', 'Ada Lovelace'),
        ]),
        a('R1-0', 'trigger_log_entry', '2026-10-31T22:50:00Z', serviceRef('PSVC001')),
      ],
      PINC002: [
        b('R2-2', 'acknowledge_log_entry', '2026-11-20T13:10:00Z', userRef('PKYLER4', 'Kyler Kuhn')),
        b('R2-1', 'assign_log_entry', '2026-11-20T13:00:00Z', serviceRef('PSVC001'), [
          userRef('PKYLER4', 'Kyler Kuhn'),
        ]),
        b('R2-0', 'trigger_log_entry', '2026-11-20T13:00:00Z', serviceRef('PSVC001')),
      ],
      // No human acknowledged: triggered and auto-resolved by the service.
      PINC003: [
        c('R3-1', 'resolve_log_entry', '2026-11-02T10:00:00Z', serviceRef('PSVC002')),
        c('R3-0', 'trigger_log_entry', '2026-11-02T09:00:00Z', serviceRef('PSVC002')),
      ],
      PINC004: [old('R4-0', 'trigger_log_entry', '2026-01-10T10:00:00Z', serviceRef('PSVC001'))],
    },
  };
}
