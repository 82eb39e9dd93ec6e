/**
 * Builds the @slack/bolt 5 App. Transport only: Socket Mode when SLACK_APP_TOKEN is set, else the
 * HTTP receiver (signature verification on, `/slack/events`, a `/healthz` route for load
 * balancers). SLACK_API_URL points the WebClient elsewhere (tests: the fake Slack).
 */
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Env } from '../cli/context.ts';
import { InputError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';

export interface SlackSettings {
  botToken: string;
  /** HTTP mode: requests are verified with it. */
  signingSecret: string | undefined;
  /** Socket Mode when set (xapp-…). */
  appToken: string | undefined;
  /** Web API base, always ending in "/". */
  apiUrl: string | undefined;
  port: number;
}

/** Slack settings from the environment; undefined when SLACK_BOT_TOKEN is absent (local preview). */
export function slackSettingsFromEnv(env: Env): SlackSettings | undefined {
  const botToken = env['SLACK_BOT_TOKEN'];
  if (!botToken) return undefined;
  const signingSecret = env['SLACK_SIGNING_SECRET'] || undefined;
  const appToken = env['SLACK_APP_TOKEN'] || undefined;
  if (!signingSecret && !appToken) {
    throw new InputError(
      'slack_settings',
      'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is: set one of them',
    );
  }
  if (appToken && !appToken.startsWith('xapp-')) {
    throw new InputError(
      'slack_settings',
      'SLACK_APP_TOKEN must be an app-level token starting with "xapp-"',
    );
  }
  const rawPort = env['PORT'] ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new InputError('bad_port', `PORT must be a number from 0 to 65535, got "${rawPort}"`);
  }
  return { botToken, signingSecret, appToken, apiUrl: normaliseApiUrl(env['SLACK_API_URL']), port };
}

/** `http://host/api` → `http://host/api/` (WebClient joins method names onto it). */
export function normaliseApiUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.endsWith('/') ? url : `${url}/`;
}

/** Bolt's logger interface over ours (which redacts secrets). */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  let name = 'bolt';
  const line = (msg: unknown[]) =>
    `${name}: ${msg.map((m) => (typeof m === 'string' ? m : safe(m))).join(' ')}`;
  return {
    debug: (...m: unknown[]) => logger.debug(line(m)),
    info: (...m: unknown[]) => logger.info(line(m)),
    warn: (...m: unknown[]) => logger.warn(line(m)),
    error: (...m: unknown[]) => logger.error(line(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}

function safe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export interface BoltAppOptions {
  logger: Logger;
  /** Skips auth.test at start-up when known. */
  botInfo?: { botId: string; botUserId: string } | undefined;
}

export function createBoltApp(settings: SlackSettings, opts: BoltAppOptions): App {
  const logger = boltLogger(opts.logger);
  const clientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    // 429s are retried by the gateway (bounded, observable); transport errors twice, quickly.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
  };
  const common = {
    token: settings.botToken,
    logger,
    clientOptions,
    ...(opts.botInfo ? { botId: opts.botInfo.botId, botUserId: opts.botInfo.botUserId } : {}),
  };
  if (settings.appToken) {
    return new App({
      ...common,
      socketMode: true,
      appToken: settings.appToken,
      // Larger ping timeouts avoid the reconnect loops reported in bolt-js #2496.
      receiver: new SocketModeReceiver({
        appToken: settings.appToken,
        logger,
        clientPingTimeout: 20_000,
        serverPingTimeout: 60_000,
      }),
    });
  }
  const signingSecret = settings.signingSecret as string;
  return new App({
    ...common,
    receiver: new HTTPReceiver({
      signingSecret,
      endpoints: EVENTS_PATH,
      logger,
      signatureVerification: true,
      processBeforeResponse: false,
      customRoutes: [
        {
          path: HEALTH_PATH,
          method: ['GET'],
          handler: (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          },
        },
      ],
    }),
  });
}
