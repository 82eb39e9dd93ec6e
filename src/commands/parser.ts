/**
 * The `/finops` text → a typed command, or a usage error with a did-you-mean. Pure: no Slack,
 * no clock, no database. What it cannot know without them (a due date in the past, whether a
 * user id is a real user) the handlers check.
 *
 * Slack sends the text with `&`, `<`, `>` as entities and, with `should_escape: true` in the
 * manifest, mentions as `<@U123|name>`; the tokenizer undoes the entities and keeps `<…>` whole.
 */
import { isDay, isMonth } from '../lib/dates.ts';

export const SUBCOMMANDS = [
  'margin',
  'stages',
  'actions',
  'action',
  'anomalies',
  'kpis',
  'sync',
  'help',
] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];
export const SYNC_SOURCES = ['github', 'pagerduty', 'focus', 'openai', 'anthropic', 'all'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];
export const ACTION_FILTERS = ['mine', 'open', 'overdue'] as const;
export type ActionFilter = (typeof ACTION_FILTERS)[number];

/** Longest title an action item may have (also enforced by the modal). */
export const ACTION_TITLE_MAX = 200;
/** Longer text than this is not a command anyone typed on purpose. */
export const COMMAND_TEXT_MAX = 1000;

export type FinopsCommand =
  | { name: 'help' }
  | { name: 'margin'; product: string | undefined; month: string | undefined }
  | { name: 'stages'; product: string | undefined; month: string | undefined }
  | { name: 'actions'; filter: ActionFilter | undefined; product: string | undefined }
  | {
      name: 'action-add';
      title: string | undefined;
      ownerId: string | undefined;
      due: string | undefined;
      product: string | undefined;
    }
  | { name: 'anomalies'; product: string | undefined; openOnly: boolean }
  | { name: 'kpis' }
  | { name: 'sync'; source: SyncSource };

export type CommandName = FinopsCommand['name'];
export type CommandOf<N extends CommandName> = Extract<FinopsCommand, { name: N }>;

export interface UsageError {
  /** What was wrong, in the user's words (raw: renderers escape it). */
  message: string;
  /** A corrected command text (without `/finops`) when one is likely. */
  didYouMean?: string;
}

export type ParseResult = { ok: true; command: FinopsCommand } | { ok: false; error: UsageError };

export interface ParseOptions {
  /** Product lines from the config, in config order; matched by id or name, any case. */
  products: ReadonlyArray<{ id: string; name?: string | undefined }>;
}

/** The usage, one line per subcommand, as `/finops help` shows it. */
export const USAGE: ReadonlyArray<{ usage: string; summary: string }> = [
  {
    usage: 'margin [PRODUCT] [YYYY-MM]',
    summary: 'costs, and for finance viewers revenue and gross margin, with drift',
  },
  { usage: 'stages [PRODUCT] [YYYY-MM]', summary: 'engineering hours by SDLC stage and their drift' },
  { usage: 'actions [mine|open|overdue|PRODUCT]', summary: 'the action log' },
  {
    usage: 'action add "title" @owner YYYY-MM-DD [PRODUCT]',
    summary: 'log an action item (missing parts open a form)',
  },
  { usage: 'anomalies [PRODUCT] [open]', summary: 'cost anomalies and labour-side incident spikes' },
  { usage: 'kpis', summary: 'allocation, anomaly, action-log and commitment KPIs' },
  { usage: 'sync [github|pagerduty|focus|openai|anthropic|all]', summary: 'run an ingestion now (admins)' },
  { usage: 'help', summary: 'this help' },
];

// ── tokens ──────────────────────────────────────────────────────────────────

export type Token =
  | { kind: 'word'; text: string; raw: string }
  | { kind: 'quoted'; text: string; raw: string }
  | { kind: 'user'; id: string; raw: string }
  | { kind: 'ref'; raw: string };

const OPEN_QUOTES: Record<string, string> = { '"': '"', '“': '”', '„': '“', '«': '»' };

function unescapeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Splits on whitespace; `"…"` (straight or curly quotes) is one token; `<…>` is one token. */
export function tokenize(text: string): { ok: true; tokens: Token[] } | { ok: false; error: UsageError } {
  const tokens: Token[] = [];
  const s = text.replace(/\u00a0/g, ' ');
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const close = OPEN_QUOTES[c];
    if (close !== undefined) {
      // Slack clients may turn the closing quote into either curly form.
      let j = i + 1;
      while (j < s.length && s[j] !== close && s[j] !== '"' && s[j] !== '”') j++;
      if (j >= s.length) return { ok: false, error: { message: `unterminated quote in ${s.slice(i)}` } };
      const raw = s.slice(i, j + 1);
      tokens.push({ kind: 'quoted', text: unescapeEntities(s.slice(i + 1, j)).trim(), raw });
      i = j + 1;
      continue;
    }
    if (c === '<') {
      const j = s.indexOf('>', i);
      if (j > i) {
        const raw = s.slice(i, j + 1);
        const user = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(raw);
        tokens.push(user ? { kind: 'user', id: user[1] as string, raw } : { kind: 'ref', raw });
        i = j + 1;
        continue;
      }
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j] as string)) j++;
    const raw = s.slice(i, j);
    tokens.push({ kind: 'word', text: unescapeEntities(raw), raw });
    i = j;
  }
  return { ok: true, tokens };
}

