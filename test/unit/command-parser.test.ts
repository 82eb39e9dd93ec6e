import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_TITLE_MAX,
  closest,
  type FinopsCommand,
  levenshtein,
  type ParseResult,
  parseFinopsCommand,
  tokenize,
  typoDistance,
} from '../../src/commands/parser.ts';

const products = [
  { id: 'checkout', name: 'Checkout' },
  { id: 'search-ai', name: 'Search AI' },
  { id: 'ledger' },
];
const parse = (text: string): ParseResult => parseFinopsCommand(text, { products });
const ok = (text: string): FinopsCommand => {
  const r = parse(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got ${r.error.message}`);
  return r.command;
};
const err = (text: string) => {
  const r = parse(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
};

describe('levenshtein and closest', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['margin', 'margni', 2],
    ['stages', 'stage', 1],
  ])('levenshtein(%j, %j) = %i', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });

  it('suggests only close candidates', () => {
    expect(closest('margn', ['margin', 'stages'])).toBe('margin');
    expect(closest('MARGIN', ['margin'])).toBe('margin');
    expect(closest('stag', ['margin', 'stages'])).toBe('stages');
    expect(closest('zzzzzz', ['margin', 'stages'])).toBeUndefined();
    expect(closest('', ['margin'])).toBeUndefined();
  });
});

describe('parseFinopsCommand: valid commands', () => {
  it.each<[string, FinopsCommand]>([
    ['', { name: 'help' }],
    ['   ', { name: 'help' }],
    ['help', { name: 'help' }],
    ['HELP me', { name: 'help' }],
    ['kpis', { name: 'kpis' }],
    ['margin', { name: 'margin', product: undefined, month: undefined }],
    ['margin checkout', { name: 'margin', product: 'checkout', month: undefined }],
    ['margin CHECKOUT 2026-10', { name: 'margin', product: 'checkout', month: '2026-10' }],
    ['margin 2026-10 checkout', { name: 'margin', product: 'checkout', month: '2026-10' }],
    ['margin "Search AI"', { name: 'margin', product: 'search-ai', month: undefined }],
    ['Margin  search-ai   2026-01', { name: 'margin', product: 'search-ai', month: '2026-01' }],
    ['stages 2026-12', { name: 'stages', product: undefined, month: '2026-12' }],
    ['stages ledger', { name: 'stages', product: 'ledger', month: undefined }],
    ['actions', { name: 'actions', filter: undefined, product: undefined }],
    ['actions mine', { name: 'actions', filter: 'mine', product: undefined }],
    ['actions OVERDUE', { name: 'actions', filter: 'overdue', product: undefined }],
    ['actions checkout', { name: 'actions', filter: undefined, product: 'checkout' }],
    ['anomalies', { name: 'anomalies', product: undefined, openOnly: false }],
    ['anomalies open', { name: 'anomalies', product: undefined, openOnly: true }],
    ['anomalies ledger open', { name: 'anomalies', product: 'ledger', openOnly: true }],
    ['sync', { name: 'sync', source: 'all' }],
    ['sync github', { name: 'sync', source: 'github' }],
    ['sync PagerDuty', { name: 'sync', source: 'pagerduty' }],
    ['sync openai', { name: 'sync', source: 'openai' }],
    ['sync Anthropic', { name: 'sync', source: 'anthropic' }],
  ])('%j', (text, expected) => {
    expect(ok(text)).toEqual(expected);
  });

  it('action add with every part, Slack-escaped mention and entities', () => {
    expect(ok('action add "Cut R&amp;D &lt;idle&gt; GPUs" <@U0123ABCD|ada> 2026-12-15 checkout')).toEqual({
      name: 'action-add',
      title: 'Cut R&D <idle> GPUs',
      ownerId: 'U0123ABCD',
      due: '2026-12-15',
      product: 'checkout',
    });
  });

  it('action add with curly quotes, a bare mention and parts in another order', () => {
    expect(ok('action add 2026-12-15 “Right-size the cluster” <@W42>')).toEqual({
      name: 'action-add',
      title: 'Right-size the cluster',
      ownerId: 'W42',
      due: '2026-12-15',
      product: undefined,
    });
  });

  it('action add with an unquoted title and missing parts (the modal fills them in)', () => {
    expect(ok('action add Review the RI coverage')).toEqual({
      name: 'action-add',
      title: 'Review the RI coverage',
      ownerId: undefined,
      due: undefined,
      product: undefined,
    });
    expect(ok('action add')).toEqual({
      name: 'action-add',
      title: undefined,
      ownerId: undefined,
      due: undefined,
      product: undefined,
    });
  });

  it('a mention display name may contain spaces', () => {
    expect(tokenize('<@U1|Ada Lovelace> x')).toEqual({
      ok: true,
      tokens: [
        { kind: 'user', id: 'U1', raw: '<@U1|Ada Lovelace>' },
        { kind: 'word', text: 'x', raw: 'x' },
      ],
    });
  });
});

describe('parseFinopsCommand: usage errors', () => {
  it.each<[string, string, string | undefined]>([
    ['margni', 'unknown command "margni"', 'margin'],
    ['stage checkout', 'unknown command "stage"', 'stages checkout'],
    ['acions mine', 'unknown command "acions"', 'actions mine'],
    ['kpi', 'unknown command "kpi"', 'kpis'],
    ['frobnicate', 'unknown command "frobnicate"', undefined],
    ['margin chekout', 'unknown product line "chekout"', 'margin checkout'],
    ['margin search 2026-10', 'unknown product line "search"', 'margin search-ai 2026-10'],
    ['actions mien', 'unknown product line "mien"', 'actions mine'],
    ['sync githb', 'unknown source "githb"', 'sync github'],
    ['sync antropic', 'unknown source "antropic"', 'sync anthropic'],
    ['action', '`action` needs a verb', 'actions'],
    ['action ad "x"', 'unknown action verb "ad"', 'action add "x"'],
  ])('%j', (text, message, didYouMean) => {
    const e = err(text);
    expect(e.message).toContain(message);
    expect(e.didYouMean).toBe(didYouMean);
  });

  it.each<[string, string]>([
    ['margin 2026-13', '"2026-13" is not a month'],
    ['margin 2026-10 2026-11', 'two months given'],
    ['margin checkout ledger', 'at most one product line'],
    ['kpis now', '`kpis` takes no arguments'],
    ['actions mine open', '`actions` takes one of'],
    ['sync github focus', '`sync` takes one source'],
    ['action add "x" 2026-02-30', '"2026-02-30" is not a date'],
    ['action add "x" <@U1> <@U2>', 'one owner only'],
    ['action add "x" <!subteam^S123|@finance>', 'not a user group'],
    ['action add "x" @ada', '"@ada" is not a Slack user'],
    ['action add "" <@U1>', 'the title is empty'],
    ['action add "a" "b"', 'only one quoted title'],
    ['action add "unterminated', 'unterminated quote'],
    ['action add "x" <@U1> 2026-12-01 nope', 'unknown product line "nope"'],
    [`action add "${'x'.repeat(ACTION_TITLE_MAX + 1)}"`, `the title is ${ACTION_TITLE_MAX + 1} characters`],
  ])('%j', (text, message) => {
    expect(err(text).message).toContain(message);
  });

  it('rejects overlong text before tokenizing it', () => {
    expect(err('margin '.repeat(500)).message).toBe('that command is 3500 characters long (at most 1000)');
  });

  it('keeps hostile words in the message raw (the renderer escapes them) and shortens long ones', () => {
    expect(err('<!channel> hi').message).toBe('unknown command "<!channel>"');
    expect(err('margin *bold*&amp;').message).toContain('"*bold*&"');
    expect(err(`x${'y'.repeat(200)}`).message).toMatch(/^unknown command "xy{58}…"$/);
  });

  it('accepts a title of exactly the maximum length', () => {
    const title = 't'.repeat(ACTION_TITLE_MAX);
    expect(ok(`action add "${title}"`)).toMatchObject({ title });
  });
});

describe('parseFinopsCommand: properties', () => {
  it('never throws and always answers a command or a usage error, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc
            .array(
              fc.constantFrom(
                'margin',
                'action',
                'add',
                '"',
                '“',
                '<@U1|a b>',
                '<',
                '>',
                '&amp;',
                '2026-10',
                'checkout',
                '@x',
                ' ',
                "'; DROP TABLE action_item; --",
              ),
              { maxLength: 12 },
            )
            .map((a) => a.join(' ')),
        ),
        (text) => {
          const r = parse(text);
          if (r.ok) expect(typeof r.command.name).toBe('string');
          else expect(r.error.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('product names match whatever their case', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('checkout', 'search-ai', 'ledger'),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        (id, upper) => {
          const mixed = [...id].map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch)).join('');
          expect(ok(`stages ${mixed}`)).toEqual({ name: 'stages', product: id, month: undefined });
        },
      ),
    );
  });
});

describe('typoDistance', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(typoDistance('mien', 'mine')).toBe(1);
    expect(typoDistance('margni', 'margin')).toBe(1);
    expect(typoDistance('kitten', 'sitting')).toBe(3);
    expect(typoDistance('', 'abc')).toBe(3);
  });
});
