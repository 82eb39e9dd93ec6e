/**
 * Hostile input through Slack, as signed requests to the real app: slash-command text (very long,
 * unicode, RTL and zero-width marks, mrkdwn, `<!channel>`, forged mentions and links, SQL) and
 * modal fields (over-long, forged ids, dates and metadata that are not what the form sends). Every
 * answer is escaped and within Block Kit limits, a form with bad fields is answered on the field,
 * and nothing is written for a refused request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/blocks/limits.ts';
import { ACTION_ITEM_UI as UI, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_ID } from '../../src/slack/ids.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';
import { unescaped } from '../unit/hostile/outside-text.ts';

const NOW = new Date('2026-11-12T10:00:00Z');

describe.each(backends())('hostile Slack input on %s', (backend) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => NOW });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    t.fake.clearCalls();
  });

  const rows = async () => ({
    items: Number(
      (
        await t.db.db
          .selectFrom('actionItem')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    events: Number(
      (
        await t.db.db
          .selectFrom('actionEvent')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });
  const broadcasts = () =>
    t.fake.calls.filter((c) => c.method === 'chat.postMessage' || c.params['response_type'] === 'in_channel');

  async function ask(text: string): Promise<RecordedCall> {
    const { res, responseUrl } = await t.slack.slashCommand({ text });
    expect(res.status).toBe(200);
    return t.fake.waitFor('response_url', (c) => responseUrl.endsWith(String(c.params['_key'])));
  }

  const TEXTS: Array<[string, string]> = [
    ['5,000 characters', 'margin '.repeat(715)],
    ['exactly the limit of 1,000', `margin ${'x'.repeat(993)}`],
    ['a broadcast mention', 'margin <!channel> <!here|here> <!everyone>'],
    ['a forged user mention and link', 'stages <@U0ADMIN001|admin> <http://evil.example|checkout>'],
    ['a user-group mention', 'sync <!subteam^S0FINANCE1|@finance>'],
    ['mrkdwn formatting', 'margin *bold* _it_ ~s~ `code` ```block``` > quote'],
    ['entities Slack already escaped', 'margin &lt;!channel&gt; &amp;amp;'],
    ['right-to-left and zero-width marks', 'margin \u202Etuokcehc\u200B\u200D\uFEFF'],
    ['emoji and combining marks', 'stages 👩‍👩‍👧 e\u0301\u0301\u0301'],
    ['SQL', "actions ' OR 1=1; DROP TABLE action_item; --"],
    ['a null byte and control characters', 'margin \u0000\u0007\u001b[31m'],
    ['an unterminated quote with a mention', 'action add "<!channel> turn off'],
    [
      'an action whose title is only zero-width spaces',
      'action add "\u200B\u200B" <@U0ADA00001|ada> 2026-12-01',
    ],
  ];

  it.each(TEXTS)('/finops with %s: an escaped answer within limits, nothing written', async (_name, text) => {
    const before = await rows();
    const answer = await ask(text);
    const msg = { text: String(answer.params['text']), blocks: answer.params['blocks'] as unknown[] };
    expect(msg.text.length).toBeGreaterThan(0);
    expect(unescaped(msg.blocks)).toEqual([]);
    expect(validateMessage(msg)).toEqual([]);
    expect(answer.params['response_type']).toBe('ephemeral');
    expect(broadcasts()).toEqual([]);
    expect(await rows()).toEqual(before);
  });

  it('logs an item whose title is an injection attempt, and shows it escaped where it is confirmed', async () => {
    const { res, responseUrl } = await t.slack.slashCommand({
      text: 'action add "<!channel> free <http://evil.example|credits> & more" <@U0ADA00001|ada> 2026-12-01',
      channelId: 'C0PAYMENT1',
    });
    expect(res.status).toBe(200);
    const answer = await t.fake.waitFor('response_url', (c) =>
      responseUrl.endsWith(String(c.params['_key'])),
    );
    const item = await t.db.db
      .selectFrom('actionItem')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    // Stored as typed (Slack's entities undone): the data is the person's words.
    expect(item.title).toBe('<!channel> free <http://evil.example|credits> & more');
    const confirm = await t.fake.waitFor('chat.postMessage', (c) => c.params['channel'] === 'C0PAYMENT1');
    for (const msg of [answer, confirm]) {
      const blocks = JSON.stringify(msg.params['blocks']);
      expect(blocks).toContain('&lt;!channel&gt; free &lt;http://evil.example|credits&gt; &amp; more');
      expect(unescaped(msg.params['blocks'])).toEqual([]);
    }
  });

  // ── modal fields ──

  const createValues = (f: {
    title?: unknown;
    owner?: unknown;
    due?: unknown;
    product?: unknown;
    anomaly?: unknown;
  }) => {
    const opt = (v: unknown) =>
      v === undefined ? null : { text: { type: 'plain_text', text: 'x' }, value: v };
    return {
      [UI.blocks.title]: { [UI.input]: { type: 'plain_text_input', value: f.title ?? 'A fine title' } },
      [UI.blocks.owner]: { [UI.input]: { type: 'users_select', selected_user: f.owner ?? 'U0ADA00001' } },
      [UI.blocks.due]: { [UI.input]: { type: 'datepicker', selected_date: f.due ?? '2026-12-01' } },
      [UI.blocks.product]: { [UI.input]: { type: 'static_select', selected_option: opt(f.product) } },
      [UI.blocks.anomaly]: { [UI.input]: { type: 'static_select', selected_option: opt(f.anomaly) } },
    };
  };

  const MODAL: Array<[string, Parameters<typeof createValues>[0], string]> = [
    ['a 5,000-character title', { title: 'x'.repeat(5000) }, UI.blocks.title],
    ['a title of only zero-width spaces', { title: '\u200B\u200B\u200B' }, UI.blocks.title],
    ['an owner that is a broadcast', { owner: '<!channel>' }, UI.blocks.owner],
    ['an owner that does not exist', { owner: 'U0NOBODY01' }, UI.blocks.owner],
    ['an owner that is a number', { owner: 42 }, UI.blocks.owner],
    ['a due date that is SQL', { due: "2026-12-01'; DROP TABLE action_item; --" }, UI.blocks.due],
    ['a due date in the past', { due: '2020-01-01' }, UI.blocks.due],
    ['a product line nobody configured', { product: '../../etc/passwd' }, UI.blocks.product],
    ['an anomaly id that is not a number', { anomaly: 'NaN' }, UI.blocks.anomaly],
    ['an anomaly that does not exist', { anomaly: '999999' }, UI.blocks.anomaly],
  ];

  it.each(MODAL)(
    'the "New action item" form with %s: an error on that field, nothing written',
    async (_n, f, block) => {
      const before = await rows();
      const res = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemModal,
        values: createValues(f),
        privateMetadata: JSON.stringify({ c: 'C0GENERAL1', t: null, m: null, mt: null }),
        viewId: `V0HOSTILE${++n}`,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
      expect(body.response_action).toBe('errors');
      expect(Object.keys(body.errors)).toContain(block);
      for (const m of Object.values(body.errors)) expect(m.length).toBeLessThanOrEqual(2000);
      expect(await rows()).toEqual(before);
    },
  );

  it.each([
    ['not JSON', '{{{'],
    ['an id that is SQL', JSON.stringify({ id: '1; DROP TABLE action_item', s: { k: 'none' } })],
    ['a negative id', JSON.stringify({ id: -1, s: { k: 'none' } })],
    ['3,000 characters of junk', 'x'.repeat(3000)],
  ])(
    'a change form whose private_metadata is %s: told on the field, nothing written',
    async (_n, metadata) => {
      const before = await rows();
      const res = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemNoteModal,
        values: { [UI.blocks.note]: { [UI.input]: { type: 'plain_text_input', value: 'a note' } } },
        privateMetadata: metadata,
        viewId: `V0HOSTILE${++n}`,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        response_action: 'errors',
        errors: { [UI.blocks.note]: 'This form lost track of its action item: close it and click again.' },
      });
      expect(await rows()).toEqual(before);
    },
  );

  it.each([
    ['a 10,000-character cause', 'c'.repeat(10_000)],
    ['an empty cause', '   '],
  ])(
    'the anomaly "Resolve" form with %s for an anomaly that does not exist: an error on the field',
    async (_n, cause) => {
      const res = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.anomalyResolveModal,
        values: {
          [BLOCK_IDS.anomalyCause]: { [INPUT_ACTION_ID]: { type: 'plain_text_input', value: cause } },
        },
        privateMetadata: '1 OR 1=1',
        viewId: `V0HOSTILE${++n}`,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
      expect(body.response_action).toBe('errors');
      expect(Object.keys(body.errors)).toEqual([BLOCK_IDS.anomalyCause]);
    },
  );
});