// ── did-you-mean ────────────────────────────────────────────────────────────

/** Edit distance (insert, delete, substitute: 1 each). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * Levenshtein plus adjacent transposition as one edit (optimal string alignment): "mien" is
 * one typo away from "mine", as a person would count it.
 */
export function typoDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const up = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to be a typo:
 * at most a third of the longer word's length (and at least 1) edits away, or a prefix of it.
 * Ties go to the earlier candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (w.length === 0 || w.length > 100) return undefined;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = lc.startsWith(w) && w.length >= 3 ? 0.5 : typoDistance(w, lc);
    const allowed = Math.max(1, Math.floor(Math.max(w.length, lc.length) / 3));
    if (d <= allowed && (best === undefined || d < best.d)) best = { c, d };
  }
  return best?.c;
}

// ── parsing ─────────────────────────────────────────────────────────────────

class Usage {
  constructor(readonly error: UsageError) {}
}

const fail = (message: string, didYouMean?: string): never => {
  throw new Usage(didYouMean === undefined ? { message } : { message, didYouMean });
};

const quote = (s: string): string => `"${s.length > 60 ? `${s.slice(0, 59)}…` : s}"`;

export function parseFinopsCommand(text: string, opts: ParseOptions): ParseResult {
  if (text.length > COMMAND_TEXT_MAX) {
    return {
      ok: false,
      error: { message: `that command is ${text.length} characters long (at most ${COMMAND_TEXT_MAX})` },
    };
  }
  const tokenized = tokenize(text.trim());
  if (!tokenized.ok) return tokenized;
  try {
    return { ok: true, command: parseTokens(tokenized.tokens, opts) };
  } catch (err) {
    if (err instanceof Usage) return { ok: false, error: err.error };
    throw err;
  }
}

function parseTokens(tokens: Token[], opts: ParseOptions): FinopsCommand {
  const [first, ...args] = tokens;
  if (first === undefined) return { name: 'help' };
  const rest = (replacement: string, at: number): string =>
    tokens.map((t, k) => (k === at ? replacement : t.raw)).join(' ');
  const sub = first.kind === 'word' ? first.text.toLowerCase() : undefined;
  switch (sub) {
    case 'help':
      return { name: 'help' };
    case 'kpis':
      noMoreArgs(args, 'kpis');
      return { name: 'kpis' };
    case 'margin':
    case 'stages':
      return { name: sub, ...productAndMonth(args, opts, tokens, sub) };
    case 'actions':
      return parseActions(args, opts, tokens);
    case 'action':
      return parseAction(args, opts, tokens);
    case 'anomalies':
      return parseAnomalies(args, opts, tokens);
    case 'sync':
      return parseSync(args, tokens);
    default: {
      const word = first.kind === 'word' || first.kind === 'quoted' ? first.text : first.raw;
      const guess = closest(word, SUBCOMMANDS);
      return fail(`unknown command ${quote(word)}`, guess === undefined ? undefined : rest(guess, 0));
    }
  }
}

function noMoreArgs(args: Token[], sub: string): void {
  if (args.length > 0) fail(`\`${sub}\` takes no arguments (got ${quote(args.map((a) => a.raw).join(' '))})`);
}

function tokenText(t: Token): string {
  return t.kind === 'word' || t.kind === 'quoted' ? t.text : t.raw;
}

/** A product line id or name, any case; otherwise a usage error with the closest one. */
function matchProduct(
  t: Token,
  opts: ParseOptions,
  tokens: Token[],
  extraCandidates: readonly string[] = [],
): string {
  const word = tokenText(t);
  const lc = word.toLowerCase();
  const hit = opts.products.find((p) => p.id.toLowerCase() === lc || p.name?.toLowerCase() === lc);
  if (hit) return hit.id;
  const ids = opts.products.map((p) => p.id);
  const names = opts.products.flatMap((p) => (p.name ? [p.name] : []));
  const guess = closest(word, [...extraCandidates, ...ids, ...names]);
  const guessId =
    guess === undefined ? undefined : (opts.products.find((p) => p.name === guess)?.id ?? guess);
  const at = tokens.indexOf(t);
  const known = ids.length <= 12 ? ` (product lines: ${ids.join(', ')})` : '';
  return fail(
    `unknown product line ${quote(word)}${known}`,
    guessId === undefined ? undefined : tokens.map((x, k) => (k === at ? guessId : x.raw)).join(' '),
  );
}

