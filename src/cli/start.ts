/**
 * `finops start`: with Slack tokens, runs the bot (Slack + scheduler) until SIGINT/SIGTERM and
 * stops cleanly (a second Ctrl-C ends the process at once); without them, the local preview.
 */
import { existsSync } from 'node:fs';
import { createApp } from '../app.ts';
import { demoConfig } from '../services/demo/config.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { type PreviewIds, runLocalPreview } from '../services/preview.ts';
import { slackSettingsFromEnv } from '../slack/bolt.ts';
import { ACTION_IDS, ACTION_ITEM_UI, ANOMALY_ALERT_ACTIONS } from '../slack/ids.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops start [--watch]';

export interface StartOptions {
  /** Resolves with the reason to stop (default: the first SIGINT or SIGTERM). */
  untilStopped?: Promise<string>;
}

export async function run(ctx: CliContext, argv: string[], opts: StartOptions = {}): Promise<number> {
  const values = parseCommandArgs(argv, { watch: { type: 'boolean' } }, USAGE).values as { watch?: boolean };
  const settings = slackSettingsFromEnv(ctx.env);
  if (!settings) {
    const watch = values.watch === true;
    return runLocalPreview(await previewDeps(ctx), ctx.io, {
      ids: PREVIEW_IDS,
      ...(watch ? { watch, untilStopped: opts.untilStopped ?? stopSignal(), onReload: reloadSignal } : {}),
    });
  }

  const deps = await ctx.services();
  ctx.io.stdout(
    `finops-review: starting (${settings.appToken ? 'Socket Mode' : 'HTTP receiver'}; config ${ctx.configPath}; ` +
      `${ctx.env['DATABASE_URL'] ? 'Postgres' : `embedded database in ${ctx.dataDir}`})\n`,
  );
  const app = createApp({ deps, io: ctx.io });
  const stopped = opts.untilStopped ?? stopSignal();
  try {
    await app.start();
  } catch (err) {
    await app.stop();
    throw err;
  }
  ctx.io.stdout('finops-review: running; press Ctrl-C to stop\n');
  const reason = await stopped;
  ctx.io.stdout(`finops-review: ${reason} received, shutting down\n`);
  await app.stop();
  return 0;
}

/** The first SIGINT or SIGTERM; the handlers are removed so a second one ends the process. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** The ids the preview's payloads carry: the same the running app listens for. */
const PREVIEW_IDS: PreviewIds = {
  reply: { addActionItem: ACTION_IDS.actionItemAdd },
  anomaly: ANOMALY_ALERT_ACTIONS,
  actionItems: ACTION_ITEM_UI,
};

/** `finops start --watch` renders the preview again on SIGHUP. */
function reloadSignal(listener: () => void): () => void {
  process.on('SIGHUP', listener);
  return () => process.off('SIGHUP', listener);
}

/** The preview runs on the demo organisation's config when there is no finops.yml. */
async function previewDeps(ctx: CliContext): Promise<ServiceDeps> {
  if (existsSync(ctx.configPath)) return ctx.services();
  ctx.io.stdout(`finops-review: no config at ${ctx.configPath}; using the demo organisation's config\n`);
  const { config, hash } = demoConfig();
  const { db } = await ctx.database();
  return {
    db,
    config,
    configHash: hash,
    logger: ctx.logger,
    now: ctx.now,
    env: ctx.env,
    dataDir: ctx.dataDir,
  };
}
