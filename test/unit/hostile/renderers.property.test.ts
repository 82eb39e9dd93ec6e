/**
 * Property tests of the renderers against hostile outside text (fast-check): whatever a PR title,
 * a service name, a region, a note, a product name or what a user typed contains, the payload's
 * mrkdwn carries no raw `<`, `>` or stray `&` (only the mentions and links the renderer builds
 * from ids and checked URLs), and the payload stays within Block Kit limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionItemCard,
  renderActionItemLogged,
  renderActionItemModal,
  renderActionList,
  renderActionReminder,
  renderActionRefusal,
  renderNoteModal,
} from '../../../src/blocks/action-items.ts';
import {
  type AnomalyAlertView,
  renderAnomalyAlert,
  renderResolveModal,
} from '../../../src/blocks/anomaly-alert.ts';
import { renderAnomalyList } from '../../../src/blocks/anomaly-list.ts';
import { escapeMrkdwn, link, mentionChannel, mentionUser } from '../../../src/blocks/escape.ts';
import { renderSyncFinished } from '../../../src/blocks/figures.ts';
import { renderHelp } from '../../../src/blocks/help.ts';
import {
  joinLinesWithin,
  LIMITS,
  truncateText,
  validateMessage,
  validateView,
} from '../../../src/blocks/limits.ts';
import { renderError, renderInfoModal, renderShared } from '../../../src/blocks/reply.ts';
import { USAGE } from '../../../src/commands/parser.ts';
import { ACTION_ITEM_UI as UI, ANOMALY_ALERT_ACTIONS, CALLBACK_IDS } from '../../../src/slack/ids.ts';
import { outsideText, unescaped } from './outside-text.ts';

const RUNS = { numRuns: 150 };
const text = outsideText();
const nonEmpty = text.filter((s) => s.trim().length > 0);
/** A product line id as the config schema admits it. */
const configId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,40}$/);
const id = fc.oneof(fc.constantFrom('U0ADA00001', 'W0GRACE001'), outsideText(40));

const card = fc.record({
  id: fc.integer({ min: 1, max: 1_000_000 }),
  title: text,
  ownerId: id,
  creatorId: id,
  dueDate: fc.constant('2026-12-01'),
  productLine: fc.option(text, { nil: null }),
  productName: fc.option(text, { nil: null }),
  state: fc.constantFrom('open' as const, 'overdue' as const, 'done' as const),
  daysOverdue: fc.nat(400),
  sourcePermalink: fc.option(
    fc.oneof(
      text,
      text.map((s) => `https://acme.slack.com/archives/${s}`),
    ),
    {
      nil: null,
    },
  ),
  anomalyId: fc.option(fc.integer({ min: 1, max: 99 }), { nil: null }),
}) satisfies fc.Arbitrary<ActionItemCard>;

const alertView = fc.record({
  id: fc.integer({ min: 1, max: 1000 }),
  productLine: fc.option(text, { nil: null }),
  productName: fc.option(text, { nil: null }),
  service: text,
  currency: fc.constant('USD'),
  firstDay: fc.constant('2026-10-15'),
  lastDay: fc.constant('2026-10-16'),
  actual: fc.double({ min: 0, max: 1e9, noNaN: true }),
  expected: fc.double({ min: 0, max: 1e9, noNaN: true }),
  impact: fc.double({ min: 0, max: 1e9, noNaN: true }),
  impactPct: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
  rootCause: fc.array(
    fc.record({
      subAccount: fc.option(text, { nil: null }),
      region: fc.option(text, { nil: null }),
      increase: fc.double({ min: 0, max: 1e6, noNaN: true }),
    }),
    { maxLength: 5 },
  ),
  status: fc.constantFrom(
    'open' as const,
    'acknowledged' as const,
    'expected' as const,
    'resolved' as const,
    'suppressed' as const,
  ),
  routingNote: fc.constant(null),
  acknowledged: fc.option(fc.record({ by: id, at: fc.constant(new Date('2026-10-16T10:00:00Z')) }), {
    nil: null,
  }),
  markedExpected: fc.constant(null),
  resolved: fc.option(
    fc.record({
      by: id,
      at: fc.constant(new Date('2026-10-17T10:00:00Z')),
      cause: fc.option(text, { nil: null }),
    }),
    { nil: null },
  ),
  actionItems: fc.array(fc.record({ id: fc.integer({ min: 1, max: 99 }), title: text, ownerId: id }), {
    maxLength: 12,
  }),
}) satisfies fc.Arbitrary<AnomalyAlertView>;

/** Safe and within limits, with the offending texts in the failure message. */
/**
 * `fallback`: the notification text is checked too (Slack formats it as mrkdwn). Only answers
 * shown to the person who typed the text (errors, usage) keep their words as typed there.
 */
function expectSafeMessage(msg: { text: string; blocks: unknown[] }, opts = { fallback: true }): void {
  expect(unescaped(msg.blocks)).toEqual([]);
  if (opts.fallback) expect(unescaped({ type: 'mrkdwn', text: msg.text })).toEqual([]);
  expect(validateMessage(msg)).toEqual([]);
}
const EPHEMERAL = { fallback: false };
function expectSafeView(view: Record<string, unknown>): void {
  expect(unescaped(view)).toEqual([]);
  expect(validateView(view)).toEqual([]);
}

