/**
 * Small Block Kit builders, so renderers read as what they show. Plain data only: a renderer
 * returns `{ text, blocks }` and never talks to Slack.
 */
import { LIMITS, truncateText } from './limits.ts';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type TextObject = PlainText | MrkdwnText;

export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

/** A Block Kit block. Kept open (Slack has many block types); the validator checks the ones we use. */
export interface Block {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

export interface RenderedMessage {
  /** Fallback for notifications and screen readers; always present. */
  text: string;
  blocks: Block[];
}

export function plain(text: string): PlainText {
  return { type: 'plain_text', text, emoji: true };
}

export function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text };
}

/** A section of mrkdwn; text longer than Slack allows is cut with "…". Pass already escaped text. */
export function section(text: string, extra: { blockId?: string; accessory?: ButtonElement } = {}): Block {
  return {
    type: 'section',
    text: mrkdwn(truncateText(text, LIMITS.sectionText)),
    ...(extra.blockId ? { block_id: extra.blockId } : {}),
    ...(extra.accessory ? { accessory: extra.accessory } : {}),
  };
}

/** A section of fields (label/value pairs), at most 10, each cut to 2000 characters. */
export function fields(items: string[], blockId?: string): Block {
  return {
    type: 'section',
    fields: items.slice(0, LIMITS.sectionFields).map((t) => mrkdwn(truncateText(t, LIMITS.fieldText))),
    ...(blockId ? { block_id: blockId } : {}),
  };
}

export function header(text: string): Block {
  return { type: 'header', text: plain(truncateText(text, LIMITS.headerText)) };
}

export function context(texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(truncateText(t, LIMITS.sectionText))),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function actions(elements: ButtonElement[], blockId?: string): Block {
  return {
    type: 'actions',
    elements: elements.slice(0, LIMITS.actionsElements),
    ...(blockId ? { block_id: blockId } : {}),
  };
}

export function button(
  text: string,
  actionId: string,
  opts: { value?: string; style?: 'primary' | 'danger'; url?: string } = {},
): ButtonElement {
  return {
    type: 'button',
    text: plain(truncateText(text, LIMITS.buttonText)),
    action_id: actionId,
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.url ? { url: opts.url } : {}),
  };
}
