/**
 * A fake Slack Web API: a real HTTP server on 127.0.0.1:0 that answers the methods the bot uses,
 * records every call in order, and behaves like Slack where it matters to us:
 * - bodies arrive form-encoded as @slack/web-api sends them (objects such as `blocks`, `view`,
 *   `files` are JSON strings inside the form), with `Authorization: Bearer xoxb-…`;
 * - Block Kit limits are enforced: an over-limit message is rejected with `invalid_blocks`
 *   (an over-limit view with `invalid_arguments` and the problems in response_metadata.messages,
 *   as views.open answers — see test/fixtures/slack/README.md);
 * - errors are `ok:false` with Slack's error codes; queued 429s carry `Retry-After`;
 * - unknown methods answer `unknown_method`, unknown paths 404.
 * The block checks here are written independently of src/blocks/limits.ts on purpose, so a
 * mistake in the product's validator cannot hide the same mistake here.
 * Shapes: /work/shared/reference/slack/examples (copied where needed into test/fixtures/slack).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is a member (private channels need it to post). Default true. */
  isMember?: boolean;
  isArchived?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  deleted?: boolean;
  tz?: string;
  isBot?: boolean;
}

export interface FakeUsergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface FakeSlackOptions {
  token?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  channels?: FakeChannel[];
  users?: FakeUser[];
  usergroups?: FakeUsergroup[];
  /** conversations.list page size: the default and the most one page holds, whatever `limit` asks (default 100). */
  pageSize?: number;
}

export interface RecordedCall {
  /** Order of arrival, from 1. */
  seq: number;
  /** Web API method (`chat.postMessage`), `response_url` or `file_upload`. */
  method: string;
  /** Form fields with JSON fields (`blocks`, `view`, `files`, …) decoded. */
  params: Record<string, unknown>;
  /** The bearer token, when one was sent. */
  token: string | undefined;
  contentType: string | undefined;
  status: number;
  /** What the fake answered. */
  response: unknown;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string | undefined;
  blocks: unknown[] | undefined;
  /** `chat.postEphemeral` / ephemeral response_url answers: only `user` saw it. */
  ephemeralTo: string | undefined;
  files: Array<{ id: string; title: string | undefined }>;
  via: 'chat.postMessage' | 'chat.postEphemeral' | 'response_url' | 'files.completeUploadExternal';
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  length: number;
  altText: string | undefined;
  bytes: Buffer | undefined;
  completed: boolean;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/api/`: pass as SLACK_API_URL / clientOptions.slackApiUrl. */
  apiUrl: string;
  token: string;
  teamId: string;
  botUserId: string;
  botId: string;
  /** A response_url on this server; a channel makes `in_channel` answers land there. */
  responseUrl(channel?: string): string;
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** The next `times` calls of `method` answer `ok:false` with `error` (and `extra` fields). */
  queueError(method: string, error: string, opts?: { times?: number; extra?: Record<string, unknown> }): void;
  /** The next `times` calls of `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
  queueRateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  /** The first call (already recorded or still to come) of `method` that matches. Rejects after `timeoutMs`. */
  waitFor(
    method: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  /** Resolves once `n` calls of `method` matching the predicate are recorded. */
  waitForCount(
    method: string,
    n: number,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall[]>;
  /** Messages the bot posted (in order), optionally in one channel. */
  messages(channel?: string): FakeMessage[];
  /** Home tabs published, by user. */
  homes: Map<string, Record<string, unknown>>;
  /** Views opened or updated, by view id. */
  views: Map<string, Record<string, unknown>>;
  uploads: Map<string, FakeUpload>;
  addChannel(c: FakeChannel): void;
  addUser(u: FakeUser): void;
  addUsergroup(g: FakeUsergroup): void;
  /**
   * The next call of `method` (a Web API method or `response_url`) that matches is carried out and
   * recorded as usual, but its answer is held back until `release()`: the test acts while the bot waits for Slack's answer (SIGKILL,
   * SIGTERM, dropping its database connections). `arrived` resolves with the call once it is in.
   */
  holdNext(method: string, predicate?: (call: RecordedCall) => boolean): HeldCall;
  /** Forget recorded calls (state such as messages stays). */
  clearCalls(): void;
  close(): Promise<void>;
}

export interface HeldCall {
  arrived: Promise<RecordedCall>;
  /** Sends the held answer (a no-op when the caller has gone). */
  release(): void;
}

/** A small organisation most tests can use as is. */
export const DEFAULT_SEED = {
  channels: [
    { id: 'C0REVIEW01', name: 'finops-review' },
    { id: 'C0PAYMENT1', name: 'team-payments' },
    { id: 'C0SEARCH01', name: 'team-search' },
    { id: 'C0GENERAL1', name: 'general' },
    { id: 'G0PRIVATE1', name: 'finance-private', isPrivate: true, isMember: false },
    { id: 'C0ARCHIVE1', name: 'old-costs', isArchived: true },
  ],
  users: [
    {
      id: 'U0ADA00001',
      name: 'ada',
      realName: 'Ada Lovelace',
      email: 'ada@example.com',
      tz: 'Europe/Berlin',
    },
    {
      id: 'U0GRACE001',
      name: 'grace',
      realName: 'Grace Hopper',
      email: 'grace@example.com',
      tz: 'Europe/Berlin',
    },
    { id: 'U0LINUS001', name: 'linus', realName: 'Linus T', email: 'linus@example.com', tz: 'Europe/Berlin' },
    {
      id: 'U0FINANCE1',
      name: 'fiona',
      realName: 'Fiona Finance',
      email: 'fiona@example.com',
      tz: 'Europe/Berlin',
    },
    {
      id: 'U0ADMIN001',
      name: 'adam',
      realName: 'Adam Admin',
      email: 'adam@example.com',
      tz: 'Europe/Berlin',
    },
    { id: 'U0GONE0001', name: 'gone', realName: 'Left Company', deleted: true },
  ],
  usergroups: [{ id: 'S0FINANCE1', handle: 'finance', users: ['U0FINANCE1'] }],
} satisfies Required<Pick<FakeSlackOptions, 'channels' | 'users' | 'usergroups'>>;

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'user_ids']);