describe('escaping primitives', () => {
  it('escapeMrkdwn leaves no control character and is undone exactly by the three entities', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeMrkdwn(s);
        expect(e).not.toMatch(/[<>]|&(?!(?:amp|lt|gt);)/);
        expect(e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')).toBe(s);
      }),
      RUNS,
    );
  });

  it('mentions and links built from outside text are either ours or escaped', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(
          unescaped({ type: 'mrkdwn', text: `${mentionUser(a)} ${mentionChannel(a)} ${link(a, b)}` }),
        ).toEqual([]);
        expect(
          unescaped({ type: 'mrkdwn', text: link(`https://example.com/${a.replace(/[\s<>|]/g, '')}`, b) }),
        ).toEqual([]);
      }),
      RUNS,
    );
  });

  it('truncateText and joinLinesWithin never exceed the limit nor cut an entity or a mention in half', () => {
    fc.assert(
      // Callers pass Slack's limits (150 at the least): room for the "…and N more" line.
      fc.property(fc.array(text, { maxLength: 40 }), fc.integer({ min: 100, max: 3000 }), (lines, max) => {
        const escaped = lines.map(escapeMrkdwn);
        const joined = joinLinesWithin(escaped, max);
        expect(joined.length).toBeLessThanOrEqual(max);
        expect(unescaped({ type: 'mrkdwn', text: joined })).toEqual([]);
        const cut = truncateText(escaped.join(' '), max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(unescaped({ type: 'mrkdwn', text: cut })).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('renderers on hostile outside text', () => {
  it('an error and the usage with what the user typed', () => {
    fc.assert(
      // Messages are never empty (errors always say something); what they quote may be anything.
      fc.property(nonEmpty, fc.option(text, { nil: undefined }), (message, didYouMean) => {
        expectSafeMessage(renderError(message), EPHEMERAL);
        expectSafeMessage(
          renderHelp({ command: '/finops', entries: USAGE, problem: { message, didYouMean } }),
          EPHEMERAL,
        );
        expectSafeMessage(renderShared(renderError(message), 'U0ADA00001'), EPHEMERAL);
      }),
      RUNS,
    );
  });

  it('action items: lists, reminders, refusals and the logged confirmation', () => {
    fc.assert(
      // Items come from the database: their ids are unique.
      fc.property(
        fc.uniqueArray(card, { maxLength: 20, selector: (c) => c.id }),
        text,
        text,
        (cards, title, reason) => {
          const list = {
            title,
            items: cards,
            total: cards.length + 7,
            offset: 0,
            limit: 15,
            list: { filter: null, product: null, offset: 0 },
            emptyText: title,
          };
          expectSafeMessage(renderActionList(list, UI));
          expectSafeMessage(renderActionList(list, null));
          for (const c of cards.slice(0, 3)) {
            expectSafeMessage(renderActionReminder(c, { kind: 'overdue', days: 3 }, UI));
            expectSafeMessage(renderActionRefusal(c));
            expectSafeMessage(renderActionItemLogged(c, { state: 'failed', channel: title, reason }));
            expectSafeView(renderNoteModal(c, UI, '{}', 500) as unknown as Record<string, unknown>);
          }
        },
      ),
      RUNS,
    );
  });

  it('the "New action item" modal prefilled from outside text', () => {
    fc.assert(
      fc.property(
        text,
        // Product lines come from the validated config: ids match its pattern, names may be anything.
        fc.uniqueArray(fc.record({ id: configId, name: nonEmpty }), {
          maxLength: 120,
          selector: (p) => p.id,
        }),
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 1e6 }), label: nonEmpty }), { maxLength: 120 }),
        (title, products, anomalies) => {
          const view = renderActionItemModal(
            { initial: { title }, products, anomalies, origin: escapeMrkdwn(title), privateMetadata: '{}' },
            UI,
            200,
          );
          expectSafeView(view as unknown as Record<string, unknown>);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('anomaly alerts, their Resolve modal and the /finops anomalies list', () => {
    fc.assert(
      fc.property(alertView, fc.array(alertView, { maxLength: 30 }), text, (v, more, scope) => {
        expectSafeMessage(renderAnomalyAlert(v, ANOMALY_ALERT_ACTIONS));
        expectSafeView(
          renderResolveModal(v, {
            callbackId: CALLBACK_IDS.anomalyResolveModal,
            blockId: 'anomaly_cause',
            actionId: 'value',
            privateMetadata: String(v.id),
            maxLength: 300,
          }) as unknown as Record<string, unknown>,
        );
        expectSafeMessage(
          renderAnomalyList({
            scope,
            openOnly: false,
            max: 20,
            falsePositives: { alerted: 3, expected: 1 },
            items: more.map((a) => ({ ...a, channelId: a.productLine })),
          }),
        );
      }),
      { numRuns: 80 },
    );
  });

  it('the sync report and an info modal', () => {
    fc.assert(
      // Source names are the app's own; the lines quote what the sources said.
      fc.property(
        fc.constantFrom('github', 'pagerduty', 'focus'),
        fc.array(text, { maxLength: 80 }),
        nonEmpty,
        (source, lines, note) => {
          expectSafeMessage(renderSyncFinished([{ source, status: 'failed', lines, ms: 1234 }]));
          expectSafeView(renderInfoModal('FinOps action item', note, CALLBACK_IDS.infoModal));
        },
      ),
      RUNS,
    );
  });

  it('a section never exceeds its 3000 characters however long the outside text', () => {
    const huge = 'x<&>'.repeat(LIMITS.sectionText);
    expectSafeMessage(renderError(huge), EPHEMERAL);
  });
});
