/**
 * `/finops`: ack first (always within Slack's 3 s), then parse, dispatch to the subcommand's
 * handler, and answer ephemerally through response_url with a "Share in channel" button.
 * One error policy: a usage error gets the usage and a did-you-mean; a refusal or bad input gets
 * its message; anything else a short apology with a logged reference — never a stack trace.
 */
import { randomBytes } from 'node:crypto';
import type { App, RespondFn } from '@slack/bolt';
import type { RenderedMessage } from '../blocks/kit.ts';
import { validateMessage } from '../blocks/limits.ts';
import {
  renderBusy,
  renderError,
  renderNotAvailable,
  renderUnexpectedError,
  withShareButton,
} from '../blocks/reply.ts';
import { insertSharedAnswer } from '../db/repos/shared-answers.ts';
import { isInputError } from '../lib/errors.ts';
import { ACTION_IDS, SLASH_COMMAND } from '../slack/ids.ts';
import type { SlackDeps } from '../slack/register.ts';
import { usageMessage } from './help.ts';
import { type CommandName, parseFinopsCommand } from './parser.ts';
import type { CommandContext, CommandModule, CommandReply } from './types.ts';

type Loaders = { [N in CommandName]?: () => Promise<CommandModule<N>> };

/** One line per subcommand whose capability exists; the others answer "not available yet". */
const HANDLERS: Loaders = {
  help: () => import('./help.ts'),
  actions: () => import('./actions.ts'),
  'action-add': () => import('./action-add.ts'),
  margin: () => import('./margin.ts'),
  stages: () => import('./stages.ts'),
  kpis: () => import('./kpis.ts'),
  sync: () => import('./sync.ts'),
  anomalies: () => import('./anomalies.ts'),
};

const LABELS: Record<CommandName, string> = {
  help: '/finops help',
  margin: '/finops margin',
  stages: '/finops stages',
  actions: '/finops actions',
  'action-add': '/finops action add',
  anomalies: '/finops anomalies',
  kpis: '/finops kpis',
  sync: '/finops sync',
};

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  teamId: string;
  triggerId: string;
}

/**
 * How many answers one process works on at once. Each holds a database connection for its reads
 * (the pool has 10) and its answer in memory until response_url takes it; past this, a burst would
 * only queue in memory (without bound: 30,000 commands in 30 s grew the process to 2.5 GB in the
 * load benchmark) and every answer would come late. A command past it is told at once, in the
 * ack itself, to try again in a minute.
 */
export const MAX_COMMANDS_IN_FLIGHT = 32;

export function register(app: App, slack: SlackDeps): void {
  let inFlight = 0;
  let turnedAway = 0;
  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    if (inFlight >= MAX_COMMANDS_IN_FLIGHT) {
      // One line per burst, not one per request: a burst is when logs matter least.
      if (turnedAway++ === 0)
        slack.deps.logger.warn(`/finops: ${inFlight} commands in hand; asking the next ones to retry`);
      await ack({ response_type: 'ephemeral', ...renderBusy() });
      return;
    }
    inFlight++;
    try {
      await ack();
      await runSlashCommand(
        slack,
        {
          text: command.text ?? '',
          userId: command.user_id,
          channelId: command.channel_id,
          teamId: command.team_id,
          triggerId: command.trigger_id,
        },
        respond,
      );
    } finally {
      inFlight--;
      if (inFlight === 0 && turnedAway > 0) {
        slack.deps.logger.warn(`/finops: the burst is over; ${turnedAway} command(s) were asked to retry`);
        turnedAway = 0;
      }
    }
  });
}

/** Everything after the ack. Never throws: every outcome is an ephemeral answer. */
export async function runSlashCommand(
  slack: SlackDeps,
  input: SlashCommandInput,
  respond: RespondFn,
): Promise<void> {
  const log = slack.deps.logger;
  const send = async (msg: RenderedMessage): Promise<void> => {
    const problems = validateMessage(msg);
    const safe =
      problems.length === 0
        ? msg
        : unexpected(slack, `answer breaks Block Kit limits: ${problems.join('; ')}`);
    try {
      await respond({ response_type: 'ephemeral', text: safe.text, blocks: safe.blocks });
    } catch (err) {
      log.warn('response_url answer failed; posting the answer ephemerally instead', { error: err });
      await slack.gateway
        .postEphemeral(input.channelId, input.userId, safe)
        .catch((e2: unknown) => log.error('could not answer the user at all', { error: e2 }));
    }
  };

  const parsed = parseFinopsCommand(input.text, {
    products: slack.deps.config.product_lines.map((p) => ({ id: p.id, name: p.name })),
  });
  if (!parsed.ok) {
    await send(usageMessage(parsed.error));
    return;
  }
  const name = parsed.command.name;
  const load = HANDLERS[name] as (() => Promise<CommandModule<typeof name>>) | undefined;
  if (!load) {
    await send(renderNotAvailable(LABELS[name]));
    return;
  }
  let reply: CommandReply | null;
  try {
    const { handle } = await load();
    const ctx: CommandContext<typeof name> = { ...input, command: parsed.command, slack, respond: send };
    reply = await handle(ctx);
  } catch (err) {
    if (isInputError(err)) await send(renderError((err as Error).message));
    else await send(unexpected(slack, err, LABELS[name]));
    return;
  }
  if (reply === null) return;
  await send(await withShare(slack, input, reply));
}

async function withShare(
  slack: SlackDeps,
  input: SlashCommandInput,
  reply: CommandReply,
): Promise<RenderedMessage> {
  const shared = reply.share === undefined ? reply.message : reply.share;
  if (shared === null) return reply.message;
  try {
    const id = await insertSharedAnswer(
      slack.deps.db,
      { userId: input.userId, channelId: input.channelId, text: shared.text, blocks: shared.blocks },
      slack.deps.now(),
    );
    return withShareButton(reply.message, ACTION_IDS.shareAnswer, String(id));
  } catch (err) {
    slack.deps.logger.warn('could not keep the answer for sharing; answering without the share button', {
      error: err,
    });
    return reply.message;
  }
}

function unexpected(slack: SlackDeps, err: unknown, what = 'answer'): RenderedMessage {
  const ref = randomBytes(4).toString('hex');
  slack.deps.logger.error(`${what} failed (ref ${ref})`, {
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return renderUnexpectedError(ref);
}
