/**
 * The action log end to end: signed requests to the real app, the fake Slack recording what the
 * app sent, the database checked directly, on each backend. Items are created by the modal (from a
 * review reply's button), the message shortcut and the command; changed by every button from the
 * DM, the App Home and `/finops actions`; refused for others; deduplicated; bad input rejected on
 * the field with nothing written; and a Slack failure after the write does not lose the item.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listActionEvents } from '../../src/db/repos/action-items.ts';
import { insertCostAnomaly } from '../../src/db/repos/anomalies.ts';
import { saveOpenSnapshot } from '../../src/db/repos/snapshots.ts';
import { runJob } from '../../src/jobs/runner.ts';
import { actionRemindersJob } from '../../src/jobs/action-reminders.ts';
import type { SnapshotData } from '../../src/model/types.ts';
import { ACTION_IDS, ACTION_ITEM_UI as UI, CALLBACK_IDS } from '../../src/slack/ids.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const ADA = 'U0ADA00001';
const GRACE = 'U0GRACE001';
const LINUS = 'U0LINUS001';
const ADMIN = 'U0ADMIN001';
const GONE = 'U0GONE0001';
const REVIEW = 'C0REVIEW01';
const GENERAL = 'C0GENERAL1';

type View = {
  id: string;
  callback_id: string;
  private_metadata: string;
  blocks: Array<{
    type: string;
    block_id?: string;
    element?: Record<string, unknown>;
    text?: { text: string };
  }>;
};
type Answer = { response_type?: string; replace_original?: boolean; text?: string; blocks?: unknown[] };

interface Fields {
  title?: string | null;
  owner?: string | null;
  due?: string | null;
  product?: string | null;
  anomaly?: number | null;
}

/** `state.values` of the "New action item" modal as Slack sends them. */
function modalValues(f: Fields): Record<string, Record<string, Record<string, unknown>>> {
  const opt = (v: string) => ({ text: { type: 'plain_text', text: v }, value: v });
  return {
    [UI.blocks.title]: { [UI.input]: { type: 'plain_text_input', value: f.title ?? null } },
    [UI.blocks.owner]: { [UI.input]: { type: 'users_select', selected_user: f.owner ?? null } },
    [UI.blocks.due]: { [UI.input]: { type: 'datepicker', selected_date: f.due ?? null } },
    [UI.blocks.product]: {
      [UI.input]: { type: 'static_select', selected_option: f.product ? opt(f.product) : null },
    },
    [UI.blocks.anomaly]: {
      [UI.input]: { type: 'static_select', selected_option: f.anomaly ? opt(String(f.anomaly)) : null },
    },
  };
}

