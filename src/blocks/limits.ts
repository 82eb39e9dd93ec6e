/**
 * Slack's Block Kit limits (docs.slack.dev/reference/block-kit; @slack/types JSDoc), one place.
 * Renderers stay inside them with the helpers below; `validateMessage` / `validateView` list what
 * a payload breaks, so tests can check whole payloads and the gateway can refuse to send a bad one.
 */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  placeholder: 150,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  imageAltText: 2000,
  markdownBlock: 12_000,
  /** chat.postMessage truncates `text` past this; Slack recommends ≤ 4000. */
  messageText: 40_000,
  recommendedText: 4000,
} as const;

/**
 * Cuts text to at most `max` UTF-16 units, ending in "…". Never leaves half of a `<…>` link or
 * mention, half of an `&amp;` entity or half of a surrogate pair behind.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  const lastOpen = cut.lastIndexOf('<');
  if (lastOpen > cut.lastIndexOf('>')) cut = cut.slice(0, lastOpen);
  const lastAmp = cut.lastIndexOf('&');
  if (lastAmp >= 0 && !cut.slice(lastAmp).includes(';') && cut.length - lastAmp <= 6)
    cut = cut.slice(0, lastAmp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** "…and 3 more" (with an optional noun: "…and 3 more product lines"). */
export function moreText(hidden: number, noun?: string): string {
  return `…and ${hidden} more${noun ? ` ${noun}` : ''}`;
}

/** The first `max` items, and how many were left out (so the caller can say "…and N more"). */
export function capList<T>(items: readonly T[], max: number): { shown: T[]; hidden: number } {
  if (items.length <= max) return { shown: [...items], hidden: 0 };
  return { shown: items.slice(0, Math.max(0, max)), hidden: items.length - Math.max(0, max) };
}

/**
 * Joins lines with "\n" into at most `max` characters; lines that do not fit are replaced
 * by one "…and N more" line. A single line longer than `max` is truncated.
 */
export function joinLinesWithin(
  lines: readonly string[],
  max: number = LIMITS.sectionText,
  noun?: string,
): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const sep = out.length > 0 ? 1 : 0;
    const remaining = lines.length - i - 1;
    // Room needed for the "…and N more" line if this is not the last line.
    const reserve = remaining > 0 ? moreText(remaining + 1, noun).length + 1 : 0;
    if (used + sep + line.length + reserve <= max || (remaining === 0 && used + sep + line.length <= max)) {
      out.push(line);
      used += sep + line.length;
      continue;
    }
    if (out.length === 0 && remaining === 0) return truncateText(line, max);
    out.push(moreText(lines.length - i, noun));
    break;
  }
  return out.join('\n');
}

/**
 * Keeps at most `max` blocks: when there are more, the last kept slot says "…and N more"
 * (N counts the blocks that did not fit, including the one the note replaces).
 */
export function capBlocks<B>(blocks: readonly B[], max: number, more: (hidden: number) => B): B[] {
  if (blocks.length <= max) return [...blocks];
  const kept = blocks.slice(0, max - 1);
  return [...kept, more(blocks.length - kept.length)];
}

/** Splits blocks into pages of at most `perPage` (one message each). Never returns an empty page. */
export function paginateBlocks<B>(blocks: readonly B[], perPage: number = LIMITS.messageBlocks): B[][] {
  const pages: B[][] = [];
  for (let i = 0; i < blocks.length; i += perPage) pages.push(blocks.slice(i, i + perPage));
  return pages;
}

// ── validation ──────────────────────────────────────────────────────────────

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string | undefined =>
  isObj(v) && typeof v['text'] === 'string' ? v['text'] : typeof v === 'string' ? v : undefined;

export type Surface = 'message' | 'modal' | 'home';

/** Every limit the blocks break, as `path: problem` lines; empty when the payload is fine. */
export function validateBlocks(blocks: readonly unknown[], surface: Surface = 'message'): string[] {
  const problems: string[] = [];
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > maxBlocks)
    problems.push(`blocks: ${blocks.length} blocks (max ${maxBlocks} in a ${surface})`);
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (!isObj(b) || typeof b['type'] !== 'string') {
      problems.push(`${at}: not a block`);
      return;
    }
    const blockId = b['block_id'];
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length > LIMITS.blockId)
        problems.push(`${at}.block_id: longer than ${LIMITS.blockId}`);
      else if (blockIds.has(blockId)) problems.push(`${at}.block_id: duplicate "${blockId}"`);
      else blockIds.add(blockId);
    }
    checkBlock(b, at, problems);
  });
  return problems;
}

function checkText(v: unknown, at: string, max: number, problems: string[], required = true): void {
  const t = textOf(v);
  if (t === undefined) {
    if (required) problems.push(`${at}: missing text`);
    return;
  }
  if (t.length === 0 && required) problems.push(`${at}: empty text`);
  if (t.length > max) problems.push(`${at}: ${t.length} characters (max ${max})`);
}

