import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  byUpdatedDesc,
  type FakeDeployment,
  type FakePullRequest,
  type FakeRepo,
  type FakeReview,
  type FakeRun,
  type FakeUser,
} from './github-data.ts';

/**
 * A fake GitHub on 127.0.0.1:0: REST under /api/v3 (the GitHub Enterprise layout, so Octokit's
 * GraphQL URL becomes /api/graphql) with the payload shapes of test/fixtures/github/, Link-header
 * pagination with absolute URLs on its own origin, ETags and 304s, x-ratelimit-* headers, and
 * injectable faults (secondary-limit 403 with retry-after, primary-limit 403, 502). GraphQL answers
 * the operations the ingestion sends, by operation name, honouring the `first:` sizes in the query
 * text. Every request is recorded; unknown routes get 404 and are listed in `unknownRoutes`.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string): unknown =>
  JSON.parse(readFileSync(path.join(here, '..', 'fixtures', 'github', f), 'utf8'));
const PR_TEMPLATE = (fixture('pulls-list.json') as Array<Record<string, unknown>>)[0] as Record<
  string,
  unknown
>;
const RUN_TEMPLATE = (fixture('actions-list-workflow-runs-for-repo.json') as { workflow_runs: unknown[] })
  .workflow_runs[0] as Record<string, unknown>;
const DEPLOYMENT_TEMPLATE = (fixture('repos-list-deployments.json') as unknown[])[0] as Record<
  string,
  unknown
>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  ifNoneMatch: string | null;
  authorization: string | null;
  operation: string | null;
  variables: Record<string, unknown> | null;
  status: number;
}

/** `hang`: the request is read and never answered (a stuck proxy or server), until the client gives up. */
export type FaultKind = 'secondary' | 'primary' | 502 | 500 | 'forbidden' | 'hang';
export interface Fault {
  /** Matches `METHOD /path` (path without query), or a GraphQL operation name. */
  match: RegExp;
  kind: FaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** retry-after seconds for 'secondary' (omit to send none). */
  retryAfter?: number;
  /** x-ratelimit-reset epoch seconds for 'primary'. */
  reset?: number;
  /** GitHub sends rate limits as 403 or 429 (default 403). */
  status?: 403 | 429;
}

export interface FakeGithubOptions {
  token?: string;
  repos?: FakeRepo[];
  /** Repositories that exist but the token may not read (403). */
  forbidden?: string[];
  /** Epoch seconds the rate limit window resets at (default: an hour after start). */
  rateLimitReset?: number;
  rateLimit?: number;
}

