import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, link, mentionChannel, mentionUser } from '../../src/blocks/escape.ts';
import { renderHelp } from '../../src/blocks/help.ts';
import { actions, button, fields, header, section } from '../../src/blocks/kit.ts';
import {
  capBlocks,
  capList,
  joinLinesWithin,
  paginateBlocks,
  truncateText,
  validateBlocks,
  validateMessage,
  validateView,
} from '../../src/blocks/limits.ts';
import { renderError, renderShared, withShareButton } from '../../src/blocks/reply.ts';
import { USAGE } from '../../src/commands/parser.ts';

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('<!channel> *bold* &amp; <https://evil|x>')).toBe(
      '&lt;!channel&gt; *bold* &amp;amp; &lt;https://evil|x&gt;',
    );
    expect(escapeMrkdwn('plain – ünïcode ✓')).toBe('plain – ünïcode ✓');
  });

  it('leaves no control character behind, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const e = escapeMrkdwn(s);
        expect(e).not.toMatch(/[<>]/);
        expect(e.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
  });

  it('builds mentions and links only from ids and http(s) URLs', () => {
    expect(mentionUser('U0123ABCD')).toBe('<@U0123ABCD>');
    expect(mentionUser('<!channel>')).toBe('&lt;!channel&gt;');
    expect(mentionChannel('C0123')).toBe('<#C0123>');
    expect(link('https://slack.example/p1', 'a <b> | c')).toBe('<https://slack.example/p1|a &lt;b&gt; ¦ c>');
    expect(link('javascript:alert(1)', 'x<')).toBe('x&lt;');
  });
});

describe('truncateText', () => {
  it('keeps short text and cuts long text to the limit with an ellipsis', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('abcdef', 4)).toHaveLength(4);
  });

  it('does not leave half a mention, half an entity or half a surrogate pair', () => {
    expect(truncateText('see <@U0123ABCD> now', 10)).toBe('see …');
    expect(truncateText('R&amp;D budget', 5)).toBe('R…');
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
  });

  it('never exceeds the limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 1, max: 300 }), (s, max) => {
        expect(truncateText(s, max).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('lists and pages', () => {
  it('capList says how many were left out', () => {
    expect(capList([1, 2, 3, 4], 3)).toEqual({ shown: [1, 2, 3], hidden: 1 });
    expect(capList([1, 2], 3)).toEqual({ shown: [1, 2], hidden: 0 });
  });

  it('joinLinesWithin keeps whole lines and says "…and N more"', () => {
    const lines = ['aaaa', 'bbbb', 'cccc', 'dddd'];
    expect(joinLinesWithin(lines, 100)).toBe('aaaa\nbbbb\ncccc\ndddd');
    // 'aaaa\nbbbb' (9) + '\n…and 2 more' (12) = 21 ≤ 22; adding 'cccc' would leave no room for the note.
    expect(joinLinesWithin(lines, 22, 'items')).toBe('aaaa\n…and 3 more items');
    expect(joinLinesWithin(lines, 23)).toBe('aaaa\nbbbb\n…and 2 more');
    expect(joinLinesWithin(['x'.repeat(50)], 10)).toBe('xxxxxxxxx…');
  });

  it('joinLinesWithin stays within the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 80 }), { maxLength: 200 }),
        fc.integer({ min: 20, max: 3000 }),
        (lines, max) => {
          expect(joinLinesWithin(lines, max).length).toBeLessThanOrEqual(max);
        },
      ),
    );
  });

  it('capBlocks replaces the overflow by one note', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => section(`b${i}`));
    const capped = capBlocks(blocks, 50, (n) => section(`…and ${n} more`));
    expect(capped).toHaveLength(50);
    expect(capped[49]).toEqual(section('…and 11 more'));
    expect(capped[48]).toEqual(section('b48'));
  });

  it('paginateBlocks makes full pages then the rest', () => {
    const pages = paginateBlocks(Array.from({ length: 120 }, (_, i) => i));
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(paginateBlocks([])).toEqual([]);
  });
});