function productAndMonth(
  args: Token[],
  opts: ParseOptions,
  tokens: Token[],
  sub: string,
): { product: string | undefined; month: string | undefined } {
  let product: string | undefined;
  let month: string | undefined;
  for (const t of args) {
    const word = tokenText(t);
    if (t.kind === 'word' && /^\d{4}-\d{1,2}$/.test(word)) {
      if (!isMonth(word)) fail(`${quote(word)} is not a month: use YYYY-MM, for example 2026-10`);
      if (month !== undefined) fail(`two months given (${month} and ${word}); \`${sub}\` takes one`);
      month = word;
      continue;
    }
    if (product !== undefined)
      fail(`\`${sub}\` takes at most one product line and one month (got ${quote(word)} too)`);
    product = matchProduct(t, opts, tokens);
  }
  return { product, month };
}

function parseActions(args: Token[], opts: ParseOptions, tokens: Token[]): FinopsCommand {
  if (args.length > 1) fail('`actions` takes one of mine, open, overdue or a product line');
  const t = args[0];
  if (t === undefined) return { name: 'actions', filter: undefined, product: undefined };
  const word = tokenText(t).toLowerCase();
  if ((ACTION_FILTERS as readonly string[]).includes(word))
    return { name: 'actions', filter: word as ActionFilter, product: undefined };
  return { name: 'actions', filter: undefined, product: matchProduct(t, opts, tokens, ACTION_FILTERS) };
}

function parseAnomalies(args: Token[], opts: ParseOptions, tokens: Token[]): FinopsCommand {
  let product: string | undefined;
  let openOnly = false;
  for (const t of args) {
    if (t.kind === 'word' && t.text.toLowerCase() === 'open') {
      openOnly = true;
      continue;
    }
    if (product !== undefined) fail('`anomalies` takes at most one product line and `open`');
    product = matchProduct(t, opts, tokens, ['open']);
  }
  return { name: 'anomalies', product, openOnly };
}

function parseSync(args: Token[], tokens: Token[]): FinopsCommand {
  if (args.length > 1) fail('`sync` takes one source: github, pagerduty, focus, openai, anthropic or all');
  const t = args[0];
  if (t === undefined) return { name: 'sync', source: 'all' };
  const word = tokenText(t).toLowerCase();
  if ((SYNC_SOURCES as readonly string[]).includes(word)) return { name: 'sync', source: word as SyncSource };
  const guess = closest(word, SYNC_SOURCES);
  return fail(
    `unknown source ${quote(tokenText(t))} (sources: ${SYNC_SOURCES.join(', ')})`,
    guess === undefined ? undefined : tokens.map((x, k) => (k === 1 ? guess : x.raw)).join(' '),
  );
}

function parseAction(args: Token[], opts: ParseOptions, tokens: Token[]): FinopsCommand {
  const [verb, ...rest] = args;
  if (verb === undefined) return fail('`action` needs a verb', 'actions');
  const v = tokenText(verb).toLowerCase();
  if (v !== 'add') {
    return fail(
      `unknown action verb ${quote(tokenText(verb))}`,
      closest(v, ['add']) !== undefined
        ? ['action', 'add', ...rest.map((t) => t.raw)].join(' ')
        : 'action add',
    );
  }
  let title: string | undefined;
  let titleQuoted = false;
  const titleWords: string[] = [];
  let ownerId: string | undefined;
  let due: string | undefined;
  let product: string | undefined;
  for (const t of rest) {
    if (t.kind === 'quoted') {
      if (titleQuoted || titleWords.length > 0) fail('only one quoted title, please');
      if (t.text.length === 0) fail('the title is empty');
      title = t.text;
      titleQuoted = true;
      continue;
    }
    if (t.kind === 'user') {
      if (ownerId !== undefined) fail('one owner only: mention a single person');
      ownerId = t.id;
      continue;
    }
    if (t.kind === 'ref') {
      if (t.raw.startsWith('<!subteam^')) fail('the owner must be one person, not a user group');
      return fail(`${quote(t.raw)} is not a person, a date or a product line`);
    }
    const word = t.text;
    if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(word)) {
      if (!isDay(word)) fail(`${quote(word)} is not a date: use YYYY-MM-DD, for example 2026-12-15`);
      if (due !== undefined) fail(`two due dates given (${due} and ${word})`);
      due = word;
      continue;
    }
    if (word.startsWith('@')) {
      fail(`${quote(word)} is not a Slack user: mention the owner so Slack offers the name, like @ada`);
    }
    if (!titleQuoted && ownerId === undefined && due === undefined && product === undefined) {
      titleWords.push(word);
      continue;
    }
    if (product !== undefined) fail(`unexpected ${quote(word)} after the product line`);
    product = matchProduct(t, opts, tokens);
  }
  if (!titleQuoted && titleWords.length > 0) title = titleWords.join(' ');
  if (title !== undefined && title.length > ACTION_TITLE_MAX)
    fail(`the title is ${title.length} characters (at most ${ACTION_TITLE_MAX})`);
  return { name: 'action-add', title, ownerId, due, product };
}
