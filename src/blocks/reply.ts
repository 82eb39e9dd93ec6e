/**
 * Framing shared by every ephemeral answer: errors, "not available yet", and the
 * "Share in channel" button. Action ids come in as arguments (they live in slack/ids.ts).
 */
import { escapeMrkdwn, mentionUser } from './escape.ts';
import { actions, button, type Block, context, plain, type RenderedMessage, section } from './kit.ts';
import { capBlocks, LIMITS, moreText, truncateText } from './limits.ts';

export function renderError(message: string): RenderedMessage {
  return { text: message, blocks: [section(`:warning: ${escapeMrkdwn(message)}`)] };
}

export function renderUnexpectedError(reference: string): RenderedMessage {
  const text = `Something went wrong on our side (reference ${reference}). Please try again; if it persists, tell your FinOps admin the reference.`;
  return { text, blocks: [section(`:x: ${escapeMrkdwn(text)}`)] };
}

export function renderNotAvailable(what: string): RenderedMessage {
  const text = `${what} is not available yet in this version of finops-review.`;
  return { text, blocks: [section(`:construction: ${escapeMrkdwn(text)}`)] };
}

/** The ack's own answer when the bot has too many commands in hand to take another one now. */
export function renderBusy(): RenderedMessage {
  const text = 'finops-review is answering many requests right now: please try again in a minute.';
  return { text, blocks: [section(`:hourglass_flowing_sand: ${escapeMrkdwn(text)}`)] };
}

/** The answer plus a "Share in channel" button, kept within the 50-block message limit. */
export function withShareButton(msg: RenderedMessage, actionId: string, value: string): RenderedMessage {
  const body = capBlocks(msg.blocks, LIMITS.messageBlocks - 1, (hidden) => context([moreText(hidden)]));
  return { text: msg.text, blocks: [...body, actions([button('Share in channel', actionId, { value })])] };
}

/** The shared copy: the same blocks, with who shared it when there is room. */
export function renderShared(msg: RenderedMessage, sharedBy: string): RenderedMessage {
  const note: Block = context([`Shared by ${mentionUser(sharedBy)}`]);
  const blocks = msg.blocks.length < LIMITS.messageBlocks ? [...msg.blocks, note] : msg.blocks;
  return { text: msg.text, blocks };
}

/** A modal that only informs (for example "not available yet"). Title is cut to Slack's 24. */
export function renderInfoModal(title: string, text: string, callbackId: string) {
  return {
    type: 'modal' as const,
    callback_id: callbackId,
    title: plain(truncateText(title, LIMITS.viewTitle)),
    close: plain('Close'),
    blocks: [section(escapeMrkdwn(text))],
  };
}
