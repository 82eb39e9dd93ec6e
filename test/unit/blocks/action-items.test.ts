import { describe, expect, it } from 'vitest';
import { renderActionHome } from '../../../src/blocks/action-home.ts';
import {
  ACTION_LIST_PAGE_SIZE,
  type ActionItemCard,
  itemButtonValue,
  pageButtonValue,
  parseItemButtonValue,
  parsePageButtonValue,
  renderActionItemModal,
  renderActionList,
  renderActionReminder,
  renderOverdueDigest,
} from '../../../src/blocks/action-items.ts';
import { validateMessage, validateView } from '../../../src/blocks/limits.ts';
import { ACTION_ITEM_UI as UI } from '../../../src/slack/ids.ts';

const hostile = '<!channel> & <https://evil.example|click> ';
const card = (id: number, over: Partial<ActionItemCard> = {}): ActionItemCard => ({
  id,
  title: `${hostile}${'x'.repeat(200 - hostile.length)}`,
  ownerId: 'U0GRACE001',
  creatorId: 'U0ADA00001',
  dueDate: '2026-11-04',
  productLine: 'checkout',
  productName: 'Check<out>',
  state: 'overdue',
  daysOverdue: 6,
  sourcePermalink: 'https://acme.slack.com/archives/C1/p1',
  anomalyId: 42,
  ...over,
});

describe('action log renderers', () => {
  it('renders the reminder DM with Done / Snooze, the whole payload', () => {
    const msg = renderActionReminder(
      card(7, { title: 'Turn off idle GPUs' }),
      { kind: 'overdue', days: 6 },
      UI,
    );
    expect(msg).toEqual({
      text: 'Action item #7 is 6 days overdue (was due 2026-11-04): Turn off idle GPUs',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              ':alarm_clock: 6 days overdue\n⏰ *#7* Turn off idle GPUs\n<@U0GRACE001> · due 2026-11-04 (*6 days overdue*) · ' +
              'Check&lt;out&gt; · anomaly #42 · <https://acme.slack.com/archives/C1/p1|source message>',
          },
        },
        {
          type: 'actions',
          block_id: 'action_item_7',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Done', emoji: true },
              action_id: UI.buttons.done,
              value: '{"id":7}',
              style: 'primary',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Snooze', emoji: true },
              action_id: UI.buttons.snooze,
              value: '{"id":7}',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Reassign', emoji: true },
              action_id: UI.buttons.reassign,
              value: '{"id":7}',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Add note', emoji: true },
              action_id: UI.buttons.note,
              value: '{"id":7}',
            },
          ],
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: 'Done when it is done; Snooze picks a new due date. Reminders come on weekdays only.',
            },
          ],
        },
      ],
    });
  });

  it('escapes outside text and keeps a full page of the longest titles within limits', () => {
    const items = Array.from({ length: ACTION_LIST_PAGE_SIZE }, (_, i) => card(i + 1));
    const view = {
      title: 'Open action items',
      items,
      total: 100,
      offset: 15,
      limit: ACTION_LIST_PAGE_SIZE,
      list: { filter: 'open', product: null, offset: 15 },
      emptyText: 'none',
    };
    const msg = renderActionList(view, UI);
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(49); // room for "Share in channel"
    const json = JSON.stringify(msg.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    const pager = msg.blocks.at(-1) as unknown as { elements: Array<{ value: string }> };
    expect(pager.elements.map((e) => parsePageButtonValue(e.value))).toEqual([
      { filter: 'open', product: null, offset: 0 },
      { filter: 'open', product: null, offset: 30 },
    ]);
    const shared = renderActionList(view, null);
    expect(JSON.stringify(shared.blocks)).not.toContain('"actions"');
  });

  it('round-trips button values and rejects foreign ones', () => {
    expect(parseItemButtonValue(itemButtonValue(12, { filter: 'mine', product: null, offset: 15 }))).toEqual({
      id: 12,
      list: { filter: 'mine', product: null, offset: 15 },
    });
    expect(parseItemButtonValue('12')).toEqual({ id: 12, list: null });
    expect(['', 'x', '{"id":-1}', '{"id":"1e400"}', undefined].map(parseItemButtonValue)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(parsePageButtonValue(pageButtonValue({ filter: null, product: 'checkout', offset: 30 }))).toEqual({
      filter: null,
      product: 'checkout',
      offset: 30,
    });
  });

  it('keeps the modal within limits with 150 product lines and anomalies, prefilled', () => {
    const products = Array.from({ length: 150 }, (_, i) => ({
      id: `p${i}`,
      name: `Product ${'n'.repeat(100)} ${i}`,
    }));
    const anomalies = Array.from({ length: 150 }, (_, i) => ({
      id: i + 1,
      label: `#${i + 1} ${'a'.repeat(100)}`,
    }));
    const view = renderActionItemModal(
      {
        initial: {
          title: 'Fix tags',
          ownerId: 'U0GRACE001',
          dueDate: '2026-11-20',
          productLine: 'p3',
          anomalyId: 5,
        },
        products,
        anomalies,
        origin: 'From a message',
        privateMetadata: '{}',
      },
      UI,
      200,
    );
    expect(validateView(view)).toEqual([]);
    const el = (id: string) =>
      (view.blocks.find((b) => b.block_id === id) as unknown as { element: Record<string, unknown> }).element;
    expect(el(UI.blocks.title)).toMatchObject({ initial_value: 'Fix tags', max_length: 200 });
    expect(el(UI.blocks.owner)['initial_user']).toBe('U0GRACE001');
    expect(el(UI.blocks.due)['initial_date']).toBe('2026-11-20');
    expect((el(UI.blocks.product)['initial_option'] as { value: string }).value).toBe('p3');
    expect((el(UI.blocks.anomaly)['initial_option'] as { value: string }).value).toBe('5');
  });

  it('keeps the weekly digest of 500 overdue items within one message', () => {
    const items = Array.from({ length: 500 }, (_, i) => card(i + 1, { daysOverdue: i % 17 }));
    const msg = renderOverdueDigest({ weekOf: '2026-11-16', today: '2026-11-16', items });
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe('500 action items are overdue (Overdue action items — week of 2026-11-16).');
    expect(JSON.stringify(msg.blocks.at(-1))).toContain('…and');
  });

  it('keeps the App Home within 100 blocks, with margin only when told', () => {
    const home = renderActionHome(
      {
        command: '/finops',
        items: Array.from({ length: 20 }, (_, i) => card(i + 1)),
        itemsTotal: 33,
        team: { id: 'payments', name: 'Payments' },
        teamNote: null,
        numbers: {
          month: '2026-10',
          currency: 'USD',
          productLines: Array.from({ length: 30 }, (_, i) => ({
            id: `p${i}`,
            name: `P${i}`,
            allInCost: 1000,
            labour: i % 2 ? null : 500,
            cloud: 300,
            ai: 100,
            ci: 100,
            stageShare:
              i % 2 ? null : { authoring: 50, review: 20, qa: 10, deploy: 5, incident: 10, rework: 5 },
          })),
        },
        showMargin: false,
        anomalies: [],
        anomaliesTotal: 0,
      },
      UI,
    );
    expect(validateView(home)).toEqual([]);
    const json = JSON.stringify(home);
    expect(json).toContain('…and 13 more items: `/finops actions mine`');
    expect(json).toContain('…and 18 more product lines');
    expect(json).not.toContain('Gross margin');
  });
});
