/**
 * Talking to the app as Slack does: signed requests (v0 HMAC-SHA256) with exactly Slack's
 * content types — `application/x-www-form-urlencoded` (no charset; the body sent as a string,
 * because fetch would add `;charset=UTF-8` to URLSearchParams and Bolt compares the header
 * exactly) for commands and interactions, `application/json` for the Events API — and a helper
 * that starts the whole app on port 0 against the fake Slack and a fresh test database.
 * Payload shapes come from test/fixtures/slack (see its README).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CreateAppOptions, createApp, type FinopsApp } from '../../src/app.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { type Backend, createTestDb, type TestDb } from './db.ts';

export const TEST_SIGNING_SECRET = 'test-signing-secret-7c1f0e9a2b';
export const FORM = 'application/x-www-form-urlencoded';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.resolve('test/fixtures/slack', name), 'utf8')) as Record<string, unknown>;

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, as Slack signs requests. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch for the timestamp header (default: now). */
  timestamp?: number;
  /** Replaces the computed signature (wrong-signature tests). */
  signature?: string;
  /** Sign with another secret. */
  secret?: string;
  /** Leave these headers out. */
  omit?: Array<'x-slack-signature' | 'x-slack-request-timestamp'>;
  /** Overrides the content type (e.g. to show a charset breaks Bolt's parsing). */
  contentType?: string;
}

export interface SlashCommandArgs {
  text: string;
  userId?: string;
  channelId?: string;
  /** Default: a fresh response_url on the fake, bound to the channel. */
  responseUrl?: string;
  triggerId?: string;
}

export interface ButtonClickArgs {
  actionId: string;
  value?: string;
  userId?: string;
  channelId?: string;
  blockId?: string;
  responseUrl?: string;
  /** Ephemeral container (an answer to a slash command) by default. */
  messageTs?: string;
  isEphemeral?: boolean;
  triggerId?: string;
}

export interface ViewSubmissionArgs {
  callbackId: string;
  /** `state.values`: block_id → action_id → element state (`{ type, value }`, `{ type, selected_user }`…). */
  values: Record<string, Record<string, Record<string, unknown>>>;
  userId?: string;
  privateMetadata?: string;
  viewId?: string;
}

export interface MessageShortcutArgs {
  callbackId: string;
  userId?: string;
  channelId?: string;
  message: { ts: string; text: string; user?: string };
  triggerId?: string;
  responseUrl?: string;
}

export interface SlackSender {
  /** The app's events URL (`http://127.0.0.1:PORT/slack/events`). */
  url: string;
  /** Sends a raw body with the given content type, signed unless told otherwise. */
  send(body: string, contentType: string, opts?: SendOptions): Promise<Response>;
  slashCommand(args: SlashCommandArgs, opts?: SendOptions): Promise<{ res: Response; responseUrl: string }>;
  buttonClick(args: ButtonClickArgs, opts?: SendOptions): Promise<{ res: Response; responseUrl: string }>;
  /** Any interactive payload (`payload=` form field holding JSON). */
  interaction(payload: Record<string, unknown>, opts?: SendOptions): Promise<Response>;
  viewSubmission(args: ViewSubmissionArgs, opts?: SendOptions): Promise<Response>;
  messageShortcut(args: MessageShortcutArgs, opts?: SendOptions): Promise<Response>;
  /** An Events API callback wrapping `event`, sent as JSON. */
  event(event: Record<string, unknown>, opts?: SendOptions): Promise<Response>;
  appHomeOpened(userId: string, opts?: SendOptions): Promise<Response>;
}

let counter = 0;
const triggerId = () => `${Date.now()}.${++counter}.test`;