function checkBlock(b: Obj, at: string, problems: string[]): void {
  switch (b['type']) {
    case 'section': {
      const f = b['fields'];
      if (b['text'] === undefined && f === undefined) problems.push(`${at}: a section needs text or fields`);
      if (b['text'] !== undefined) checkText(b['text'], `${at}.text`, LIMITS.sectionText, problems);
      if (f !== undefined) {
        if (!Array.isArray(f)) problems.push(`${at}.fields: not a list`);
        else {
          if (f.length > LIMITS.sectionFields)
            problems.push(`${at}.fields: ${f.length} fields (max ${LIMITS.sectionFields})`);
          f.forEach((x, j) => {
            checkText(x, `${at}.fields[${j}]`, LIMITS.fieldText, problems);
          });
        }
      }
      if (b['accessory'] !== undefined) checkElement(b['accessory'], `${at}.accessory`, problems);
      return;
    }
    case 'header':
      checkText(b['text'], `${at}.text`, LIMITS.headerText, problems);
      return;
    case 'context': {
      const els = Array.isArray(b['elements']) ? b['elements'] : [];
      if (els.length === 0) problems.push(`${at}.elements: empty`);
      if (els.length > LIMITS.contextElements)
        problems.push(`${at}.elements: ${els.length} elements (max ${LIMITS.contextElements})`);
      els.forEach((e, j) => {
        if (isObj(e) && e['type'] !== 'image')
          checkText(e, `${at}.elements[${j}]`, LIMITS.sectionText, problems);
      });
      return;
    }
    case 'actions': {
      const els = Array.isArray(b['elements']) ? b['elements'] : [];
      if (els.length === 0) problems.push(`${at}.elements: empty`);
      if (els.length > LIMITS.actionsElements)
        problems.push(`${at}.elements: ${els.length} elements (max ${LIMITS.actionsElements})`);
      els.forEach((e, j) => {
        checkElement(e, `${at}.elements[${j}]`, problems);
      });
      return;
    }
    case 'input':
      checkText(b['label'], `${at}.label`, LIMITS.inputLabel, problems);
      checkElement(b['element'], `${at}.element`, problems);
      return;
    case 'image':
      checkText(b['alt_text'], `${at}.alt_text`, LIMITS.imageAltText, problems);
      return;
    case 'markdown':
      checkText(b['text'], `${at}.text`, LIMITS.markdownBlock, problems);
      return;
    default:
      return;
  }
}

function checkElement(e: unknown, at: string, problems: string[]): void {
  if (!isObj(e)) {
    problems.push(`${at}: not an element`);
    return;
  }
  const actionId = e['action_id'];
  if (typeof actionId === 'string' && actionId.length > LIMITS.actionId)
    problems.push(`${at}.action_id: longer than ${LIMITS.actionId}`);
  if (e['placeholder'] !== undefined)
    checkText(e['placeholder'], `${at}.placeholder`, LIMITS.placeholder, problems);
  if (e['type'] === 'button') {
    checkText(e['text'], `${at}.text`, LIMITS.buttonText, problems);
    if (typeof e['value'] === 'string' && e['value'].length > LIMITS.buttonValue)
      problems.push(`${at}.value: longer than ${LIMITS.buttonValue}`);
    if (typeof e['url'] === 'string' && e['url'].length > LIMITS.url)
      problems.push(`${at}.url: longer than ${LIMITS.url}`);
  }
  const options = e['options'];
  if (Array.isArray(options)) {
    if (options.length > LIMITS.selectOptions)
      problems.push(`${at}.options: ${options.length} options (max ${LIMITS.selectOptions})`);
    options.forEach((o, j) => {
      if (!isObj(o)) return;
      checkText(o['text'], `${at}.options[${j}].text`, LIMITS.optionText, problems);
      if (typeof o['value'] === 'string' && o['value'].length > LIMITS.optionValue)
        problems.push(`${at}.options[${j}].value: longer than ${LIMITS.optionValue}`);
    });
  }
}

/** A message payload: `text` fallback present, blocks within limits. */
export function validateMessage(msg: { text?: unknown; blocks?: readonly unknown[] | undefined }): string[] {
  const problems: string[] = [];
  if (typeof msg.text !== 'string' || msg.text.length === 0)
    problems.push('text: a fallback text is required');
  else if (msg.text.length > LIMITS.messageText) problems.push(`text: longer than ${LIMITS.messageText}`);
  if (msg.blocks !== undefined) problems.push(...validateBlocks(msg.blocks, 'message'));
  return problems;
}

/** A modal or Home tab view. */
export function validateView(view: Obj): string[] {
  const problems: string[] = [];
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') return [`view.type: expected "modal" or "home"`];
  if (type === 'modal') {
    checkText(view['title'], 'view.title', LIMITS.viewTitle, problems);
    if (view['submit'] !== undefined) checkText(view['submit'], 'view.submit', LIMITS.viewButton, problems);
    if (view['close'] !== undefined) checkText(view['close'], 'view.close', LIMITS.viewButton, problems);
  }
  const pm = view['private_metadata'];
  if (typeof pm === 'string' && pm.length > LIMITS.privateMetadata)
    problems.push(`view.private_metadata: longer than ${LIMITS.privateMetadata}`);
  const cb = view['callback_id'];
  if (typeof cb === 'string' && cb.length > LIMITS.callbackId)
    problems.push(`view.callback_id: longer than ${LIMITS.callbackId}`);
  const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
  problems.push(...validateBlocks(blocks, type).map((p) => `view.${p}`));
  return problems;
}