describe.each(backends())('the action log in Slack on %s', (backend) => {
  let t: TestApp;
  let clock: Date;
  let n = 0;

  beforeAll(async () => {
    clock = new Date('2026-11-10T09:00:00Z'); // Tuesday, 10:00 in Berlin
    t = await startTestApp({ backend, now: () => clock });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    clock = new Date('2026-11-10T09:00:00Z');
    await t.db.db.deleteFrom('actionEvent').execute();
    await t.db.db.deleteFrom('actionItem').execute();
    await t.db.db.deleteFrom('postedMessage').execute();
    await t.db.db.deleteFrom('anomaly').execute();
    await t.db.db.deleteFrom('snapshot').execute();
    t.fake.clearCalls();
  });

  const items = () => t.db.db.selectFrom('actionItem').selectAll().orderBy('id').execute();
  const since = (seq: number) => (c: RecordedCall) => c.seq > seq;
  const lastSeq = () => t.fake.calls.at(-1)?.seq ?? 0;
  const viewOf = (c: RecordedCall) => c.params['view'] as View;

  /** A block_actions payload with any container (message, ephemeral, Home tab). */
  async function click(o: {
    actionId: string;
    value: string;
    userId: string;
    container: Record<string, unknown>;
    message?: Record<string, unknown>;
  }): Promise<{ res: Response; responseUrl: string | undefined }> {
    const channelId = typeof o.container['channel_id'] === 'string' ? o.container['channel_id'] : undefined;
    const responseUrl = o.container['type'] === 'view' ? undefined : t.fake.responseUrl(channelId);
    const res = await t.slack.interaction({
      type: 'block_actions',
      token: 'verification_token',
      api_app_id: 'A0FINOPS01',
      team: { id: t.fake.teamId, domain: 'finops-test' },
      user: {
        id: o.userId,
        username: o.userId.toLowerCase(),
        name: o.userId.toLowerCase(),
        team_id: t.fake.teamId,
      },
      container: o.container,
      ...(channelId ? { channel: { id: channelId, name: 'x' } } : {}),
      ...(o.message ? { message: o.message } : {}),
      ...(o.container['type'] === 'view'
        ? { view: { id: o.container['view_id'], type: 'home', blocks: [], private_metadata: '' } }
        : {}),
      trigger_id: `${Date.now()}.${++n}.click`,
      ...(responseUrl ? { response_url: responseUrl } : {}),
      actions: [
        {
          action_id: o.actionId,
          block_id: 'b',
          type: 'button',
          value: o.value,
          text: { type: 'plain_text', text: 'Button', emoji: true },
          action_ts: `${Math.floor(Date.now() / 1000)}.000001`,
        },
      ],
    });
    return { res, responseUrl };
  }

  const answerTo = async (responseUrl: string | undefined): Promise<Answer> =>
    (await t.fake.waitFor('response_url', (c) => String(responseUrl).endsWith(String(c.params['_key']))))
      .params as Answer;

  async function submit(view: View, fields: Fields, userId = ADA, viewId = `V${++n}SUBMIT`) {
    const res = await t.slack.viewSubmission({
      callbackId: view.callback_id,
      values: modalValues(fields),
      userId,
      privateMetadata: view.private_metadata,
      viewId,
    });
    const body = await res.text();
    return { status: res.status, body: body ? (JSON.parse(body) as Record<string, unknown>) : null };
  }

  /** A review thread: the parent and one product-line reply, posted as the bot. */
  async function reviewThread() {
    const parent = await t.app.gateway.post(REVIEW, { text: 'FinOps review — October 2026' });
    const reply = await t.app.gateway.post(REVIEW, { text: 'Checkout', threadTs: parent.ts });
    return { parent: parent.ts, reply: reply.ts };
  }

  /** Opens the modal from a review reply's "Add action item" and returns the view Slack got. */
  async function openFromReview(userId = ADA) {
    const thread = await reviewThread();
    const before = lastSeq();
    const { res } = await click({
      actionId: ACTION_IDS.actionItemAdd,
      value: JSON.stringify({ productLine: 'checkout', month: '2026-10' }),
      userId,
      container: { type: 'message', message_ts: thread.reply, channel_id: REVIEW, is_ephemeral: false },
      message: { type: 'message', ts: thread.reply, thread_ts: thread.parent, text: 'Checkout' },
    });
    expect(res.status).toBe(200);
    const opened = await t.fake.waitFor('views.open', since(before));
    return { view: viewOf(opened), thread };
  }

  async function createViaModal(fields: Fields = {}, userId = ADA) {
    const { view, thread } = await openFromReview(userId);
    const r = await submit(
      view,
      { title: 'Turn off idle GPUs', owner: GRACE, due: '2026-11-20', product: 'checkout', ...fields },
      userId,
    );
    expect(r).toEqual({ status: 200, body: null });
    const [item] = (await items()).slice(-1);
    return { item: item as NonNullable<typeof item>, thread };
  }

  it('creates an item from a review reply: modal prefilled, one transaction, confirmed in the thread', async () => {
    const { view, thread } = await openFromReview();
    expect(view.callback_id).toBe(CALLBACK_IDS.actionItemModal);
    const product = view.blocks.find((b) => b.block_id === UI.blocks.product);
    expect(product?.element?.['initial_option']).toEqual({
      text: { type: 'plain_text', text: 'Checkout', emoji: true },
      value: 'checkout',
    });
    expect(JSON.stringify(view.blocks[0])).toContain('Raised in the review of 2026-10 · Checkout');

    const before = lastSeq();
    const r = await submit(view, {
      title: 'Turn off idle GPUs',
      owner: GRACE,
      due: '2026-11-20',
      product: 'checkout',
    });
    expect(r).toEqual({ status: 200, body: null });
    const [item] = await items();
    expect(item).toMatchObject({
      title: 'Turn off idle GPUs',
      ownerId: GRACE,
      creatorId: ADA,
      dueDate: '2026-11-20',
      productLine: 'checkout',
      status: 'open',
      sourceChannel: REVIEW,
      sourceTs: thread.parent,
      reviewMonth: '2026-10',
      createdAt: clock,
    });
    expect((await listActionEvents(t.db.db, item?.id as number)).map((e) => [e.kind, e.actorId])).toEqual([
      ['created', ADA],
    ]);
    const confirmation = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > before && c.params['channel'] === REVIEW,
    );
    expect(confirmation.params['thread_ts']).toBe(thread.parent);
    expect(confirmation.params['text']).toBe(
      `Action item #${item?.id} logged: Turn off idle GPUs — owner <@${GRACE}>, due 2026-11-20`,
    );
    // The owner is told by DM (someone else raised it), and both Home tabs are refreshed.
    const dm = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > before && c.params['channel'] === 'D0GRACE001',
    );
    expect(String(dm.params['text'])).toBe(
      `You own action item #${item?.id}: Turn off idle GPUs (due 2026-11-20)`,
    );
    await t.fake.waitFor('views.publish', (c) => c.seq > before && c.params['user_id'] === GRACE);
    await t.fake.waitFor('views.publish', (c) => c.seq > before && c.params['user_id'] === ADA);
    const home = t.fake.homes.get(GRACE);
    expect(JSON.stringify(home)).toContain(`*#${item?.id}* Turn off idle GPUs`);
  });

  it('creates one item from a double-clicked or retried submit of the same view', async () => {
    const { view } = await openFromReview();
    const before = lastSeq();
    const fields = { title: 'Once only', owner: GRACE, due: '2026-11-20', product: 'checkout' };
    const results = await Promise.all([
      submit(view, fields, ADA, 'V0DOUBLE01'),
      submit(view, fields, ADA, 'V0DOUBLE01'),
      submit(view, fields, ADA, 'V0DOUBLE01'),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await items()).map((i) => i.title)).toEqual(['Once only']);
    // Each of the three submissions refreshes both Home tabs once it is done.
    await t.fake.waitForCount('views.publish', 6, since(before));
    const confirmations = t.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.seq > before && c.params['channel'] === REVIEW);
    expect(confirmations).toHaveLength(1);
    const dms = t.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.seq > before && c.params['channel'] === 'D0GRACE001');
    expect(dms).toHaveLength(1);
  });

  it.each([
    [
      'a due date in the past',
      { due: '2026-11-09' },
      UI.blocks.due,
      '2026-11-09 is in the past: pick today (2026-11-10) or a later day.',
    ],
    [
      'an unparsable due date',
      { due: '2026-13-01' },
      UI.blocks.due,
      '"2026-13-01" is not a date: use YYYY-MM-DD, for example 2026-11-10.',
    ],
    [
      'an unknown product',
      { product: 'billing' },
      UI.blocks.product,
      'Unknown product line "billing": choose one of checkout, search-ai.',
    ],
    [
      'a title over 200 characters',
      { title: 't'.repeat(201) },
      UI.blocks.title,
      'The title is 201 characters long; keep it to 200 or fewer.',
    ],
    [
      'a user id that is not a user',
      { owner: 'U0NOBODY99' },
      UI.blocks.owner,
      'U0NOBODY99 is not a user in this workspace: choose a person.',
    ],
    [
      'a deactivated owner',
      { owner: GONE },
      UI.blocks.owner,
      'Left Company is deactivated: choose someone who is still here.',
    ],
    ['no title at all', { title: null }, UI.blocks.title, 'Give the action item a title.'],
  ])('rejects %s on its field and writes nothing', async (_name, bad, block, message) => {
    const { view } = await openFromReview();
    const before = lastSeq();
    const r = await submit(view, {
      title: 'Turn off idle GPUs',
      owner: GRACE,
      due: '2026-11-20',
      product: 'checkout',
      ...bad,
    });
    expect(r).toEqual({ status: 200, body: { response_action: 'errors', errors: { [block]: message } } });
    expect(await items()).toEqual([]);
    expect(await t.db.db.selectFrom('actionEvent').select('id').execute()).toEqual([]);
    expect(t.fake.callsTo('chat.postMessage').filter(since(before))).toEqual([]);
  });

  it('creates an item from an anomaly alert: prefilled and linked, confirmed under the alert, the alert updated', async () => {
    const alert = await t.app.gateway.post('C0PAYMENT1', { text: 'Cost anomaly: Checkout · Amazon EC2' });
    const anomaly = await insertCostAnomaly(t.db.db, {
      productLine: 'checkout',
      service: 'Amazon EC2',
      currency: 'USD',
      firstDay: '2026-11-05',
      lastDay: '2026-11-06',
      actual: 812.4,
      expected: 301.1,
      impact: 511.3,
      impactPct: 169.8,
      rootCause: [],
      status: 'open',
      detectedAt: clock,
    });
    await t.db.db
      .updateTable('anomaly')
      .set({ channelId: 'C0PAYMENT1', messageTs: alert.ts, alertedAt: clock })
      .where('id', '=', anomaly.id)
      .execute();
    let before = lastSeq();
    await click({
      actionId: ACTION_IDS.anomalyToAction,
      value: String(anomaly.id),
      userId: ADA,
      container: { type: 'message', message_ts: alert.ts, channel_id: 'C0PAYMENT1', is_ephemeral: false },
      message: { type: 'message', ts: alert.ts, text: 'Cost anomaly' },
    });
    const view = viewOf(await t.fake.waitFor('views.open', since(before)));
    const el = (id: string) => view.blocks.find((b) => b.block_id === id)?.element ?? {};
    expect(el(UI.blocks.title)['initial_value']).toBe(
      'Find the cause of the Amazon EC2 cost increase since 2026-11-05',
    );
    expect((el(UI.blocks.product)['initial_option'] as { value: string }).value).toBe('checkout');
    expect((el(UI.blocks.anomaly)['initial_option'] as { value: string }).value).toBe(String(anomaly.id));
    before = lastSeq();
    const r = await submit(view, {
      title: 'Find the EC2 spike',
      owner: ADA,
      due: '2026-11-13',
      product: 'checkout',
      anomaly: anomaly.id,
    });
    expect(r.body).toBeNull();
    const [item] = await items();
    expect(item).toMatchObject({ anomalyId: anomaly.id, sourceChannel: 'C0PAYMENT1', sourceTs: alert.ts });
    const confirmation = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > before && c.params['channel'] === 'C0PAYMENT1',
    );
    expect(confirmation.params['thread_ts']).toBe(alert.ts);
    const updated = await t.fake.waitFor('chat.update', (c) => c.seq > before && c.params['ts'] === alert.ts);
    expect(JSON.stringify(updated.params['blocks'])).toContain(
      `Action item #${item?.id} for <@${ADA}>: Find the EC2 spike`,
    );
  });

  it('logs a message as an action with the shortcut, keeping its permalink, confirmed in its thread', async () => {
    const msg = await t.app.gateway.post(GENERAL, { text: 'we should turn off the idle GPUs' });
    const before = lastSeq();
    const res = await t.slack.messageShortcut({
      callbackId: CALLBACK_IDS.logAsActionShortcut,
      channelId: GENERAL,
      userId: LINUS,
      message: { ts: msg.ts, text: 'we should turn off the idle GPUs &amp; <the> TPUs\nsecond line' },
    });
    expect(res.status).toBe(200);
    const view = viewOf(await t.fake.waitFor('views.open', since(before)));
    const title = view.blocks.find((b) => b.block_id === UI.blocks.title);
    expect(title?.element?.['initial_value']).toBe('we should turn off the idle GPUs & <the> TPUs');
    const r = await submit(view, { title: 'Turn off idle GPUs', owner: LINUS, due: '2026-11-13' }, LINUS);
    expect(r.body).toBeNull();
    const [item] = await items();
    expect(item).toMatchObject({
      creatorId: LINUS,
      ownerId: LINUS,
      productLine: null,
      sourceChannel: GENERAL,
      sourceTs: msg.ts,
      sourcePermalink: `${t.fake.url}/archives/${GENERAL}/p${msg.ts.replace('.', '')}`,
    });
    const confirmation = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > before && c.params['channel'] === GENERAL,
    );
    expect(confirmation.params['thread_ts']).toBe(msg.ts);
    expect(JSON.stringify(confirmation.params['blocks'])).toContain('|source message>');
  });

  describe('/finops action add', () => {
    it('logs a complete command, confirms it in the channel and answers ephemerally', async () => {
      const { responseUrl } = await t.slack.slashCommand({
        text: 'action add "Rightsize the search cluster" <@U0GRACE001|grace> 2026-11-24 search-ai',
        userId: ADA,
        channelId: GENERAL,
      });
      const answer = await answerTo(responseUrl);
      const [item] = await items();
      expect(item).toMatchObject({
        title: 'Rightsize the search cluster',
        ownerId: GRACE,
        creatorId: ADA,
        dueDate: '2026-11-24',
        productLine: 'search-ai',
        sourceChannel: GENERAL,
        sourceTs: null,
      });
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toBe(`Logged action item #${item?.id}: Rightsize the search cluster`);
      expect(JSON.stringify(answer.blocks)).toContain(`and confirmed it in <#${GENERAL}>`);
      const posted = t.fake.callsTo('chat.postMessage').filter((c) => c.params['channel'] === GENERAL);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.params['thread_ts']).toBeUndefined();
    });

    it('opens the modal with what was typed when parts are missing, and writes nothing yet', async () => {
      const { res } = await t.slack.slashCommand({ text: 'action add "Fix tagging" checkout', userId: ADA });
      expect(res.status).toBe(200);
      const view = viewOf(await t.fake.waitFor('views.open'));
      expect(view.callback_id).toBe(CALLBACK_IDS.actionItemModal);
      const el = (id: string) => view.blocks.find((b) => b.block_id === id)?.element ?? {};
      expect(el(UI.blocks.title)['initial_value']).toBe('Fix tagging');
      expect((el(UI.blocks.product)['initial_option'] as { value: string }).value).toBe('checkout');
      expect(el(UI.blocks.owner)['initial_user']).toBeUndefined();
      expect(await items()).toEqual([]);
      expect(t.fake.callsTo('response_url')).toEqual([]);
    });

    it.each([
      [
        'a due date in the past',
        'action add "x" <@U0GRACE001|grace> 2026-11-01',
        '2026-11-01 is in the past',
      ],
      [
        'an unparsable due date',
        'action add "x" <@U0GRACE001|grace> 2026-02-30',
        '"2026-02-30" is not a date',
      ],
      [
        'an unknown product',
        'action add "x" <@U0GRACE001|grace> 2026-12-01 billing',
        'unknown product line "billing"',
      ],
      [
        'a title over 200 characters',
        `action add "${'t'.repeat(201)}" <@U0GRACE001|grace> 2026-12-01`,
        'the title is 201 characters',
      ],
      [
        'a user id that is not a user',
        'action add "x" <@U0NOBODY99|nobody> 2026-12-01',
        'U0NOBODY99 is not a user in this workspace',
      ],
    ])('answers %s with the usage and writes nothing', async (_name, text, problem) => {
      const { responseUrl } = await t.slack.slashCommand({ text, userId: ADA });
      const answer = await answerTo(responseUrl);
      expect(answer.text).toContain(problem);
      expect(answer.text).toContain('action');
      expect(JSON.stringify(answer.blocks)).toContain('/finops action add');
      expect(await items()).toEqual([]);
      expect(t.fake.callsTo('views.open')).toEqual([]);
    });
  });

  it('keeps the item when Slack refuses the confirmation, tells the creator, and posts it on the daily retry', async () => {
    const { view } = await openFromReview();
    const before = lastSeq();
    t.fake.queueError('chat.postMessage', 'not_in_channel');
    const r = await submit(view, {
      title: 'Survives Slack',
      owner: ADA,
      due: '2026-11-20',
      product: 'checkout',
    });
    expect(r.body).toBeNull();
    const [item] = await items();
    expect(item?.title).toBe('Survives Slack');
    const report = await t.fake.waitFor(
      'chat.postMessage',
      (c) => c.seq > before && c.params['channel'] === 'D0ADA00001',
    );
    expect(report.params['text']).toBe(
      `Action item #${item?.id} is saved; its confirmation could not be posted (not_in_channel).`,
    );
    await t.fake.waitFor('views.publish', since(before));
    // The weekday run retries it.
    const retry = lastSeq();
    const outcome = await runJob(actionRemindersJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: new Date('2026-11-11T08:00:00Z'),
      dryRun: false,
    });
    expect(outcome.status).toBe('succeeded');
    const posted = t.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.seq > retry && c.params['channel'] === REVIEW);
    expect(posted.map((c) => c.params['text'])).toEqual([
      `Action item #${item?.id} logged: Survives Slack — owner <@${ADA}>, due 2026-11-20`,
    ]);
  });

  describe('changing an item', () => {
    /** The DM the owner got ("You own action item …"), as a clickable message. */
    async function ownerDm(itemId: number) {
      const dm = await t.fake.waitFor(
        'chat.postMessage',
        (c) => c.params['channel'] === 'D0GRACE001' && String(c.params['text']).includes(`#${itemId}`),
      );
      const r = dm.response as { channel: string; ts: string };
      return { channel: r.channel, ts: r.ts };
    }

    it('Done and Reopen from the DM update it in place, with events and Home tabs refreshed', async () => {
      const { item } = await createViaModal();
      const dm = await ownerDm(item.id);
      const container = { type: 'message', message_ts: dm.ts, channel_id: dm.channel, is_ephemeral: false };
      clock = new Date('2026-11-11T10:00:00Z');
      let before = lastSeq();
      await click({
        actionId: ACTION_IDS.actionItemDone,
        value: JSON.stringify({ id: item.id }),
        userId: GRACE,
        container,
      });
      const done = await t.fake.waitFor('chat.update', since(before));
      expect(done.params).toMatchObject({
        channel: dm.channel,
        ts: dm.ts,
        text: `Action item #${item.id}: Marked done`,
      });
      expect(JSON.stringify(done.params['blocks'])).toContain(ACTION_IDS.actionItemReopen);
      await t.fake.waitFor('views.publish', (c) => c.seq > before && c.params['user_id'] === GRACE);
      expect((await items())[0]).toMatchObject({ status: 'done', closedAt: clock });

      clock = new Date('2026-11-12T10:00:00Z');
      before = lastSeq();
      await click({
        actionId: ACTION_IDS.actionItemReopen,
        value: JSON.stringify({ id: item.id }),
        userId: ADA,
        container,
      });
      const reopened = await t.fake.waitFor('chat.update', since(before));
      expect(reopened.params['text']).toBe(`Action item #${item.id}: Reopened`);
      expect(JSON.stringify(reopened.params['blocks'])).toContain(`Reopened by <@${ADA}>`);
      const events = await listActionEvents(t.db.db, item.id);
      expect(events.map((e) => [e.kind, e.actorId, e.at.toISOString()])).toEqual([
        ['created', ADA, '2026-11-10T09:00:00.000Z'],
        ['done', GRACE, '2026-11-11T10:00:00.000Z'],
        ['reopened', ADA, '2026-11-12T10:00:00.000Z'],
      ]);
    });

    it('Snooze, Reassign and Add note open a modal; each submission changes the item with its event', async () => {
      const { item } = await createViaModal();
      const dm = await ownerDm(item.id);
      const container = { type: 'message', message_ts: dm.ts, channel_id: dm.channel, is_ephemeral: false };
      const value = JSON.stringify({ id: item.id });

      // Snooze
      let before = lastSeq();
      await click({ actionId: ACTION_IDS.actionItemSnooze, value, userId: GRACE, container });
      const snoozeView = viewOf(await t.fake.waitFor('views.open', since(before)));
      expect(snoozeView.callback_id).toBe(CALLBACK_IDS.actionItemSnoozeModal);
      const picker = snoozeView.blocks.find((b) => b.block_id === UI.blocks.snoozeDue);
      expect(picker?.element?.['initial_date']).toBe('2026-11-27');
      const past = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemSnoozeModal,
        values: {
          [UI.blocks.snoozeDue]: { [UI.input]: { type: 'datepicker', selected_date: '2026-11-01' } },
        },
        userId: GRACE,
        privateMetadata: snoozeView.private_metadata,
      });
      expect(await past.json()).toEqual({
        response_action: 'errors',
        errors: {
          [UI.blocks.snoozeDue]: '2026-11-01 is in the past: pick today (2026-11-10) or a later day.',
        },
      });
      before = lastSeq();
      const ok = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemSnoozeModal,
        values: {
          [UI.blocks.snoozeDue]: { [UI.input]: { type: 'datepicker', selected_date: '2026-12-04' } },
        },
        userId: GRACE,
        privateMetadata: snoozeView.private_metadata,
      });
      expect(await ok.text()).toBe('');
      const snoozed = await t.fake.waitFor('chat.update', since(before));
      expect(snoozed.params['text']).toBe(`Action item #${item.id}: Snoozed to 2026-12-04`);

      // Reassign (by an admin: the creator hears about it, the new owner gets a DM)
      before = lastSeq();
      await click({ actionId: ACTION_IDS.actionItemReassign, value, userId: ADMIN, container });
      const reassignView = viewOf(await t.fake.waitFor('views.open', since(before)));
      expect(reassignView.callback_id).toBe(CALLBACK_IDS.actionItemReassignModal);
      const gone = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemReassignModal,
        values: { [UI.blocks.reassignOwner]: { [UI.input]: { type: 'users_select', selected_user: GONE } } },
        userId: ADMIN,
        privateMetadata: reassignView.private_metadata,
      });
      expect(await gone.json()).toEqual({
        response_action: 'errors',
        errors: {
          [UI.blocks.reassignOwner]: 'Left Company is deactivated: choose someone who is still here.',
        },
      });
      before = lastSeq();
      await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemReassignModal,
        values: { [UI.blocks.reassignOwner]: { [UI.input]: { type: 'users_select', selected_user: LINUS } } },
        userId: ADMIN,
        privateMetadata: reassignView.private_metadata,
      });
      const toLinus = await t.fake.waitFor(
        'chat.postMessage',
        (c) => c.seq > before && c.params['channel'] === 'D0LINUS001',
      );
      expect(toLinus.params['text']).toBe(
        `You own action item #${item.id}: Turn off idle GPUs (due 2026-12-04)`,
      );
      const toCreator = await t.fake.waitFor(
        'chat.postMessage',
        (c) => c.seq > before && c.params['channel'] === 'D0ADA00001',
      );
      expect(toCreator.params['text']).toBe(`Action item #${item.id} was reassigned: Turn off idle GPUs`);
      // The previous owner's Home tab no longer lists it.
      await t.fake.waitFor('views.publish', (c) => c.seq > before && c.params['user_id'] === GRACE);
      expect(JSON.stringify(t.fake.homes.get(GRACE))).not.toContain(`#${item.id}*`);

      // Add note (by the new owner)
      before = lastSeq();
      await click({ actionId: ACTION_IDS.actionItemNote, value, userId: LINUS, container });
      const noteView = viewOf(await t.fake.waitFor('views.open', since(before)));
      expect(noteView.callback_id).toBe(CALLBACK_IDS.actionItemNoteModal);
      await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemNoteModal,
        values: {
          [UI.blocks.note]: { [UI.input]: { type: 'plain_text_input', value: 'Waiting on <!channel> & co' } },
        },
        userId: LINUS,
        privateMetadata: noteView.private_metadata,
      });
      await t.fake.waitFor(
        'chat.update',
        (c) => c.seq > before && c.params['text'] === `Action item #${item.id}: Note added`,
      );

      const events = await listActionEvents(t.db.db, item.id);
      expect(events.map((e) => [e.kind, e.actorId, e.before, e.after])).toEqual([
        ['created', ADA, null, expect.any(Object)],
        ['snoozed', GRACE, { dueDate: '2026-11-20' }, { dueDate: '2026-12-04' }],
        ['reassigned', ADMIN, { ownerId: GRACE }, { ownerId: LINUS }],
        ['noted', LINUS, null, { note: 'Waiting on <!channel> & co' }],
      ]);
    });

    it('Done from the App Home republishes the Home tab', async () => {
      const { item } = await createViaModal();
      const before = lastSeq();
      await click({
        actionId: ACTION_IDS.actionItemDone,
        value: JSON.stringify({ id: item.id }),
        userId: GRACE,
        container: { type: 'view', view_id: 'V0HOME0001' },
      });
      // The creation also refreshes the Home tab, and that publish may land after `before`: wait
      // for the one that shows the change rather than for any publish.
      const published = await t.fake.waitFor(
        'views.publish',
        (c) =>
          c.seq > before &&
          c.params['user_id'] === GRACE &&
          JSON.stringify(c.params).includes('Nothing open'),
      );
      expect((await items())[0]?.status).toBe('done');
      expect(JSON.stringify(published.params)).toContain('Nothing open');
    });

    it('refuses others ephemerally (message, list and Home tab) and changes nothing', async () => {
      const { item } = await createViaModal();
      const value = JSON.stringify({ id: item.id });
      const refusal = `Only the owner, the creator or a FinOps admin can change action item #${item.id}.`;
      for (const actionId of [
        ACTION_IDS.actionItemDone,
        ACTION_IDS.actionItemSnooze,
        ACTION_IDS.actionItemReassign,
        ACTION_IDS.actionItemNote,
      ]) {
        const before = lastSeq();
        const { responseUrl } = await click({
          actionId,
          value,
          userId: LINUS,
          container: {
            type: 'message',
            message_ts: '1767225600.000001',
            channel_id: GENERAL,
            is_ephemeral: true,
          },
        });
        const answer = await answerTo(responseUrl);
        expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: refusal });
        expect(JSON.stringify(answer.blocks)).toContain(`the creator (<@${ADA}>)`);
        expect(t.fake.callsTo('views.open').filter(since(before))).toEqual([]);
      }
      // In the Home tab the refusal is a small modal.
      const before = lastSeq();
      await click({
        actionId: ACTION_IDS.actionItemDone,
        value,
        userId: LINUS,
        container: { type: 'view', view_id: 'V0HOME0002' },
      });
      const modal = viewOf(await t.fake.waitFor('views.open', since(before)));
      expect(modal.callback_id).toBe(CALLBACK_IDS.infoModal);
      expect(JSON.stringify(modal.blocks)).toContain(refusal);
      // A forged modal submission is refused on the field too.
      const forged = await t.slack.viewSubmission({
        callbackId: CALLBACK_IDS.actionItemSnoozeModal,
        values: {
          [UI.blocks.snoozeDue]: { [UI.input]: { type: 'datepicker', selected_date: '2026-12-04' } },
        },
        userId: LINUS,
        privateMetadata: JSON.stringify({ id: item.id, s: { k: 'home' } }),
      });
      expect(((await forged.json()) as { errors: Record<string, string> }).errors[UI.blocks.snoozeDue]).toBe(
        refusal,
      );
      expect((await items())[0]).toMatchObject({ status: 'open', dueDate: '2026-11-20' });
      expect((await listActionEvents(t.db.db, item.id)).map((e) => e.kind)).toEqual(['created']);
    });
  });

  describe('/finops actions', () => {
    it('pages past Block Kit limits with Next / Previous, and Done on a page re-renders it', async () => {
      for (let i = 1; i <= 20; i++) {
        await t.slack.slashCommand({
          text: `action add "Item ${String(i).padStart(2, '0')}" <@U0GRACE001|grace> 2026-11-${String(10 + (i % 10)).padStart(2, '0')}`,
          userId: ADA,
          channelId: GENERAL,
        });
      }
      await t.fake.waitForCount('response_url', 20);
      expect(await items()).toHaveLength(20);
      const { responseUrl } = await t.slack.slashCommand({ text: 'actions open', userId: GRACE });
      const first = await answerTo(responseUrl);
      expect(first.text).toBe('Open action items: 20 items (showing 1–15).');
      const blocks = first.blocks as Array<{
        type: string;
        block_id?: string;
        elements?: Array<{ action_id: string; value: string }>;
      }>;
      expect(blocks.length).toBeLessThanOrEqual(50);
      const pager = blocks.find((b) => b.block_id === 'action_items_pages');
      expect(pager?.elements?.map((e) => e.action_id)).toEqual([ACTION_IDS.actionItemsPage]);
      const next = await click({
        actionId: ACTION_IDS.actionItemsPage,
        value: pager?.elements?.[0]?.value as string,
        userId: GRACE,
        container: {
          type: 'message',
          message_ts: '1767225600.000009',
          channel_id: GENERAL,
          is_ephemeral: true,
        },
      });
      const second = await answerTo(next.responseUrl);
      expect(second).toMatchObject({
        replace_original: true,
        text: 'Open action items: 20 items (showing 16–20).',
      });

      // Done on the second page: the item is done and the page is rendered again in place.
      const row = (second.blocks as typeof blocks).find(
        (b) => b.type === 'actions' && b.block_id?.startsWith('action_item_'),
      );
      const doneButton = row?.elements?.find((e) => e.action_id === ACTION_IDS.actionItemDone);
      const doneClick = await click({
        actionId: ACTION_IDS.actionItemDone,
        value: doneButton?.value as string,
        userId: GRACE,
        container: {
          type: 'message',
          message_ts: '1767225600.000010',
          channel_id: GENERAL,
          is_ephemeral: true,
        },
      });
      const after = await answerTo(doneClick.responseUrl);
      expect(after).toMatchObject({
        replace_original: true,
        text: 'Open action items: 19 items (showing 16–19).',
      });
      expect((await items()).filter((i) => i.status === 'done')).toHaveLength(1);
    });

    it('lists mine, overdue and a product line', async () => {
      await createViaModal({ title: 'mine', owner: ADA, due: '2026-11-10' });
      clock = new Date('2026-11-12T09:00:00Z');
      const ask = async (text: string, userId = ADA) =>
        (await answerTo((await t.slack.slashCommand({ text, userId })).responseUrl)).text;
      expect(await ask('actions mine')).toBe('Your open action items: 1 item.');
      expect(await ask('actions mine', LINUS)).toBe('You have no open action items.');
      expect(await ask('actions overdue')).toBe('Overdue action items: 1 item.');
      expect(await ask('actions checkout')).toBe('Action items of Checkout: 1 item.');
      expect(await ask('actions search-ai')).toBe('Search AI has no action items.');
    });
  });

  it('publishes the App Home on app_home_opened: my items, my team’s latest numbers, its open anomalies', async () => {
    await createViaModal({ title: 'Rightsize', owner: ADA });
    const snapshot = {
      month: '2026-10',
      currency: 'USD',
      modelVersion: '1',
      configHash: 'x',
      asOf: '2026-11-01T00:00:00Z',
      hasData: true,
      inputCounts: {},
      productLines: [
        {
          id: 'checkout',
          name: 'Checkout',
          team: 'payments',
          allInCost: 2570.08,
          laborCost: { authoring: 146, review: 170, qa: 84, deploy: 50, incident: 120, rework: 0 },
          cloudCost: 1500,
          aiCost: 500,
          ciCost: 0.08,
          revenue: 10000,
          grossMarginPct: 75.76,
          people: 2,
          stageShare: { authoring: 26, review: 30, qa: 14, deploy: 10, incident: 20, rework: 0 },
        },
      ],
    } as unknown as SnapshotData;
    await saveOpenSnapshot(t.db.db, snapshot, clock);
    await insertCostAnomaly(t.db.db, {
      productLine: 'checkout',
      service: 'Amazon EC2',
      currency: 'USD',
      firstDay: '2026-11-05',
      lastDay: '2026-11-06',
      actual: 812.4,
      expected: 301.1,
      impact: 511.3,
      impactPct: 169.8,
      rootCause: [],
      status: 'open',
      detectedAt: clock,
    });
    // Ada is linked to payments through her open item's product line.
    const before = lastSeq();
    const res = await t.slack.appHomeOpened(ADA);
    expect(res.status).toBe(200);
    // The item's creation refreshes Ada's Home too; that publish can land after `before`, so wait
    // for the one built after the snapshot and the anomaly were stored.
    const published = await t.fake.waitFor(
      'views.publish',
      (c) =>
        c.seq > before &&
        c.params['user_id'] === ADA &&
        JSON.stringify(c.params['view']).includes('Amazon EC2'),
    );
    const home = JSON.stringify(published.params['view']);
    expect(home).toContain('*Your open action items* (1)');
    expect(home).toContain('Rightsize');
    expect(home).toContain('*payments: 2026-10*');
    expect(home).toContain('all-in $2,570');
    expect(home).toContain('— (fewer than 3 people)');
    expect(home).toContain('Stage mix not shown');
    expect(home).not.toContain('Gross margin'); // Ada is not a finance viewer
    expect(home).toContain('Amazon EC2: +$511 on 2026-11-06');
    // A finance viewer sees the margin.
    await createViaModal({ title: 'Fiona’s', owner: 'U0FINANCE1' });
    await t.slack.appHomeOpened('U0FINANCE1');
    await t.fake.waitFor(
      'views.publish',
      (c) =>
        c.params['user_id'] === 'U0FINANCE1' && JSON.stringify(c.params['view']).includes('Gross margin'),
    );
  });
});