export function slackSender(opts: {
  url: string;
  fake: FakeSlack;
  signingSecret?: string;
  teamId?: string;
  /** Seconds clock for timestamps. */
  nowSeconds?: () => number;
}): SlackSender {
  const secret = opts.signingSecret ?? TEST_SIGNING_SECRET;
  const teamId = opts.teamId ?? opts.fake.teamId;
  const nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  const send = (body: string, contentType: string, o: SendOptions = {}): Promise<Response> => {
    const ts = o.timestamp ?? nowSeconds();
    const headers: Record<string, string> = {
      'content-type': o.contentType ?? contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': o.signature ?? slackSignature(o.secret ?? secret, ts, body),
    };
    for (const h of o.omit ?? []) delete headers[h];
    return fetch(opts.url, { method: 'POST', headers, body });
  };

  const interaction = (payload: Record<string, unknown>, o?: SendOptions) =>
    send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, FORM, o);

  return {
    url: opts.url,
    send,
    async slashCommand(args, o) {
      const base = fixture('slash_command.parsed.json');
      const channelId = args.channelId ?? 'C0GENERAL1';
      const responseUrl = args.responseUrl ?? opts.fake.responseUrl(channelId);
      const fields: Record<string, string> = {
        ...(base as Record<string, string>),
        team_id: teamId,
        team_domain: 'finops-test',
        channel_id: channelId,
        channel_name: 'general',
        user_id: args.userId ?? 'U0ADA00001',
        user_name: 'ada',
        command: '/finops',
        text: args.text,
        response_url: responseUrl,
        trigger_id: args.triggerId ?? triggerId(),
        api_app_id: 'A0FINOPS01',
        is_enterprise_install: 'false',
      };
      delete fields['enterprise_id'];
      delete fields['enterprise_name'];
      const res = await send(new URLSearchParams(fields).toString(), FORM, o);
      return { res, responseUrl };
    },
    async buttonClick(args, o) {
      const base = fixture('block_actions.json');
      const channelId = args.channelId ?? 'C0GENERAL1';
      const responseUrl = args.responseUrl ?? opts.fake.responseUrl(channelId);
      const userId = args.userId ?? 'U0ADA00001';
      const payload = {
        ...base,
        user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: teamId },
        api_app_id: 'A0FINOPS01',
        team: { id: teamId, domain: 'finops-test' },
        container: {
          type: 'message',
          message_ts: args.messageTs ?? '1767225600.000001',
          channel_id: channelId,
          is_ephemeral: args.isEphemeral ?? true,
        },
        channel: { id: channelId, name: 'general' },
        trigger_id: args.triggerId ?? triggerId(),
        response_url: responseUrl,
        actions: [
          {
            action_id: args.actionId,
            block_id: args.blockId ?? 'b',
            text: { type: 'plain_text', text: 'Button', emoji: true },
            ...(args.value !== undefined ? { value: args.value } : {}),
            type: 'button',
            action_ts: `${Math.floor(Date.now() / 1000)}.000001`,
          },
        ],
      };
      const res = await interaction(payload, o);
      return { res, responseUrl };
    },
    interaction,
    viewSubmission(args, o) {
      const base = fixture('view_submission.json');
      const baseView = base['view'] as Record<string, unknown>;
      const userId = args.userId ?? 'U0ADA00001';
      const payload = {
        ...base,
        team: { id: teamId, domain: 'finops-test' },
        user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: teamId },
        api_app_id: 'A0FINOPS01',
        trigger_id: triggerId(),
        view: {
          ...baseView,
          id: args.viewId ?? 'V0TEST0001',
          team_id: teamId,
          callback_id: args.callbackId,
          private_metadata: args.privateMetadata ?? '',
          state: { values: args.values },
          app_installed_team_id: teamId,
        },
        response_urls: [],
      };
      return interaction(payload, o);
    },
    messageShortcut(args, o) {
      const channelId = args.channelId ?? 'C0GENERAL1';
      const userId = args.userId ?? 'U0ADA00001';
      return interaction(
        {
          type: 'message_action',
          callback_id: args.callbackId,
          trigger_id: args.triggerId ?? triggerId(),
          action_ts: `${Math.floor(Date.now() / 1000)}.000002`,
          team: { id: teamId, domain: 'finops-test' },
          user: { id: userId, name: userId.toLowerCase(), team_id: teamId },
          channel: { id: channelId, name: 'general' },
          message: {
            type: 'message',
            user: args.message.user ?? 'U0GRACE001',
            ts: args.message.ts,
            text: args.message.text,
          },
          message_ts: args.message.ts,
          response_url: args.responseUrl ?? opts.fake.responseUrl(channelId),
          token: 'verification_token',
          is_enterprise_install: false,
        },
        o,
      );
    },
    event(event, o) {
      const body = JSON.stringify({
        token: 'verification_token',
        team_id: teamId,
        api_app_id: 'A0FINOPS01',
        event,
        type: 'event_callback',
        event_id: `Ev${Date.now()}${++counter}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [
          { team_id: teamId, user_id: opts.fake.botUserId, is_bot: true, is_enterprise_install: false },
        ],
        is_ext_shared_channel: false,
      });
      return send(body, 'application/json', o);
    },
    appHomeOpened(userId, o) {
      return this.event(
        {
          type: 'app_home_opened',
          user: userId,
          channel: `D${userId.slice(1)}`,
          tab: 'home',
          event_ts: `${Date.now() / 1000}`,
        },
        o,
      );
    },
  };
}

/** A small valid config on the fake's default seed: two teams, two product lines, finance via a user group. */
export const TEST_CONFIG: ConfigInput = {
  timezone: 'Europe/Berlin',
  review: { channel: '#finops-review' },
  access: { finance_viewers: ['S0FINANCE1'], admins: ['U0ADMIN001'] },
  rates: [
    {
      effective_from: '2026-01-01',
      levels: { junior: 70, mid: 95, senior: 125, staff: 150, principal: 180 },
    },
  ],
  teams: [
    { id: 'payments', channel: '#team-payments' },
    { id: 'search', channel: '#team-search' },
  ],
  product_lines: [
    { id: 'checkout', name: 'Checkout', team: 'payments', repos: ['acme/checkout-api'] },
    { id: 'search-ai', name: 'Search AI', team: 'search', repos: ['acme/search'] },
  ],
};

export function testConfig(overrides: Partial<ConfigInput> = {}): { config: Config; hash: string } {
  return validateConfig({ ...TEST_CONFIG, ...overrides }, 'test-config');
}

export interface TestAppOptions {
  backend?: Backend;
  config?: Partial<ConfigInput>;
  /** Use this fake (left running at close); otherwise one is started and closed. */
  fake?: FakeSlack;
  /** Extra environment (SLACK_* are set for the fake unless given). */
  env?: Record<string, string>;
  now?: () => Date;
  /** Default false: Slack-surface tests do not need ticking jobs. */
  scheduler?: CreateAppOptions['scheduler'];
  jobs?: CreateAppOptions['jobs'];
  gateway?: CreateAppOptions['gateway'];
}

export interface TestApp {
  app: FinopsApp;
  fake: FakeSlack;
  db: TestDb;
  deps: ServiceDeps;
  port: number;
  slack: SlackSender;
  /** Every log line the app wrote (secrets redacted). */
  logs: string[];
  /** What the app printed on its stdout. */
  stdout: string[];
  close(): Promise<void>;
}

/** Starts the real app (HTTP receiver on 127.0.0.1:0) against the fake Slack and a fresh database. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const { config, hash } = testConfig(opts.config);
  const fake = opts.fake ?? (await startFakeSlack());
  const db = await createTestDb(opts.backend ?? 'pglite');
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    // Without the trailing slash on purpose: the app must normalise it.
    SLACK_API_URL: `${fake.url}/api`,
    ...opts.env,
  };
  const logs: string[] = [];
  const stdout: string[] = [];
  const logger: Logger = createLogger({
    level: 'debug',
    write: (l) => logs.push(l),
    secrets: [env['SLACK_BOT_TOKEN'], env['SLACK_SIGNING_SECRET'], env['SLACK_APP_TOKEN']],
  });
  const deps: ServiceDeps = {
    db: db.db,
    config,
    configHash: hash,
    logger,
    now: opts.now ?? (() => new Date()),
    env,
    dataDir: '/nonexistent-test-data-dir',
  };
  let app: FinopsApp | undefined;
  try {
    app = createApp({
      deps,
      io: { stdout: (t) => stdout.push(t) },
      port: 0,
      host: '127.0.0.1',
      scheduler: opts.scheduler ?? false,
      ...(opts.jobs ? { jobs: opts.jobs } : {}),
      ...(opts.gateway ? { gateway: opts.gateway } : {}),
    });
    const started = await app.start();
    const port = started.port as number;
    const running = app;
    return {
      app: running,
      fake,
      db,
      deps,
      port,
      slack: slackSender({ url: `http://127.0.0.1:${port}/slack/events`, fake }),
      logs,
      stdout,
      async close() {
        await running.stop();
        if (!opts.fake) await fake.close();
        await db.close();
      },
    };
  } catch (err) {
    await app?.stop().catch(() => undefined);
    if (!opts.fake) await fake.close();
    await db.close();
    throw err;
  }
}
