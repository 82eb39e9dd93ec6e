/**
 * The /finops parser on arbitrary and hostile text (fast-check): it never throws, a command it
 * accepts holds only values it checked (known product ids, real months and days, a user id for the
 * owner, a bounded title), and what it says about bad text renders safely within Block Kit limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../src/blocks/limits.ts';
import { usageMessage } from '../../../src/commands/help.ts';
import {
  ACTION_FILTERS,
  ACTION_TITLE_MAX,
  COMMAND_TEXT_MAX,
  type FinopsCommand,
  parseFinopsCommand,
  SYNC_SOURCES,
} from '../../../src/commands/parser.ts';
import { isDay, isMonth } from '../../../src/lib/dates.ts';
import { NASTY, outsideText, unescaped } from './outside-text.ts';

const PRODUCTS = [
  { id: 'checkout', name: 'Checkout' },
  { id: 'search-ai', name: 'Search AI' },
];
const OPTS = { products: PRODUCTS };
const IDS = new Set(PRODUCTS.map((p) => p.id));

/** Text that looks like a command: a real subcommand first, then hostile words. */
const commandish = fc
  .tuple(
    fc.constantFrom(
      'margin',
      'stages',
      'actions',
      'action add',
      'anomalies',
      'kpis',
      'sync',
      'help',
      'MARGIN',
      '',
    ),
    fc.array(
      fc.oneof(
        outsideText(60),
        fc.constantFrom(...NASTY),
        fc.constantFrom(
          'checkout',
          'Search AI',
          '2026-10',
          '2026-13',
          '2026-02-30',
          '2026-12-01',
          'open',
          'mine',
        ),
        fc.constantFrom(
          '<@U0ADA00001|ada>',
          '<@W0GRACE01>',
          '<!subteam^S0FINANCE1|@finance>',
          '"a title"',
          '“curly”',
        ),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([sub, words]) => [sub, ...words].join(' '));

function expectChecked(c: FinopsCommand): void {
  switch (c.name) {
    case 'margin':
    case 'stages':
      if (c.product !== undefined) expect(IDS).toContain(c.product);
      if (c.month !== undefined) expect(isMonth(c.month)).toBe(true);
      return;
    case 'actions':
      if (c.product !== undefined) expect(IDS).toContain(c.product);
      if (c.filter !== undefined) expect(ACTION_FILTERS).toContain(c.filter);
      return;
    case 'anomalies':
      if (c.product !== undefined) expect(IDS).toContain(c.product);
      return;
    case 'action-add':
      if (c.product !== undefined) expect(IDS).toContain(c.product);
      if (c.due !== undefined) expect(isDay(c.due)).toBe(true);
      if (c.ownerId !== undefined) expect(c.ownerId).toMatch(/^[UW][A-Z0-9]+$/);
      if (c.title !== undefined) {
        expect(c.title.length).toBeGreaterThan(0);
        expect(c.title.length).toBeLessThanOrEqual(ACTION_TITLE_MAX);
      }
      return;
    case 'sync':
      expect(SYNC_SOURCES).toContain(c.source);
      return;
    case 'help':
    case 'kpis':
      return;
  }
}

describe('the /finops parser on hostile text', () => {
  it('never throws; accepts only checked values; explains the rest safely', () => {
    fc.assert(
      fc.property(fc.oneof(outsideText(1200), commandish), (text) => {
        const r = parseFinopsCommand(text, OPTS);
        if (r.ok) {
          expectChecked(r.command);
          return;
        }
        expect(r.error.message.length).toBeGreaterThan(0);
        const msg = usageMessage(r.error);
        expect(unescaped(msg.blocks)).toEqual([]);
        expect(validateMessage(msg)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses text past the length limit without tokenizing it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: COMMAND_TEXT_MAX + 1, maxLength: 20_000 }), (text) => {
        const r = parseFinopsCommand(text, OPTS);
        expect(r).toEqual({
          ok: false,
          error: { message: `that command is ${text.length} characters long (at most ${COMMAND_TEXT_MAX})` },
        });
      }),
      { numRuns: 30 },
    );
  });

  it.each([
    ["margin '; DROP TABLE snapshot; --", 'unknown product line'],
    ["actions ' OR '1'='1", '`actions` takes one of mine, open, overdue or a product line'],
    ['margin <!channel>', 'unknown product line "<!channel>"'],
    ['margin <http://evil.example|checkout>', 'unknown product line "<http://evil.example|checkout>"'],
    ['sync <@U0ADMIN001>', 'unknown source "<@U0ADMIN001>"'],
    [
      'action add "x" <!subteam^S0FINANCE1|@finance> 2026-12-01',
      'the owner must be one person, not a user group',
    ],
    ['margin \u202Ekcoh\u200Bcekc', 'unknown product line'],
    ['stages checkout 2026-99', '"2026-99" is not a month'],
    ['action add "unterminated', 'unterminated quote'],
  ])('%j is a usage error: %s', (text, message) => {
    const r = parseFinopsCommand(text, OPTS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(message);
  });

  it('keeps zero-width and RTL marks out of product matching (no look-alike product)', () => {
    const r = parseFinopsCommand('margin check\u200Bout', OPTS);
    expect(r.ok).toBe(false);
  });
});
