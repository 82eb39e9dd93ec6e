/**
 * The contract of a /finops subcommand handler. One file per subcommand,
 * `src/commands/<name>.ts`, exporting `handle: CommandHandler<'<name>'>`, listed once in
 * src/commands/index.ts. The dispatcher has already acked, parsed and matched the product; the
 * handler calls a service, renders, and returns the answer (who may run it was decided before any
 * listener ran: src/slack/policy.ts). It throws InputError for bad input the user should read;
 * anything else becomes a generic "something went wrong" with a reference that is logged.
 */
import type { RenderedMessage } from '../blocks/kit.ts';
import type { SlackDeps } from '../slack/register.ts';
import type { CommandName, CommandOf } from './parser.ts';

export interface CommandContext<N extends CommandName = CommandName> {
  command: CommandOf<N>;
  /** The text as typed after `/finops` (Slack-escaped). */
  text: string;
  userId: string;
  channelId: string;
  teamId: string;
  /** For views.open: valid ~3 s after the command, so open modals before slow work. */
  triggerId: string;
  slack: SlackDeps;
  /** Sends a further ephemeral message to the user (progress, "sync finished"). */
  respond(msg: RenderedMessage): Promise<void>;
}

export interface CommandReply {
  /** Shown to the user only. */
  message: RenderedMessage;
  /**
   * What "Share in channel" posts for everyone: defaults to `message`; `null` means no share
   * button (a personal list, or figures only finance viewers may see).
   */
  share?: RenderedMessage | null;
}

/** Returns the answer, or null when the handler already answered (opened a modal). */
export type CommandHandler<N extends CommandName> = (ctx: CommandContext<N>) => Promise<CommandReply | null>;

export interface CommandModule<N extends CommandName> {
  handle: CommandHandler<N>;
}
