/**
 * `finops start`: with Slack tokens, runs the bot (Slack + scheduler) until SIGINT/SIGTERM and
 * stops cleanly (a second Ctrl-C ends the process at once); without them, the local preview.
 */
import { existsSync } from 'node:fs';
import { createApp } from '../app.ts';
import { InputError } from '../lib/errors.ts';
import { demoConfig } from '../services/demo/config.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { type PreviewIds, runLocalPreview } from '../services/preview.ts';
import { slackSettingsFromEnv } from '../slack/bolt.ts';
import { ACTION_IDS, ACTION_ITEM_UI, ANOMALY_ALERT_ACTIONS } from '../slack/ids.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';
import { listenForStop } from './signals.ts';

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
      ...(watch
        ? { watch, untilStopped: opts.untilStopped ?? listenForStop().stopped, onReload: reloadSignal }
        : {}),
    });
  }

  const catchUpMs = parseCatchUp(ctx.env['FINOPS_CATCH_UP_HOURS']);
  const deps = await ctx.services();
  ctx.io.stdout(
    `finops-review: starting (${settings.appToken ? 'Socket Mode' : 'HTTP receiver'}; config ${ctx.configPath}; ` +
      `${ctx.env['DATABASE_URL'] ? 'Postgres' : `embedded database in ${ctx.dataDir}`})\n`,
  );
  const app = createApp({
    deps,
    io: ctx.io,
    ...(catchUpMs !== undefined ? { scheduler: { catchUpMs } } : {}),
  });
  const stopped = opts.untilStopped ?? listenForStop().stopped;
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

/**
 * FINOPS_CATCH_UP_HOURS: how old a missed tick may be and still run when the bot starts (default
 * 24; 0 turns catch-up off). After an outage longer than a day an operator raises it for one start
 * so the missed monthly review or digest goes out; every replica's catch-up goes through the same
 * once-per-period claim, so starting several at once still runs each period once.
 */
export function parseCatchUp(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const hours = Number(text);
  if (!Number.isFinite(hours) || hours < 0) {
    throw new InputError(
      'bad_catch_up',
      `FINOPS_CATCH_UP_HOURS: "${text}" is not a number of hours ≥ 0 (default 24; 0 turns catch-up off)`,
    );
  }
  return hours * 3_600_000;
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
