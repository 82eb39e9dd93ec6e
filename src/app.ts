/**
 * Composition root: the Slack app, its gateway and access checks, the listeners and the
 * scheduler, put together from ServiceDeps. Used by `finops start` and by the tests (port 0).
 */
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { InputError } from './lib/errors.ts';
import type { ServiceDeps } from './services/deps.ts';
import { startScheduler, type Scheduler, type SchedulerOptions } from './jobs/scheduler.ts';
import { JOBS } from './jobs/registry.ts';
import type { JobDefinition } from './jobs/types.ts';
import { type Access, createAccess } from './slack/access.ts';
import { createBoltApp, EVENTS_PATH, slackSettingsFromEnv } from './slack/bolt.ts';
import { createSlackGateway, type GatewayOptions, type SlackGateway } from './slack/gateway.ts';
import { registerListeners, type ResolvedChannels } from './slack/register.ts';

export interface CreateAppOptions {
  deps: ServiceDeps;
  /** Where start-up and shutdown progress is printed (the CLI's stdout); silent when absent. */
  io?: { stdout(text: string): void };
  /** Overrides PORT (tests pass 0). */
  port?: number;
  /** HTTP bind address (tests pass 127.0.0.1); all interfaces when absent. */
  host?: string;
  /** The scheduled jobs (default: every job in src/jobs/registry.ts). */
  jobs?: JobDefinition[];
  /** false: no scheduler (tests of Slack surfaces); or scheduler options. Default on. */
  scheduler?: boolean | Pick<SchedulerOptions, 'catchUpMs' | 'leaseMs' | 'onOutcome'>;
  /** Skips auth.test when known. */
  botInfo?: { botId: string; botUserId: string };
  /** Gateway tuning (tests inject `sleep` to observe rate-limit waits). */
  gateway?: Omit<GatewayOptions, 'logger'>;
}

export interface FinopsApp {
  /** Resolves config channels, starts Slack (HTTP or Socket Mode) and the scheduler. */
  start(): Promise<{ mode: 'http' | 'socket'; port?: number }>;
  /** Stops the scheduler (waiting for running jobs) and Slack. Safe to call twice. */
  stop(): Promise<void>;
  readonly bolt: App;
  readonly gateway: SlackGateway;
  readonly access: Access;
  readonly channels: ResolvedChannels;
}

export function createApp(opts: CreateAppOptions): FinopsApp {
  const { deps } = opts;
  const say = (line: string) => opts.io?.stdout(`finops-review: ${line}\n`);
  const settings = slackSettingsFromEnv(deps.env);
  if (!settings) {
    throw new InputError('slack_settings', 'SLACK_BOT_TOKEN is not set: the Slack app needs a bot token');
  }
  const bolt = createBoltApp(settings, { logger: deps.logger, botInfo: opts.botInfo });
  const gateway = createSlackGateway(bolt.client, { logger: deps.logger, ...opts.gateway });
  const access = createAccess({ config: deps.config, directory: gateway, logger: deps.logger });
  const teams = new Map<string, string>();
  const channels: { review: string; teams: ReadonlyMap<string, string> } = { review: '', teams };
  registerListeners(bolt, { deps, gateway, access, channels });

  let scheduler: Scheduler | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  async function resolveChannels(): Promise<void> {
    const wanted: Array<[string, string | undefined]> = [
      ['review', deps.config.review.channel],
      ...deps.config.teams.map((t): [string, string | undefined] => [`team:${t.id}`, t.channel]),
    ];
    const missing: string[] = [];
    await Promise.all(
      wanted.map(async ([key, ref]) => {
        if (!ref) return;
        try {
          const id = await gateway.resolveChannel(ref);
          if (key === 'review') channels.review = id;
          else teams.set(key.slice('team:'.length), id);
        } catch (err) {
          if (err instanceof InputError && err.code === 'channel_not_found') missing.push(ref);
          else throw err;
        }
      }),
    );
    if (missing.length > 0) {
      throw new InputError(
        'channel_not_found',
        `Slack channel(s) in the config not found: ${missing.sort().join(', ')} (create them, invite the bot to private ones, or fix the config)`,
      );
    }
  }

  return {
    bolt,
    gateway,
    access,
    channels,
    async start() {
      if (started) throw new Error('the app is already started');
      started = true;
      say('resolving the Slack channels named in the config…');
      await resolveChannels();
      say(`review channel ${deps.config.review.channel} → ${channels.review}; ${teams.size} team channel(s)`);
      let result: { mode: 'http' | 'socket'; port?: number };
      if (settings.appToken) {
        await bolt.start();
        say('connected to Slack over Socket Mode');
        result = { mode: 'socket' };
      } else {
        const port = opts.port ?? settings.port;
        const server = (await bolt.start(opts.host !== undefined ? { port, host: opts.host } : port)) as {
          address(): AddressInfo | string | null;
        };
        const addr = server.address();
        const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
        say(
          `listening for Slack on http://${opts.host ?? '0.0.0.0'}:${bound}${EVENTS_PATH} (signatures verified)`,
        );
        result = { mode: 'http', port: bound };
      }
      if (opts.scheduler !== false) {
        const jobs = opts.jobs ?? JOBS;
        scheduler = startScheduler({
          deps,
          messenger: gateway,
          jobs,
          ...(typeof opts.scheduler === 'object' ? opts.scheduler : {}),
        });
        say(
          `scheduler started: ${jobs.length} job(s)${jobs.length > 0 ? ` (${jobs.map((j) => j.name).join(', ')})` : ''} in ${deps.config.timezone}`,
        );
      }
      return result;
    },
    stop() {
      stopping ??= (async () => {
        if (!started) return;
        say('stopping…');
        // Both at once: the HTTP receiver stops accepting (requests in flight finish) while the
        // running jobs reach their next safe point, so a load balancer sees the replica leave at
        // once instead of after the longest job.
        await Promise.all([
          scheduler?.stop(),
          bolt.stop().catch((err: unknown) => deps.logger.warn('error while stopping Slack', { error: err })),
        ]);
        say('stopped');
      })();
      return stopping;
    },
  };
}