class SlackFail extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

type Queued =
  | { kind: 'error'; error: string; extra: Record<string, unknown> }
  | { kind: 'ratelimit'; retryAfter: number };
type Params = Record<string, unknown>;

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = opts.token ?? 'xoxb-test-token';
  const teamId = opts.teamId ?? 'T0FINOPS01';
  const botUserId = opts.botUserId ?? 'U0BOT00001';
  const botId = opts.botId ?? 'B0BOT00001';
  const pageSize = opts.pageSize ?? 100;
  const channels = new Map<string, FakeChannel>();
  const users = new Map<string, FakeUser>();
  const groups = new Map<string, FakeUsergroup>();
  for (const c of opts.channels ?? DEFAULT_SEED.channels) channels.set(c.id, c);
  for (const u of opts.users ?? DEFAULT_SEED.users) users.set(u.id, u);
  for (const g of opts.usergroups ?? DEFAULT_SEED.usergroups) groups.set(g.id, g);

  const calls: RecordedCall[] = [];
  const queued = new Map<string, Queued[]>();
  const messages: FakeMessage[] = [];
  const homes = new Map<string, Record<string, unknown>>();
  const views = new Map<string, Record<string, unknown>>();
  const uploads = new Map<string, FakeUpload>();
  const responseChannels = new Map<string, string | undefined>();
  const waiters = new Set<() => void>();
  let tsCounter = 0;
  let idCounter = 0;
  let url = '';

  const nextTs = () => {
    tsCounter++;
    return `${1767225600 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
  };
  const nextId = (prefix: string) => `${prefix}${String(++idCounter).padStart(8, '0')}`;

  const record = (call: Omit<RecordedCall, 'seq'>): RecordedCall => {
    const full = { ...call, seq: calls.length + 1 };
    calls.push(full);
    for (const w of [...waiters]) w();
    return full;
  };
  const holds: Array<{
    method: string;
    predicate: ((call: RecordedCall) => boolean) | undefined;
    arrived: (call: RecordedCall) => void;
    released: Promise<void>;
  }> = [];
  /** Answers a recorded call now, or when the test releases it if a hold matches it. */
  const sendOrHold = (call: RecordedCall, res: ServerResponse, answer: () => void) => {
    const i = holds.findIndex((h) => h.method === call.method && (h.predicate?.(call) ?? true));
    const hold = i >= 0 ? holds.splice(i, 1)[0] : undefined;
    if (!hold) return answer();
    hold.arrived(call);
    void hold.released.then(() => {
      if (!res.destroyed) answer();
    });
  };

  // ── helpers shared by methods ──
  const str = (p: Params, key: string): string | undefined =>
    typeof p[key] === 'string' ? (p[key] as string) : undefined;
  const required = (p: Params, key: string): string => {
    const v = str(p, key);
    if (v === undefined || v === '')
      throw new SlackFail('invalid_arguments', {
        response_metadata: { messages: [`[ERROR] missing required field: ${key}`] },
      });
    return v;
  };
  const findChannel = (ref: string): FakeChannel => {
    const byId = channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    for (const c of channels.values()) if (c.name === name) return c;
    if (users.has(ref)) return dmChannel(ref);
    throw new SlackFail('channel_not_found');
  };
  const dmChannel = (user: string): FakeChannel => {
    const id = `D${user.slice(1)}`;
    let c = channels.get(id);
    if (!c) {
      c = { id, name: id, isPrivate: true, isMember: true };
      channels.set(id, c);
    }
    return c;
  };
  const postable = (ref: string): FakeChannel => {
    const c = findChannel(ref);
    if (c.isArchived) throw new SlackFail('is_archived');
    if (c.isPrivate && c.isMember === false) throw new SlackFail('not_in_channel');
    return c;
  };
  const userObject = (u: FakeUser) => ({
    id: u.id,
    team_id: teamId,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: u.realName ?? u.name,
    tz: u.tz ?? 'Europe/Berlin',
    is_bot: u.isBot ?? false,
    profile: {
      real_name: u.realName ?? u.name,
      display_name: u.name,
      ...(u.email ? { email: u.email } : {}),
    },
  });
  const checkMessagePayload = (p: Params) => {
    const blocks = p['blocks'];
    const text = str(p, 'text');
    if (blocks === undefined && (text === undefined || text === '') && p['attachments'] === undefined)
      throw new SlackFail('no_text');
    if (blocks !== undefined) {
      const problems = Array.isArray(blocks) ? blockProblems(blocks, 50) : ['blocks must be a list'];
      if (problems.length > 0)
        throw new SlackFail('invalid_blocks', {
          errors: problems,
          response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) },
        });
    }
  };
  const checkView = (view: unknown) => {
    const problems = viewProblems(view);
    if (problems.length > 0)
      throw new SlackFail('invalid_arguments', {
        response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) },
      });
    return view as Record<string, unknown>;
  };
  const storedView = (view: Record<string, unknown>, id: string) => ({
    ...view,
    id,
    team_id: teamId,
    app_id: 'A0FINOPS01',
    bot_id: botId,
    hash: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    state: { values: {} },
    root_view_id: id,
  });

  const methods: Record<string, (p: Params) => Record<string, unknown>> = {
    'auth.test': () => ({
      url: `${url}/`,
      team: 'FinOps Test',
      user: 'finops',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (p) => {
      const c = postable(required(p, 'channel'));
      checkMessagePayload(p);
      const threadTs = str(p, 'thread_ts');
      if (threadTs !== undefined && !messages.some((m) => m.channel === c.id && m.ts === threadTs))
        throw new SlackFail('thread_not_found');
      const ts = nextTs();
      const msg: FakeMessage = {
        channel: c.id,
        ts,
        threadTs,
        text: str(p, 'text'),
        blocks: p['blocks'] as unknown[] | undefined,
        ephemeralTo: undefined,
        files: [],
        via: 'chat.postMessage',
      };
      messages.push(msg);
      return {
        channel: c.id,
        ts,
        message: {
          type: 'message',
          subtype: 'bot_message',
          bot_id: botId,
          text: msg.text ?? '',
          ts,
          ...(msg.blocks ? { blocks: msg.blocks } : {}),
        },
      };
    },
    'chat.update': (p) => {
      const c = findChannel(required(p, 'channel'));
      const ts = required(p, 'ts');
      const msg = messages.find((m) => m.channel === c.id && m.ts === ts && m.ephemeralTo === undefined);
      if (!msg) throw new SlackFail('message_not_found');
      checkMessagePayload(p);
      msg.text = str(p, 'text') ?? msg.text;
      msg.blocks = (p['blocks'] as unknown[] | undefined) ?? msg.blocks;
      return { channel: c.id, ts, text: msg.text ?? '' };
    },
    'chat.postEphemeral': (p) => {
      const c = postable(required(p, 'channel'));
      const user = required(p, 'user');
      if (!users.has(user)) throw new SlackFail('user_not_in_channel');
      checkMessagePayload(p);
      const ts = nextTs();
      messages.push({
        channel: c.id,
        ts,
        threadTs: str(p, 'thread_ts'),
        text: str(p, 'text'),
        blocks: p['blocks'] as unknown[] | undefined,
        ephemeralTo: user,
        files: [],
        via: 'chat.postEphemeral',
      });
      return { message_ts: ts };
    },
    'chat.getPermalink': (p) => {
      const c = findChannel(required(p, 'channel'));
      const ts = required(p, 'message_ts');
      // Any well-formed ts in a known channel: shortcuts point at people's messages the fake never saw.
      if (!/^\d+\.\d+$/.test(ts)) throw new SlackFail('message_not_found');
      return { channel: c.id, permalink: `${url}/archives/${c.id}/p${ts.replace('.', '')}` };
    },
    'views.open': (p) => {
      if (str(p, 'trigger_id') === undefined && str(p, 'interactivity_pointer') === undefined)
        throw new SlackFail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
        });
      const view = checkView(p['view']);
      if (view['type'] !== 'modal')
        throw new SlackFail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] views.open takes a modal'] },
        });
      const id = nextId('V');
      const stored = storedView(view, id);
      views.set(id, stored);
      return { view: stored };
    },
    'views.update': (p) => {
      const id =
        str(p, 'view_id') ??
        [...views.values()].find((v) => v['external_id'] === str(p, 'external_id'))?.['id'];
      if (typeof id !== 'string' || !views.has(id)) throw new SlackFail('not_found');
      const stored = storedView(checkView(p['view']), id);
      views.set(id, stored);
      return { view: stored };
    },
    'views.publish': (p) => {
      const user = required(p, 'user_id');
      if (!users.has(user)) throw new SlackFail('user_not_found');
      const view = checkView(p['view']);
      if (view['type'] !== 'home')
        throw new SlackFail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] views.publish takes a home view'] },
        });
      const stored = storedView(view, nextId('V'));
      homes.set(user, stored);
      return { view: stored };
    },
    'conversations.open': (p) => {
      const list = (str(p, 'users') ?? '').split(',').filter(Boolean);
      const [user] = list;
      if (list.length !== 1 || user === undefined)
        throw new SlackFail(list.length === 0 ? 'users_list_not_supplied' : 'not_implemented');
      const u = users.get(user);
      if (!u) throw new SlackFail('user_not_found');
      if (u.deleted) throw new SlackFail('user_disabled');
      return { channel: { id: dmChannel(user).id } };
    },
    'conversations.list': (p) => {
      const types = (str(p, 'types') ?? 'public_channel').split(',');
      const excludeArchived = str(p, 'exclude_archived') === 'true';
      // Slack may return fewer than `limit`; the fake returns at most `pageSize` so paging is exercised.
      const limit = Math.min(Number(str(p, 'limit') ?? pageSize) || pageSize, pageSize, 1000);
      const offset = Number(Buffer.from(str(p, 'cursor') ?? '', 'base64').toString() || '0');
      const all = [...channels.values()].filter(
        (c) =>
          !c.id.startsWith('D') &&
          types.includes(c.isPrivate ? 'private_channel' : 'public_channel') &&
          !(excludeArchived && c.isArchived) &&
          // Private channels are listed only to members, as Slack does.
          !(c.isPrivate && c.isMember === false),
      );
      const page = all.slice(offset, offset + limit);
      const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64') : '';
      return {
        channels: page.map((c) => ({
          id: c.id,
          name: c.name,
          is_channel: !c.isPrivate,
          is_group: false,
          is_private: c.isPrivate ?? false,
          is_archived: c.isArchived ?? false,
          is_member: c.isMember ?? true,
        })),
        response_metadata: { next_cursor: next },
      };
    },
    'users.info': (p) => {
      const u = users.get(required(p, 'user'));
      if (!u) throw new SlackFail('user_not_found');
      return { user: userObject(u) };
    },
    'users.lookupByEmail': (p) => {
      const email = required(p, 'email').toLowerCase();
      const u = [...users.values()].find((x) => x.email?.toLowerCase() === email);
      if (!u) throw new SlackFail('users_not_found');
      return { user: userObject(u) };
    },
    'usergroups.users.list': (p) => {
      const g = groups.get(required(p, 'usergroup'));
      if (!g) throw new SlackFail('no_such_subteam');
      return { users: [...g.users] };
    },
    'files.getUploadURLExternal': (p) => {
      const filename = required(p, 'filename');
      const length = Number(required(p, 'length'));
      if (!Number.isInteger(length) || length <= 0) throw new SlackFail('invalid_arguments');
      const fileId = nextId('F');
      uploads.set(fileId, {
        fileId,
        filename,
        length,
        altText: str(p, 'alt_txt') ?? str(p, 'alt_text'),
        bytes: undefined,
        completed: false,
      });
      return { upload_url: `${url}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (p) => {
      const files = p['files'];
      if (!Array.isArray(files) || files.length === 0) throw new SlackFail('invalid_arguments');
      const done: Array<{ id: string; title: string | undefined }> = [];
      for (const f of files as Array<{ id?: unknown; title?: unknown }>) {
        const up = typeof f.id === 'string' ? uploads.get(f.id) : undefined;
        if (!up) throw new SlackFail('file_not_found');
        if (up.bytes === undefined) throw new SlackFail('file_upload_not_completed');
        up.completed = true;
        done.push({ id: up.fileId, title: typeof f.title === 'string' ? f.title : undefined });
      }
      const channelId = str(p, 'channel_id') ?? str(p, 'channels');
      if (channelId !== undefined) {
        const c = postable(channelId);
        const threadTs = str(p, 'thread_ts');
        if (threadTs !== undefined && !messages.some((m) => m.channel === c.id && m.ts === threadTs))
          throw new SlackFail('thread_not_found');
        messages.push({
          channel: c.id,
          ts: nextTs(),
          threadTs,
          text: str(p, 'initial_comment'),
          blocks: undefined,
          ephemeralTo: undefined,
          files: done,
          via: 'files.completeUploadExternal',
        });
      }
      return { files: done.map((f) => ({ id: f.id, title: f.title ?? '' })) };
    },
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const parseParams = (raw: Buffer, contentType: string | undefined): Params => {
    const text = raw.toString('utf8');
    if (contentType?.startsWith('application/json')) return text ? (JSON.parse(text) as Params) : {};
    const params: Params = {};
    for (const [k, v] of new URLSearchParams(text)) {
      if (JSON_FIELDS.has(k)) {
        try {
          params[k] = JSON.parse(v);
        } catch {
          params[k] = v;
        }
      } else params[k] = v;
    }
    return params;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    const raw = await readBody(req);
    const contentType = req.headers['content-type'];
    let params: Params;
    try {
      params = parseParams(raw, contentType);
    } catch {
      params = { _unparsable: raw.toString('utf8') };
    }
    const auth = req.headers.authorization;
    const callToken = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof params['token'] === 'string'
        ? (params['token'] as string)
        : undefined;
    const answer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const call = record({ method, params, token: callToken, contentType, status, response: body });
      sendOrHold(call, res, () => send(res, status, body, headers));
    };
    const q = queued.get(method)?.shift();
    if (q?.kind === 'ratelimit')
      return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(q.retryAfter) });
    if (q?.kind === 'error') return answer(200, { ok: false, error: q.error, ...q.extra });
    const impl = methods[method];
    if (!impl) return answer(200, { ok: false, error: 'unknown_method' });
    if (callToken === undefined) return answer(200, { ok: false, error: 'not_authed' });
    if (callToken !== token) return answer(200, { ok: false, error: 'invalid_auth' });
    try {
      return answer(200, { ok: true, ...impl(params) });
    } catch (err) {
      if (err instanceof SlackFail) return answer(200, { ok: false, error: err.error, ...err.extra });
      return answer(500, { ok: false, error: 'fatal_error' });
    }
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, key: string) => {
    const raw = await readBody(req);
    const contentType = req.headers['content-type'];
    let params: Params;
    try {
      params = JSON.parse(raw.toString('utf8')) as Params;
    } catch {
      record({
        method: 'response_url',
        params: { _key: key },
        token: undefined,
        contentType,
        status: 400,
        response: 'invalid_payload',
      });
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end('invalid_payload');
    }
    const full = { ...params, _key: key };
    const q = queued.get('response_url')?.shift();
    if (q) {
      const status = q.kind === 'ratelimit' ? 429 : 404;
      const body = q.kind === 'ratelimit' ? 'rate_limited' : q.error;
      record({ method: 'response_url', params: full, token: undefined, contentType, status, response: body });
      res.writeHead(status, { 'content-type': 'text/plain' });
      return res.end(body);
    }
    const blocks = params['blocks'];
    const problems =
      blocks === undefined
        ? []
        : Array.isArray(blocks)
          ? blockProblems(blocks, 50)
          : ['blocks must be a list'];
    if (
      problems.length > 0 ||
      (params['delete_original'] !== true && blocks === undefined && typeof params['text'] !== 'string')
    ) {
      const error = problems.length > 0 ? 'invalid_blocks' : 'no_text';
      record({
        method: 'response_url',
        params: full,
        token: undefined,
        contentType,
        status: 400,
        response: { ok: false, error, errors: problems },
      });
      return send(res, 400, { ok: false, error, errors: problems });
    }
    const channel = responseChannels.get(key);
    if (channel !== undefined && params['delete_original'] !== true) {
      messages.push({
        channel,
        ts: nextTs(),
        threadTs: undefined,
        text: typeof params['text'] === 'string' ? params['text'] : undefined,
        blocks: blocks as unknown[] | undefined,
        ephemeralTo: params['response_type'] === 'in_channel' ? undefined : '(response_url)',
        files: [],
        via: 'response_url',
      });
    }
    const call = record({
      method: 'response_url',
      params: full,
      token: undefined,
      contentType,
      status: 200,
      response: { ok: true },
    });
    sendOrHold(call, res, () => send(res, 200, { ok: true }));
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const fail = (err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: String(err) });
    };
    if (req.method === 'POST' && path.startsWith('/api/')) {
      handleApi(req, res, path.slice('/api/'.length)).catch(fail);
      return;
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      handleResponseUrl(req, res, path.slice('/response/'.length)).catch(fail);
      return;
    }
    if (req.method === 'POST' && path.startsWith('/upload/')) {
      const fileId = path.slice('/upload/'.length);
      readBody(req)
        .then((bytes) => {
          const up = uploads.get(fileId);
          const status = up ? 200 : 404;
          if (up) up.bytes = bytes;
          record({
            method: 'file_upload',
            params: { fileId, length: bytes.length },
            token: undefined,
            contentType: req.headers['content-type'],
            status,
            response: status === 200 ? `OK - ${bytes.length}` : 'not found',
          });
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(status === 200 ? `OK - ${bytes.length}` : 'not found');
        })
        .catch(fail);
      return;
    }
    record({
      method: `unknown ${req.method} ${path}`,
      params: {},
      token: undefined,
      contentType: req.headers['content-type'],
      status: 404,
      response: 'not found',
    });
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const matching = (method: string, predicate?: (c: RecordedCall) => boolean) =>
    calls.filter((c) => c.method === method && (predicate === undefined || predicate(c)));

  const waitForCount = (
    method: string,
    n: number,
    predicate?: (c: RecordedCall) => boolean,
    timeoutMs = 10_000,
  ) =>
    new Promise<RecordedCall[]>((resolve, reject) => {
      const check = () => {
        const found = matching(method, predicate);
        if (found.length >= n) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found.slice(0, n));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const seen = calls.map((c) => `${c.seq}:${c.method}(${c.status})`).join(', ') || 'none';
        reject(new Error(`fake Slack: waited ${timeoutMs} ms for ${n} × ${method}; calls so far: ${seen}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });

  return {
    url,
    apiUrl: `${url}/api/`,
    token,
    teamId,
    botUserId,
    botId,
    responseUrl(channel?: string) {
      const key = randomBytes(6).toString('hex');
      responseChannels.set(key, channel);
      return `${url}/response/${key}`;
    },
    get calls() {
      return calls;
    },
    callsTo: (method) => matching(method),
    queueError(method, error, o = {}) {
      const list = queued.get(method) ?? [];
      for (let i = 0; i < (o.times ?? 1); i++) list.push({ kind: 'error', error, extra: o.extra ?? {} });
      queued.set(method, list);
    },
    queueRateLimit(method, retryAfter, times = 1) {
      const list = queued.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push({ kind: 'ratelimit', retryAfter });
      queued.set(method, list);
    },
    waitFor: async (method, predicate, timeoutMs) => {
      const [first] = await waitForCount(method, 1, predicate, timeoutMs);
      return first as RecordedCall;
    },
    waitForCount,
    messages: (channel) => messages.filter((m) => channel === undefined || m.channel === channel),
    homes,
    views,
    uploads,
    addChannel: (c) => void channels.set(c.id, c),
    addUser: (u) => void users.set(u.id, u),
    addUsergroup: (g) => void groups.set(g.id, g),
    holdNext(method, predicate) {
      let arrived!: (call: RecordedCall) => void;
      let release!: () => void;
      const arrivedP = new Promise<RecordedCall>((r) => {
        arrived = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      holds.push({ method, predicate, arrived, released });
      return { arrived: arrivedP, release };
    },
    clearCalls: () => {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

// ── Block Kit limits, as Slack enforces them ────────────────────────────────

type O = Record<string, unknown>;
const obj = (v: unknown): v is O => typeof v === 'object' && v !== null && !Array.isArray(v);
const txt = (v: unknown): string | undefined =>
  obj(v) && typeof v['text'] === 'string' ? v['text'] : undefined;

function tooLong(where: string, v: unknown, max: number, out: string[], required = true): void {
  const t = txt(v);
  if (t === undefined) {
    if (required) out.push(`${where} is required`);
  } else if (t.length > max) out.push(`${where} must be less than ${max + 1} characters`);
  else if (required && t.length === 0) out.push(`${where} must be at least 1 character`);
}

function elementProblems(e: unknown, where: string, out: string[]): void {
  if (!obj(e)) return void out.push(`${where} must be an object`);
  if (typeof e['action_id'] === 'string' && e['action_id'].length > 255)
    out.push(`${where}/action_id must be less than 256 characters`);
  if (e['type'] === 'button') {
    tooLong(`${where}/text`, e['text'], 75, out);
    if (typeof e['value'] === 'string' && e['value'].length > 2000)
      out.push(`${where}/value must be less than 2001 characters`);
    if (typeof e['url'] === 'string' && e['url'].length > 3000)
      out.push(`${where}/url must be less than 3001 characters`);
  }
  if (Array.isArray(e['options']) && e['options'].length > 100)
    out.push(`${where}/options must have at most 100 items`);
}

/** What Slack would complain about in these blocks (json-pointer style paths). */
export function blockProblems(blocks: unknown[], maxBlocks: number): string[] {
  const out: string[] = [];
  if (blocks.length > maxBlocks) out.push(`/blocks must have at most ${maxBlocks} items`);
  const ids = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const at = `/blocks/${i}`;
    if (!obj(b) || typeof b['type'] !== 'string') {
      out.push(`${at} must be a block`);
      continue;
    }
    const id = b['block_id'];
    if (typeof id === 'string') {
      if (id.length > 255) out.push(`${at}/block_id must be less than 256 characters`);
      if (ids.has(id)) out.push(`${at}/block_id duplicate block_id "${id}"`);
      ids.add(id);
    }
    switch (b['type']) {
      case 'section': {
        if (b['text'] === undefined && b['fields'] === undefined) out.push(`${at} must have text or fields`);
        if (b['text'] !== undefined) tooLong(`${at}/text`, b['text'], 3000, out);
        const f = b['fields'];
        if (Array.isArray(f)) {
          if (f.length > 10) out.push(`${at}/fields must have at most 10 items`);
          for (const [j, x] of f.entries()) tooLong(`${at}/fields/${j}`, x, 2000, out);
        }
        if (b['accessory'] !== undefined) elementProblems(b['accessory'], `${at}/accessory`, out);
        break;
      }
      case 'header':
        tooLong(`${at}/text`, b['text'], 150, out);
        break;
      case 'context': {
        const els = Array.isArray(b['elements']) ? b['elements'] : [];
        if (els.length === 0 || els.length > 10) out.push(`${at}/elements must have 1 to 10 items`);
        break;
      }
      case 'actions': {
        const els = Array.isArray(b['elements']) ? b['elements'] : [];
        if (els.length === 0 || els.length > 25) out.push(`${at}/elements must have 1 to 25 items`);
        for (const [j, e] of els.entries()) elementProblems(e, `${at}/elements/${j}`, out);
        break;
      }
      case 'input':
        tooLong(`${at}/label`, b['label'], 2000, out);
        elementProblems(b['element'], `${at}/element`, out);
        break;
      default:
        break;
    }
  }
  return out;
}

/** Modal and Home tab checks: block count, title/submit/close length, metadata. */
export function viewProblems(view: unknown): string[] {
  if (!obj(view)) return ['/view must be an object'];
  const out: string[] = [];
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') out.push('/view/type must be modal or home');
  if (type === 'modal') {
    tooLong('/view/title', view['title'], 24, out);
    tooLong('/view/submit', view['submit'], 24, out, false);
    tooLong('/view/close', view['close'], 24, out, false);
  }
  if (typeof view['private_metadata'] === 'string' && view['private_metadata'].length > 3000)
    out.push('/view/private_metadata must be less than 3001 characters');
  if (typeof view['callback_id'] === 'string' && view['callback_id'].length > 255)
    out.push('/view/callback_id must be less than 256 characters');
  const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
  out.push(...blockProblems(blocks, 100).map((p) => `/view${p}`));
  return out;
}