describe('validateMessage / validateView', () => {
  it('accepts a message at the limits', () => {
    const blocks = [
      header('h'.repeat(150)),
      section('s'.repeat(3000)),
      fields(Array.from({ length: 10 }, () => 'f'.repeat(2000))),
      actions([button('b'.repeat(75), 'a'.repeat(255))], 'k'.repeat(255)),
      ...Array.from({ length: 46 }, () => section('x')),
    ];
    expect(blocks).toHaveLength(50);
    expect(validateMessage({ text: 't', blocks })).toEqual([]);
  });

  it('names every limit a payload breaks', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
      { type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] },
      {
        type: 'actions',
        block_id: 'dup',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a'.repeat(256) },
        ],
      },
      { type: 'context', block_id: 'dup', elements: [{ type: 'mrkdwn', text: 'c' }] },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
    ];
    expect(validateMessage({ text: '', blocks })).toEqual([
      'text: a fallback text is required',
      'blocks[0].text: 151 characters (max 150)',
      'blocks[1].text: 3001 characters (max 3000)',
      'blocks[2].fields: 11 fields (max 10)',
      'blocks[3].fields[0]: 2001 characters (max 2000)',
      'blocks[4].elements[0].action_id: longer than 255',
      'blocks[4].elements[0].text: 76 characters (max 75)',
      'blocks[5].block_id: duplicate "dup"',
      'blocks[6].text: empty text',
    ]);
    expect(validateBlocks(Array.from({ length: 51 }, () => section('x')))).toEqual([
      'blocks: 51 blocks (max 50 in a message)',
    ]);
  });

  it('checks modal titles and the 100-block view limit', () => {
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 'A title that is too long!' },
      blocks: Array.from({ length: 101 }, () => section('x')),
    };
    expect(validateView(view)).toEqual([
      'view.title: 25 characters (max 24)',
      'view.blocks: 101 blocks (max 100 in a modal)',
    ]);
    expect(validateView({ type: 'home', blocks: Array.from({ length: 100 }, () => section('x')) })).toEqual(
      [],
    );
  });
});

describe('renderHelp', () => {
  it('renders the whole usage payload', () => {
    const msg = renderHelp({ command: '/finops', entries: USAGE });
    expect(msg.text).toBe('Usage of /finops — margin, stages, actions, action, anomalies, kpis, sync, help');
    expect(msg.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '/finops — the monthly FinOps review on demand', emoji: true },
    });
    expect(msg.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '`/finops margin [PRODUCT] [YYYY-MM]` — costs, and for finance viewers revenue and gross margin, with drift',
          '`/finops stages [PRODUCT] [YYYY-MM]` — engineering hours by SDLC stage and their drift',
          '`/finops actions [mine|open|overdue|PRODUCT]` — the action log',
          '`/finops action add "title" @owner YYYY-MM-DD [PRODUCT]` — log an action item (missing parts open a form)',
          '`/finops anomalies [PRODUCT] [open]` — cost anomalies and labour-side incident spikes',
          '`/finops kpis` — allocation, anomaly, action-log and commitment KPIs',
          '`/finops sync [github|pagerduty|focus|openai|anthropic|all]` — run an ingestion now (admins)',
          '`/finops help` — this help',
        ].join('\n'),
      },
    });
    expect(msg.blocks).toHaveLength(3);
    expect(validateMessage(msg)).toEqual([]);
  });

  it('shows the problem and the did-you-mean, escaped', () => {
    const msg = renderHelp({
      command: '/finops',
      entries: USAGE,
      problem: { message: 'unknown command "<!channel>"', didYouMean: 'margin <@U1|x>' },
    });
    expect(msg.blocks[0]).toEqual(
      section(':warning: unknown command "&lt;!channel&gt;". Did you mean `/finops margin &lt;@U1|x&gt;`?'),
    );
    expect(msg.text.startsWith('unknown command "<!channel>". Did you mean "/finops margin <@U1|x>"?')).toBe(
      true,
    );
    expect(validateMessage(msg)).toEqual([]);
  });

  it('stays within limits for any hostile problem text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 5000 }),
        fc.option(fc.string({ maxLength: 5000 }), { nil: undefined }),
        (message, didYouMean) => {
          const msg = renderHelp({ command: '/finops', entries: USAGE, problem: { message, didYouMean } });
          expect(validateMessage({ ...msg, text: msg.text || 'x' })).toEqual([]);
          const first = msg.blocks[0] as unknown as { text: { text: string } };
          expect(first.text.text).not.toMatch(/<(?!@)/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('reply framing', () => {
  it('adds the share button within the 50-block limit', () => {
    const many = { text: 't', blocks: Array.from({ length: 70 }, (_, i) => section(`r${i}`)) };
    const shared = withShareButton(many, 'share_answer', '42');
    expect(shared.blocks).toHaveLength(50);
    expect(shared.blocks[48]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…and 22 more' }],
    });
    expect(shared.blocks[49]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Share in channel', emoji: true },
          action_id: 'share_answer',
          value: '42',
        },
      ],
    });
    expect(validateMessage(shared)).toEqual([]);
  });

  it('credits who shared when there is room', () => {
    const msg = renderShared({ text: 't', blocks: [section('a')] }, 'U0001');
    expect(msg.blocks).toEqual([
      section('a'),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Shared by <@U0001>' }] },
    ]);
  });

  it('escapes error text', () => {
    expect(renderError('bad <!here>')).toEqual({
      text: 'bad <!here>',
      blocks: [section(':warning: bad &lt;!here&gt;')],
    });
  });
});
