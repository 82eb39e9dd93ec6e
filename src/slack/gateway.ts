/**
 * The one place that talks to Slack's Web API. Implements the services' Messenger port plus the
 * view calls the interactions need. Every call goes through `call()`, which
 * - retries a 429 after its `Retry-After` (bounded: a few attempts, a capped wait), and
 * - turns `ok:false` into a SlackApiError carrying Slack's error code (`channel_not_found`…).
 * Payloads are checked against Block Kit limits before they leave, so a renderer bug shows up as
 * a clear list of problems rather than Slack's terse `invalid_blocks`.
 */
import { webApi } from '@slack/bolt';
import { validateMessage, validateView } from '../blocks/limits.ts';
import { FinopsError, InputError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Messenger, SlackMessage } from '../services/deps.ts';

export type WebClient = InstanceType<typeof webApi.WebClient>;

/** Slack answered `ok:false`; `slackError` is Slack's code (`channel_not_found`, `not_in_channel`…). */
export class SlackApiError extends FinopsError {
  readonly method: string;
  readonly slackError: string;
  readonly details: readonly string[];
  constructor(method: string, slackError: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(
      `slack_${slackError}`,
      `Slack ${method} failed: ${slackError}${details.length > 0 ? ` (${details.join('; ')})` : ''}`,
      'runtime',
      options,
    );
    this.name = 'SlackApiError';
    this.method = method;
    this.slackError = slackError;
    this.details = details;
  }
}

