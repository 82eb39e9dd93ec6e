/**
 * What hostile outside text looks like, for the property tests: arbitrary strings (any code
 * point, lone surrogates included), laced with what attacks Slack's mrkdwn and our parsers —
 * broadcast mentions, forged links and mentions, entities, formatting, RTL and zero-width marks,
 * SQL, very long runs — and a checker that a rendered payload lets none of it through.
 */
import fc from 'fast-check';

export const NASTY = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0FINANCE1>',
  '<@U0ADMIN001>',
  '<#C0REVIEW01>',
  '<http://evil.example|Click me>',
  '<https://x.example>',
  '&lt;!channel&gt;',
  '&amp;',
  '&',
  '<',
  '>',
  '|',
  '*bold*',
  '_it_',
  '~s~',
  '`code`',
  '```',
  '\u202Egnp.exe',
  '\u200B',
  '\u200D',
  '\uFEFF',
  '\u0000',
  '\uD800',
  '😀',
  '👩‍👩‍👧',
  'Ω≈ç√',
  "'; DROP TABLE action_item; --",
  "' OR '1'='1",
  '\n',
  '\r\n',
  '\t',
  '"',
  '“',
  '«',
] as const;

/** A string of any characters, nasty fragments mixed in; sometimes very long. */
export const outsideText = (maxLength = 300): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    {
      weight: 4,
      arbitrary: fc
        .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'grapheme', maxLength: 12 })), {
          maxLength: 30,
        })
        .map((parts) => parts.join('').slice(0, Math.max(maxLength, 1))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY).map((s) => s.repeat(Math.ceil(4000 / s.length))) },
  );

/** Every mrkdwn text object in a payload (sections, fields, context elements…). */
export function mrkdwnTexts(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') out.push(o['text']);
    for (const x of Object.values(o)) walk(x);
  };
  walk(payload);
  return out;
}

/** The `<…>` constructs renderers build themselves from ids and checked URLs. */
const OURS = [
  /<@[UW][A-Z0-9]{2,}>/g,
  /<#[CGD][A-Z0-9]{2,}>/g,
  /<https?:\/\/[^\s<>|]+(?:\|[^<>]*)?>/g,
  /<!date\^\d+\^[^|<>]*\|[^<>]*>/g,
];

/**
 * What an outside string could smuggle through: a `<`, `>` left raw, or an `&` that is not one of
 * the three entities. Returns the offending texts (empty: safe).
 */
export function unescaped(payload: unknown): string[] {
  return mrkdwnTexts(payload).filter((t) => {
    const rest = OURS.reduce((s, re) => s.replace(re, ''), t);
    return /[<>]/.test(rest) || /&(?!(?:amp|lt|gt);)/.test(rest);
  });
}