export interface FakeGithub {
  url: string;
  /** What to pass as GITHUB_API_URL. */
  apiUrl: string;
  requests: RecordedRequest[];
  unknownRoutes: string[];
  repos: Map<string, FakeRepo>;
  inject(fault: Fault): void;
  /** Called for every request before it is answered (tests abort a run from here). */
  onRequest: ((r: RecordedRequest, index: number) => void) | null;
  rateLimit: { core: number; graphql: number; reset: number };
  /** Forgets recorded requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
};

const etagOf = (text: string) => `W/"${createHash('sha1').update(text).digest('hex')}"`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export async function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const token = opts.token ?? 'ghp_fake_token_0123456789';
  const repos = new Map<string, FakeRepo>();
  for (const r of opts.repos ?? []) repos.set(`${r.owner}/${r.name}`.toLowerCase(), r);
  const forbidden = new Set((opts.forbidden ?? []).map((r) => r.toLowerCase()));
  const faults: Array<Fault & { left: number }> = [];
  const limit = opts.rateLimit ?? 5000;
  let origin = '';

  const fake: FakeGithub = {
    url: '',
    apiUrl: '',
    requests: [],
    unknownRoutes: [],
    repos,
    inject(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    onRequest: null,
    rateLimit: {
      core: limit,
      graphql: limit,
      reset: opts.rateLimitReset ?? Math.floor(Date.now() / 1000) + 3600,
    },
    reset() {
      fake.requests.length = 0;
      fake.unknownRoutes.length = 0;
      faults.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const rateHeaders = (resource: 'core' | 'graphql', spend: number): Record<string, string> => {
    fake.rateLimit[resource] = Math.max(0, fake.rateLimit[resource] - spend);
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(fake.rateLimit[resource]),
      'x-ratelimit-reset': String(fake.rateLimit.reset),
      'x-ratelimit-used': String(limit - fake.rateLimit[resource]),
      'x-ratelimit-resource': resource,
    };
  };

  const takeFault = (key: string): (Fault & { left: number }) | undefined => {
    const f = faults.find((x) => x.left > 0 && x.match.test(key));
    if (f) f.left--;
    return f;
  };

  const sendFault = (res: ServerResponse, f: Fault, resource: 'core' | 'graphql'): number => {
    const base = rateHeaders(resource, 0);
    if (f.kind === 'secondary') {
      json(
        res,
        f.status ?? 403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        },
        { ...base, ...(f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {}) },
      );
      return f.status ?? 403;
    }
    if (f.kind === 'primary') {
      json(
        res,
        f.status ?? 403,
        {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        {
          ...base,
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(f.reset ?? fake.rateLimit.reset),
        },
      );
      return f.status ?? 403;
    }
    if (f.kind === 'forbidden') {
      json(res, 403, { message: 'Resource not accessible by personal access token' }, base);
      return 403;
    }
    if (f.kind === 'hang') return 0;
    res.writeHead(f.kind, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>${f.kind} Bad Gateway</h1></body></html>`);
    return f.kind;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', origin);
    const body = req.method === 'POST' ? await readBody(req) : '';
    const gql = u.pathname === '/api/graphql' ? (JSON.parse(body || '{}') as GqlBody) : null;
    const operation = gql ? (gql.operationName ?? /query\s+(\w+)/.exec(gql.query ?? '')?.[1] ?? null) : null;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      ifNoneMatch: (req.headers['if-none-match'] as string | undefined) ?? null,
      authorization: (req.headers.authorization as string | undefined) ?? null,
      operation,
      variables: gql?.variables ?? null,
      status: 0,
    };
    fake.requests.push(rec);
    fake.onRequest?.(rec, fake.requests.length - 1);
    const auth = rec.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `bearer ${token}` && auth !== `Bearer ${token}`) {
      rec.status = 401;
      return json(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const fault = takeFault(operation ?? `${rec.method} ${u.pathname}`);
    if (fault) {
      rec.status = sendFault(res, fault, gql ? 'graphql' : 'core');
      return;
    }
    if (gql) {
      rec.status = 200;
      return json(res, 200, answerGraphql(gql, operation), rateHeaders('graphql', 1));
    }
    rec.status = answerRest(rec, u, res);
  }

  function findRepo(owner: string, name: string): FakeRepo | 'forbidden' | null {
    const key = `${owner}/${name}`.toLowerCase();
    if (forbidden.has(key)) return 'forbidden';
    return repos.get(key) ?? null;
  }

  function answerRest(rec: RecordedRequest, u: URL, res: ServerResponse): number {
    const m =
      /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/(pulls|actions\/runs|deployments)(?:\/(\d+)\/timing)?$/.exec(
        u.pathname,
      );
    if (rec.method !== 'GET' || !m) {
      fake.unknownRoutes.push(`${rec.method} ${u.pathname}`);
      json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      return 404;
    }
    const [, owner, name, kind, runId] = m as unknown as [string, string, string, string, string | undefined];
    const repo = findRepo(owner, name);
    if (repo === 'forbidden') {
      json(res, 403, { message: 'Resource not accessible by personal access token' }, rateHeaders('core', 1));
      return 403;
    }
    if (!repo) {
      json(
        res,
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        rateHeaders('core', 1),
      );
      return 404;
    }
    if (runId !== undefined) {
      const run = repo.runs.find((r) => String(r.id) === runId);
      if (!run) {
        json(res, 404, { message: 'Not Found' }, rateHeaders('core', 1));
        return 404;
      }
      return sendList(rec, res, timingJson(run), null);
    }
    const perPage = Math.min(100, Number(u.searchParams.get('per_page') ?? 30));
    const page = Math.max(1, Number(u.searchParams.get('page') ?? 1));
    const slice = <T>(xs: T[]) => xs.slice((page - 1) * perPage, page * perPage);
    let items: unknown;
    let total: number;
    if (kind === 'pulls') {
      const sorted = byUpdatedDesc(repo.prs);
      total = sorted.length;
      items = slice(sorted).map((p) => prJson(repo, p));
    } else if (kind === 'actions/runs') {
      total = repo.runs.length;
      items = { total_count: total, workflow_runs: slice(repo.runs).map((r) => runJson(repo, r)) };
    } else {
      total = repo.deployments.length;
      items = slice(repo.deployments).map((d) => deploymentJson(repo, d));
    }
    const last = Math.max(1, Math.ceil(total / perPage));
    const link = (p: number, rel: string) => {
      const next = new URL(u.pathname, origin);
      for (const [k, v] of u.searchParams) next.searchParams.set(k, v);
      next.searchParams.set('page', String(p));
      return `<${next.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return sendList(rec, res, items, links.length > 0 ? links.join(', ') : null);
  }

  function sendList(rec: RecordedRequest, res: ServerResponse, body: unknown, link: string | null): number {
    const text = JSON.stringify(body);
    const etag = etagOf(text);
    if (rec.ifNoneMatch === etag) {
      // A 304 does not spend the rate limit.
      res.writeHead(304, { etag, ...rateHeaders('core', 0) });
      res.end();
      return 304;
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      etag,
      ...(link ? { link } : {}),
      ...rateHeaders('core', 1),
    });
    res.end(text);
    return 200;
  }

  function prJson(repo: FakeRepo, p: FakePullRequest): unknown {
    const base = `${origin}/api/v3/repos/${repo.owner}/${repo.name}`;
    return {
      ...PR_TEMPLATE,
      url: `${base}/pulls/${p.number}`,
      id: p.databaseId,
      node_id: p.nodeId,
      number: p.number,
      state: p.state === 'OPEN' ? 'open' : 'closed',
      locked: false,
      title: p.title,
      user: userJson(p.author),
      labels: p.labels.map((name, i) => ({ id: i + 1, name, color: 'f29513', default: false })),
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      merged_at: p.mergedAt,
      head: { ...(PR_TEMPLATE['head'] as object), ref: p.headRef },
      base: {
        ...(PR_TEMPLATE['base'] as Record<string, unknown>),
        ref: p.baseRef,
        repo: {
          ...((PR_TEMPLATE['base'] as Record<string, unknown>)['repo'] as object),
          pushed_at: repo.pushedAt,
        },
      },
    };
  }

  function runJson(repo: FakeRepo, r: FakeRun): unknown {
    return {
      ...RUN_TEMPLATE,
      id: r.id,
      name: r.name,
      head_sha: r.headSha,
      event: r.event,
      status: r.status,
      conclusion: r.conclusion,
      run_attempt: r.runAttempt,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      run_started_at: r.runStartedAt,
      actor: userJson(r.actor),
      triggering_actor: userJson(r.triggeringActor),
      url: `${origin}/api/v3/repos/${repo.owner}/${repo.name}/actions/runs/${r.id}`,
    };
  }

  function timingJson(r: FakeRun): unknown {
    return {
      billable:
        r.billableMs === null
          ? {}
          : {
              UBUNTU: {
                total_ms: r.billableMs,
                jobs: 1,
                job_runs: [{ job_id: r.id, duration_ms: r.billableMs }],
              },
            },
      run_duration_ms: Date.parse(r.updatedAt) - Date.parse(r.runStartedAt),
    };
  }

  function deploymentJson(repo: FakeRepo, d: FakeDeployment): unknown {
    return {
      ...DEPLOYMENT_TEMPLATE,
      id: d.databaseId,
      node_id: d.nodeId,
      sha: d.sha,
      environment: d.environment,
      creator: userJson(d.creator),
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      url: `${origin}/api/v3/repos/${repo.owner}/${repo.name}/deployments/${d.databaseId}`,
    };
  }

  // ── GraphQL ────────────────────────────────────────────────────────────────
  function answerGraphql(body: GqlBody, operation: string | null): unknown {
    const q = body.query ?? '';
    const v = body.variables ?? {};
    const firsts = nestedFirsts(q);
    const rateLimit = {
      cost: 1,
      remaining: fake.rateLimit.graphql,
      resetAt: new Date(fake.rateLimit.reset * 1000),
    };
    const repoOf = () => {
      const r = findRepo(String(v['owner']), String(v['name']));
      return r === 'forbidden' ? null : r;
    };
    const notFound = (what: string) => ({
      data: { rateLimit, repository: null },
      errors: [
        {
          type: 'NOT_FOUND',
          path: ['repository'],
          message: `Could not resolve to a Repository with the name '${what}'.`,
        },
      ],
    });
    switch (operation) {
      case 'PullRequestsPage': {
        const repo = repoOf();
        if (!repo) return notFound(`${v['owner']}/${v['name']}`);
        const sorted = byUpdatedDesc(repo.prs);
        const after =
          typeof v['after'] === 'string' ? (JSON.parse(unb64(v['after'])) as [string, number]) : null;
        const start = after
          ? sorted.findIndex(
              (p) => p.updatedAt < after[0] || (p.updatedAt === after[0] && p.number < after[1]),
            )
          : 0;
        const from = start === -1 ? sorted.length : start;
        const page = sorted.slice(from, from + Number(v['first']));
        const lastPr = page[page.length - 1];
        return {
          data: {
            rateLimit,
            repository: {
              pullRequests: {
                pageInfo: {
                  hasNextPage: from + page.length < sorted.length,
                  endCursor: lastPr ? b64(JSON.stringify([lastPr.updatedAt, lastPr.number])) : null,
                },
                nodes: page.map((p) => prNode(p, firsts)),
              },
            },
          },
        };
      }
      case 'PullRequestFiles':
      case 'PullRequestCommits':
      case 'PullRequestReviews':
      case 'PullRequestLabels': {
        const pr = findPr(String(v['id']));
        if (!pr) return { data: { node: null }, errors: [{ type: 'NOT_FOUND', message: 'no such node' }] };
        const after = cursorOffset(v['after']);
        const field = operation.replace('PullRequest', '').toLowerCase() as
          | 'files'
          | 'commits'
          | 'reviews'
          | 'labels';
        const all: unknown[] =
          field === 'files'
            ? pr.files
            : field === 'commits'
              ? pr.commits.map(commitNode)
              : field === 'reviews'
                ? pr.reviews.map((r) => reviewNode(r, firsts))
                : pr.labels.map((name) => ({ name }));
        return { data: { node: { [field]: connection(all, after, firsts[field] ?? 100) } } };
      }
      case 'ReviewComments': {
        const review = findReview(String(v['id']));
        if (!review)
          return { data: { node: null }, errors: [{ type: 'NOT_FOUND', message: 'no such node' }] };
        return {
          data: {
            node: {
              comments: connection(
                review.comments.map(commentNode),
                cursorOffset(v['after']),
                firsts['comments'] ?? 100,
              ),
            },
          },
        };
      }
      case 'DeploymentsPage': {
        const repo = repoOf();
        if (!repo) return notFound(`${v['owner']}/${v['name']}`);
        const conn = connection(repo.deployments, cursorOffset(v['after']), Number(v['first']));
        return {
          data: {
            rateLimit,
            repository: {
              deployments: {
                ...conn,
                nodes: (conn.nodes as FakeDeployment[]).map((d) => deploymentNode(d, firsts)),
              },
            },
          },
        };
      }
      case 'DeploymentStatuses': {
        const d = [...repos.values()].flatMap((r) => r.deployments).find((x) => x.nodeId === v['id']);
        if (!d) return { data: { node: null }, errors: [{ type: 'NOT_FOUND', message: 'no such node' }] };
        return {
          data: {
            node: { statuses: connection(d.statuses, cursorOffset(v['after']), firsts['statuses'] ?? 100) },
          },
        };
      }
      default:
        fake.unknownRoutes.push(`POST /api/graphql ${operation ?? '(no operation)'}`);
        return { errors: [{ message: `unknown operation ${operation}` }] };
    }
  }

  function findPr(nodeId: string): FakePullRequest | undefined {
    for (const r of repos.values()) {
      const p = r.prs.find((x) => x.nodeId === nodeId);
      if (p) return p;
    }
    return undefined;
  }
  function findReview(nodeId: string): FakeReview | undefined {
    for (const r of repos.values())
      for (const p of r.prs) {
        const rv = p.reviews.find((x) => x.nodeId === nodeId);
        if (rv) return rv;
      }
    return undefined;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      json(res, 500, { message: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = origin;
  fake.apiUrl = `${origin}/api/v3`;
  return fake;
}

interface GqlBody {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `files(first: 100)` → { files: 100 }: the sizes the client asked for, first occurrence wins. */
function nestedFirsts(query: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of query.matchAll(/(\w+)\(first: (\d+)/g)) {
    const [, field, n] = m as unknown as [string, string, string];
    out[field] ??= Number(n);
  }
  return out;
}

function cursorOffset(after: unknown): number {
  return typeof after === 'string' ? Number(unb64(after).replace('offset:', '')) : 0;
}

function connection(all: unknown[], offset: number, first: number) {
  const nodes = all.slice(offset, offset + first);
  const end = offset + nodes.length;
  return {
    pageInfo: { hasNextPage: end < all.length, endCursor: nodes.length > 0 ? b64(`offset:${end}`) : null },
    nodes,
  };
}

function actor(u: FakeUser | null): unknown {
  if (!u) return null;
  // GraphQL names an app without the "[bot]" suffix REST uses.
  return { __typename: u.type, login: u.type === 'Bot' ? u.login.replace(/\[bot\]$/, '') : u.login };
}

function userJson(u: FakeUser | null): unknown {
  if (!u) return null;
  return {
    login: u.login,
    id: u.login.length * 1000 + u.login.charCodeAt(0),
    node_id: `U_${u.login}`,
    avatar_url: 'https://github.com/images/error/octocat_happy.gif',
    url: `https://api.github.com/users/${u.login}`,
    type: u.type,
    site_admin: false,
  };
}

function commitNode(c: FakePullRequest['commits'][number]): unknown {
  return {
    commit: {
      oid: c.oid,
      authoredDate: c.authoredDate,
      parents: { totalCount: c.parents },
      author: { name: c.name, user: c.user ? { login: c.user.login } : null },
    },
  };
}

function commentNode(c: FakeReview['comments'][number]): unknown {
  return { databaseId: c.databaseId, createdAt: c.createdAt, author: actor(c.author) };
}

function reviewNode(r: FakeReview, firsts: Record<string, number>): unknown {
  return {
    id: r.nodeId,
    databaseId: r.databaseId,
    state: r.state,
    submittedAt: r.submittedAt,
    author: actor(r.author),
    comments: connection(r.comments.map(commentNode), 0, firsts['comments'] ?? 100),
  };
}

function prNode(p: FakePullRequest, firsts: Record<string, number>): unknown {
  return {
    id: p.nodeId,
    databaseId: p.databaseId,
    number: p.number,
    title: p.title,
    state: p.state,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    mergedAt: p.mergedAt,
    closedAt: p.closedAt,
    headRefName: p.headRef,
    baseRefName: p.baseRef,
    author: actor(p.author),
    labels: connection(
      p.labels.map((name) => ({ name })),
      0,
      firsts['labels'] ?? 100,
    ),
    files: connection(p.files, 0, firsts['files'] ?? 100),
    commits: connection(p.commits.map(commitNode), 0, firsts['commits'] ?? 100),
    reviews: connection(
      p.reviews.map((r) => reviewNode(r, firsts)),
      0,
      firsts['reviews'] ?? 100,
    ),
  };
}

function deploymentNode(d: FakeDeployment, firsts: Record<string, number>): unknown {
  return {
    id: d.nodeId,
    databaseId: d.databaseId,
    environment: d.environment,
    commitOid: d.sha,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    creator: actor(d.creator),
    statuses: connection(d.statuses, 0, firsts['statuses'] ?? 100),
  };
}