/** Still rate limited after the bounded retries (or the wait asked for was too long). */
export class SlackRateLimitedError extends FinopsError {
  readonly method: string;
  readonly retryAfterSeconds: number;
  constructor(method: string, retryAfterSeconds: number) {
    super('slack_ratelimited', `Slack ${method} is rate limited (retry after ${retryAfterSeconds} s)`);
    this.name = 'SlackRateLimitedError';
    this.method = method;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A modal or Home tab view, as Block Kit JSON. */
export type SlackView = Record<string, unknown> & { type: 'modal' | 'home'; blocks: unknown[] };

export interface SlackGateway extends Messenger {
  /** views.open with a trigger_id (valid ~3 s after the click: call it before slow work). */
  openView(triggerId: string, view: SlackView): Promise<{ id: string }>;
  updateView(viewId: string, view: SlackView, hash?: string): Promise<void>;
  publishHome(userId: string, view: SlackView): Promise<void>;
  /** users.lookupByEmail → the user id, or null when no user has that email. */
  lookupUserByEmail(email: string): Promise<string | null>;
  authTest(): Promise<{ userId: string; botId: string | undefined; teamId: string; team: string }>;
  /** Forget cached channels, DM channels and user-group members. */
  clearCaches(): void;
}

export interface GatewayOptions {
  logger: Logger;
  /** Injected so tests observe the retry-after wait instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds clock for cache expiry. */
  nowMs?: () => number;
  /** 429 retries per call before giving up (default 3). */
  maxRateLimitRetries?: number;
  /** Longest Retry-After we wait for, in seconds (default 60); longer fails at once. */
  maxRetryAfterSeconds?: number;
  /** How long channel lists and user-group members are trusted (default 5 min). */
  cacheTtlMs?: number;
  /** For the file upload POST (defaults to global fetch). */
  fetch?: typeof fetch;
}

const CHANNEL_ID_RE = /^[CGD][A-Z0-9]{6,}$/;
const USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;

type Result = Record<string, unknown>;

export function createSlackGateway(client: WebClient, opts: GatewayOptions): SlackGateway {
  const log = opts.logger;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const nowMs = opts.nowMs ?? Date.now;
  const maxRetries = opts.maxRateLimitRetries ?? 3;
  const maxWait = opts.maxRetryAfterSeconds ?? 60;
  const ttl = opts.cacheTtlMs ?? 5 * 60_000;
  const doFetch = opts.fetch ?? fetch;

  let channelCache: { at: number; byName: Map<string, string> } | undefined;
  let channelRefresh: Promise<Map<string, string>> | undefined;
  const dmChannels = new Map<string, string>();
  const groupCache = new Map<string, { at: number; members: Promise<string[]> }>();

  async function call(method: string, args: Record<string, unknown>): Promise<Result> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await client.apiCall(method, args)) as unknown as Result;
      } catch (err) {
        const e = err as {
          code?: string;
          retryAfter?: number;
          data?: { error?: string; response_metadata?: { messages?: string[] }; errors?: string[] };
        };
        if (e.code === webApi.ErrorCode.RateLimitedError) {
          const wait = e.retryAfter ?? 1;
          if (attempt >= maxRetries || wait > maxWait) throw new SlackRateLimitedError(method, wait);
          log.warn(
            `Slack ${method} rate limited; retrying in ${wait} s (attempt ${attempt + 1} of ${maxRetries})`,
          );
          await sleep(wait * 1000);
          continue;
        }
        if (e.code === webApi.ErrorCode.PlatformError) {
          const details = e.data?.response_metadata?.messages ?? e.data?.errors ?? [];
          throw new SlackApiError(method, e.data?.error ?? 'unknown_error', details, { cause: err });
        }
        if (e.code === webApi.ErrorCode.HTTPError) {
          throw new SlackApiError(
            method,
            `http_${(err as { statusCode?: number }).statusCode ?? 'error'}`,
            [],
            { cause: err },
          );
        }
        throw new SlackApiError(method, 'request_failed', [(err as Error).message], { cause: err });
      }
    }
  }

  const checked = (method: string, msg: SlackMessage): void => {
    const problems = validateMessage(msg);
    if (problems.length > 0)
      throw new FinopsError(
        'slack_payload_invalid',
        `${method}: message breaks Block Kit limits: ${problems.join('; ')}`,
      );
  };

  const messageArgs = (msg: SlackMessage & { threadTs?: string }) => ({
    text: msg.text,
    ...(msg.blocks ? { blocks: msg.blocks } : {}),
    ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
    unfurl_links: false,
    unfurl_media: false,
  });

  async function listChannels(): Promise<Map<string, string>> {
    const byName = new Map<string, string>();
    let cursor: string | undefined;
    // Bounded: 100 pages of up to 1000 channels.
    for (let page = 0; page < 100; page++) {
      const res = await call('conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const c of (res['channels'] as Array<{ id: string; name: string }> | undefined) ?? [])
        byName.set(c.name.toLowerCase(), c.id);
      cursor = (res['response_metadata'] as { next_cursor?: string } | undefined)?.next_cursor || undefined;
      if (!cursor) break;
    }
    channelCache = { at: nowMs(), byName };
    return byName;
  }

  function refreshChannels(): Promise<Map<string, string>> {
    channelRefresh ??= listChannels().finally(() => {
      channelRefresh = undefined;
    });
    return channelRefresh;
  }

  async function openDm(user: string): Promise<string> {
    const known = dmChannels.get(user);
    if (known) return known;
    const res = await call('conversations.open', { users: user });
    const id = (res['channel'] as { id?: string } | undefined)?.id;
    if (!id) throw new SlackApiError('conversations.open', 'no_channel_in_response');
    dmChannels.set(user, id);
    return id;
  }

  const gateway: SlackGateway = {
    async post(channel, msg) {
      checked('chat.postMessage', msg);
      const res = await call('chat.postMessage', { channel, ...messageArgs(msg) });
      return { channel: String(res['channel'] ?? channel), ts: String(res['ts']) };
    },

    async update(channel, ts, msg) {
      checked('chat.update', msg);
      await call('chat.update', {
        channel,
        ts,
        text: msg.text,
        ...(msg.blocks ? { blocks: msg.blocks } : {}),
      });
    },

    async postEphemeral(channel, user, msg) {
      checked('chat.postEphemeral', msg);
      await call('chat.postEphemeral', { channel, user, ...messageArgs(msg) });
    },

    async dm(user, msg) {
      checked('chat.postMessage', msg);
      const channel = await openDm(user);
      const res = await call('chat.postMessage', { channel, ...messageArgs(msg) });
      return { channel: String(res['channel'] ?? channel), ts: String(res['ts']) };
    },

    async uploadFile(channel, file) {
      const got = await call('files.getUploadURLExternal', {
        filename: file.filename,
        length: file.data.length,
        alt_text: file.altText,
      });
      const uploadUrl = String(got['upload_url']);
      const fileId = String(got['file_id']);
      const res = await doFetch(uploadUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(file.data),
      });
      if (!res.ok)
        throw new SlackApiError('file upload', `http_${res.status}`, [await res.text().catch(() => '')]);
      await call('files.completeUploadExternal', {
        files: [{ id: fileId, title: file.title }],
        channel_id: channel,
        ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
      });
    },

    async resolveChannel(nameOrId) {
      const ref = nameOrId.trim();
      if (CHANNEL_ID_RE.test(ref) || USER_ID_RE.test(ref)) return ref;
      const name = ref.replace(/^#/, '').toLowerCase();
      const fresh = channelCache && nowMs() - channelCache.at < ttl ? channelCache.byName : undefined;
      const hit = fresh?.get(name);
      if (hit) return hit;
      // A miss refreshes once: the channel may have been created since the last listing.
      const id = (await refreshChannels()).get(name);
      if (id) return id;
      throw new InputError(
        'channel_not_found',
        `Slack channel #${name} not found: create it, or invite the bot if it is private (/invite @finops), or fix the name in the config`,
      );
    },

    async permalink(channel, ts) {
      try {
        const res = await call('chat.getPermalink', { channel, message_ts: ts });
        return typeof res['permalink'] === 'string' ? res['permalink'] : null;
      } catch (err) {
        if (
          err instanceof SlackApiError &&
          ['message_not_found', 'channel_not_found'].includes(err.slackError)
        )
          return null;
        throw err;
      }
    },

    async userInfo(user) {
      try {
        const res = await call('users.info', { user });
        const u = res['user'] as {
          id: string;
          deleted?: boolean;
          name?: string;
          real_name?: string;
          tz?: string;
        };
        return {
          id: u.id,
          deleted: u.deleted === true,
          ...(u.real_name || u.name ? { name: (u.real_name || u.name) as string } : {}),
          ...(u.tz ? { tz: u.tz } : {}),
        };
      } catch (err) {
        if (err instanceof SlackApiError && err.slackError === 'user_not_found') return null;
        throw err;
      }
    },

    usergroupMembers(group) {
      const cached = groupCache.get(group);
      if (cached && nowMs() - cached.at < ttl) return cached.members;
      const members = call('usergroups.users.list', { usergroup: group }).then(
        (res) => (res['users'] as string[] | undefined) ?? [],
      );
      groupCache.set(group, { at: nowMs(), members });
      // A failure is not cached: the next question asks Slack again.
      members.catch(() => groupCache.delete(group));
      return members;
    },

    async openView(triggerId, view) {
      const problems = validateView(view);
      if (problems.length > 0)
        throw new FinopsError(
          'slack_payload_invalid',
          `views.open: view breaks Block Kit limits: ${problems.join('; ')}`,
        );
      const res = await call('views.open', { trigger_id: triggerId, view });
      return { id: String((res['view'] as { id?: string } | undefined)?.id ?? '') };
    },

    async updateView(viewId, view, hash) {
      const problems = validateView(view);
      if (problems.length > 0)
        throw new FinopsError(
          'slack_payload_invalid',
          `views.update: view breaks Block Kit limits: ${problems.join('; ')}`,
        );
      await call('views.update', { view_id: viewId, view, ...(hash ? { hash } : {}) });
    },

    async publishHome(userId, view) {
      const problems = validateView(view);
      if (problems.length > 0)
        throw new FinopsError(
          'slack_payload_invalid',
          `views.publish: view breaks Block Kit limits: ${problems.join('; ')}`,
        );
      await call('views.publish', { user_id: userId, view });
    },

    async lookupUserByEmail(email) {
      try {
        const res = await call('users.lookupByEmail', { email });
        return (res['user'] as { id?: string } | undefined)?.id ?? null;
      } catch (err) {
        if (err instanceof SlackApiError && err.slackError === 'users_not_found') return null;
        throw err;
      }
    },

    async authTest() {
      const res = await call('auth.test', {});
      return {
        userId: String(res['user_id']),
        botId: typeof res['bot_id'] === 'string' ? res['bot_id'] : undefined,
        teamId: String(res['team_id']),
        team: String(res['team'] ?? ''),
      };
    },

    clearCaches() {
      channelCache = undefined;
      dmChannels.clear();
      groupCache.clear();
    },
  };
  return gateway;
}
