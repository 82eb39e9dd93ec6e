import { renderHelp } from '../blocks/help.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import { SLASH_COMMAND } from '../slack/ids.ts';
import { USAGE, type UsageError } from './parser.ts';
import type { CommandHandler } from './types.ts';

/** The usage, with what was wrong and a did-you-mean when the text did not parse. */
export function usageMessage(problem?: UsageError): RenderedMessage {
  return renderHelp({ command: SLASH_COMMAND, entries: USAGE, problem });
}

export const handle: CommandHandler<'help'> = async () => ({ message: usageMessage() });
