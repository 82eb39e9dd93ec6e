/**
 * Authorization, table-driven: every surface (each /finops subcommand, every action id and view
 * callback in src/slack/ids.ts, the message shortcut, the App Home) × every role (admin, finance
 * viewer by user id, finance viewer through a user group, the action item's owner, its creator, an
 * ordinary member), each through signed HTTP requests to the real app against the fake Slack, with
 * the outcome the person sees. The table must name every surface of src/slack/policy.ts and every
 * id of ids.ts: adding an id without a row fails here (and does not compile in policy.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCostAnomaly } from '../../src/db/repos/anomalies.ts';
import { insertSharedAnswer } from '../../src/db/repos/shared-answers.ts';
import { createActionItem } from '../../src/services/action-items.ts';
import { ensureSnapshot } from '../../src/services/build-snapshot.ts';
import {
  ACTION_IDS,
  ACTION_ITEM_UI as UI,
  BLOCK_IDS,
  CALLBACK_IDS,
  INPUT_ACTION_ID,
} from '../../src/slack/ids.ts';
import { SURFACES, type SurfaceKey } from '../../src/slack/policy.ts';
import { type FakeSlack, type RecordedCall, startFakeSlack } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { seedReviewMonths } from '../support/review-seed.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const ROLES = {
  admin: 'U0ADMIN001',
  financeById: 'U0LINUS001',
  financeByGroup: 'U0FINANCE1',
  owner: 'U0ADA00001',
  creator: 'U0GRACE001',
  member: 'U0MEMBER01',
} as const;
type Role = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES) as Role[];

/** What the person sees: allowed, refused, or (figures) with or without revenue and margin. */
type Outcome = 'allow' | 'deny' | 'finance' | 'costs';

const NOW = new Date('2026-11-12T10:00:00Z');
const CHANNEL = 'C0PAYMENT1';
const REFUSAL =
  /is for FinOps admins|Only the owner, the creator or a FinOps admin|Only the person who asked|not something the FinOps bot/;

const everyone = (o: Outcome): Record<Role, Outcome> =>
  Object.fromEntries(ROLE_NAMES.map((r) => [r, o])) as Record<Role, Outcome>;
const only = (allowed: Role[]): Record<Role, Outcome> =>
  Object.fromEntries(ROLE_NAMES.map((r) => [r, allowed.includes(r) ? 'allow' : 'deny'])) as Record<
    Role,
    Outcome
  >;
const FIGURES: Record<Role, Outcome> = {
  admin: 'costs',
  financeById: 'finance',
  financeByGroup: 'finance',
  owner: 'costs',
  creator: 'costs',
  member: 'costs',
};
const ITEM_PARTIES = only(['admin', 'owner', 'creator']);

/** The expected outcome of every surface for every role: the table docs/security.md describes. */
const TABLE: Record<SurfaceKey, Record<Role, Outcome>> = {
  'command:help': everyone('allow'),
  'command:margin': FIGURES,
  'command:stages': everyone('allow'),
  'command:actions': everyone('allow'),
  'command:action-add': everyone('allow'),
  'command:anomalies': everyone('allow'),
  'command:kpis': everyone('allow'),
  'command:sync': only(['admin']),
  'action:finops_share_answer': only(['owner']), // the answer was for the owner role's user
  'action:action_item_add': everyone('allow'),
  'action:action_item_done': ITEM_PARTIES,
  'action:action_item_reopen': ITEM_PARTIES,
  'action:action_item_snooze': ITEM_PARTIES,
  'action:action_item_reassign': ITEM_PARTIES,
  'action:action_item_note': ITEM_PARTIES,
  'action:anomaly_acknowledge': everyone('allow'),
  'action:anomaly_expected': everyone('allow'),
  'action:anomaly_resolve': everyone('allow'),
  'action:anomaly_to_action': everyone('allow'),
  'action:allocation_to_action': everyone('allow'),
  'action:action_items_page': everyone('allow'),
  'action:finops_page_next': everyone('deny'),
  'action:finops_page_previous': everyone('deny'),
  'shortcut:log_as_finops_action': everyone('allow'),
  'view:action_item_create': everyone('allow'),
  'view:action_item_snooze': ITEM_PARTIES,
  'view:action_item_reassign': ITEM_PARTIES,
  'view:action_item_note': ITEM_PARTIES,
  'view:finops_info': everyone('deny'),
  'view:anomaly_resolve_cause': everyone('allow'),
  home: FIGURES,
};

describe('the table covers every surface', () => {
  it('has a row for every id in ids.ts and every surface of the policy, and no other', () => {
    const fromIds = [
      ...Object.values(ACTION_IDS).map((id) => `action:${id}`),
      ...Object.values(CALLBACK_IDS).map((id) =>
        id === CALLBACK_IDS.logAsActionShortcut ? `shortcut:${id}` : `view:${id}`,
      ),
    ];
    for (const key of fromIds) expect(Object.keys(TABLE), `no row for ${key}`).toContain(key);
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(SURFACES).sort());
  });
});

describe.each(backends())('every surface × every role on %s', (backend) => {
  let t: TestApp;
  let fake: FakeSlack;
  let n = 0;

  beforeAll(async () => {
    fake = await startFakeSlack();
    fake.addUser({ id: ROLES.member, name: 'mo', realName: 'Mo Member', email: 'mo@example.com', tz: 'UTC' });
    t = await startTestApp({
      backend,
      fake,
      now: () => NOW,
      config: {
        access: { finance_viewers: ['S0FINANCE1', ROLES.financeById], admins: [ROLES.admin] },
        // Everyone in the payments team, so the Home tab shows the team's numbers.
        people: Object.values(ROLES).map((slack, i) => ({
          email: `p${i}@example.com`,
          slack,
          team: 'payments',
        })),
      },
    });
    await seedReviewMonths(
      t.db.db,
      [
        { id: 'checkout', repo: 'acme/checkout-api' },
        { id: 'search-ai', repo: 'acme/search' },
      ],
      ['2026-09', '2026-10'],
    );
    await ensureSnapshot(t.deps, '2026-10');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  // ── resources, fresh for each request so rows do not depend on each other ──

  async function newItem(status: 'open' | 'done' = 'open'): Promise<number> {
    const { item } = await createActionItem(t.deps, {
      title: `Turn off idle GPUs ${++n}`,
      ownerId: ROLES.owner,
      creatorId: ROLES.creator,
      dueDate: '2026-12-01',
      productLine: 'checkout',
      anomalyId: null,
      source: null,
      reviewMonth: null,
      idempotencyKey: `authz:${n}`,
    });
    if (status === 'done')
      await t.db.db.updateTable('actionItem').set({ status }).where('id', '=', item.id).execute();
    return item.id;
  }
  async function newAnomaly(): Promise<number> {
    const a = await insertCostAnomaly(t.db.db, {
      productLine: 'checkout',
      service: `Amazon EC2 ${++n}`,
      currency: 'USD',
      firstDay: '2026-11-01',
      lastDay: '2026-11-01',
      actual: 900,
      expected: 300,
      impact: 600,
      impactPct: 200,
      rootCause: [],
      status: 'open',
      detectedAt: NOW,
    });
    return a.id;
  }
  const itemStatus = async (id: number) =>
    (await t.db.db.selectFrom('actionItem').select('status').where('id', '=', id).executeTakeFirstOrThrow())
      .status;

  // ── observing what the person got ──

  const never = new Promise<never>(() => {});
  /** The first call after `seq` that one of the watchers classifies. */
  function first(
    seq: number,
    watch: Array<[string, (c: RecordedCall) => Outcome | undefined]>,
  ): Promise<Outcome> {
    return Promise.race(
      watch.map(([method, classify]) =>
        fake
          .waitFor(method, (c) => c.seq > seq && classify(c) !== undefined, 15_000)
          .then(
            (c) => classify(c) as Outcome,
            () => never,
          ),
      ),
    );
  }
  const lastSeq = () => fake.calls.at(-1)?.seq ?? 0;
  const text = (c: RecordedCall) =>
    `${String(c.params['text'] ?? '')} ${JSON.stringify(c.params['blocks'] ?? '')}`;
  const answerOn =
    (responseUrl: string, allowed: (c: RecordedCall) => Outcome = () => 'allow') =>
    (c: RecordedCall): Outcome | undefined => {
      if (!responseUrl.endsWith(String(c.params['_key']))) return undefined;
      return REFUSAL.test(text(c)) ? 'deny' : allowed(c);
    };
  const modalFor = (trigger: string) => (c: RecordedCall) =>
    c.params['trigger_id'] === trigger ? 'allow' : undefined;

  async function command(user: string, commandText: string, allowed?: (c: RecordedCall) => Outcome) {
    const seq = lastSeq();
    const trigger = `${Date.now()}.${++n}.authz`;
    const { res, responseUrl } = await t.slack.slashCommand({
      text: commandText,
      userId: user,
      channelId: CHANNEL,
      triggerId: trigger,
    });
    expect(res.status).toBe(200);
    return first(seq, [
      ['response_url', answerOn(responseUrl, allowed)],
      ['views.open', modalFor(trigger)],
    ]);
  }

  async function click(
    user: string,
    actionId: string,
    value: string,
    also: Array<[string, (c: RecordedCall) => Outcome | undefined]> = [],
  ): Promise<Outcome> {
    const seq = lastSeq();
    const trigger = `${Date.now()}.${++n}.authz`;
    const { res, responseUrl } = await t.slack.buttonClick({
      actionId,
      value,
      userId: user,
      channelId: CHANNEL,
      triggerId: trigger,
    });
    expect(res.status).toBe(200);
    return first(seq, [['response_url', answerOn(responseUrl)], ['views.open', modalFor(trigger)], ...also]);
  }

  /** A view submission's outcome is in the ack itself: errors or a "Not allowed" note, or nothing. */
  async function submit(
    user: string,
    callbackId: string,
    values: Record<string, Record<string, Record<string, unknown>>>,
    privateMetadata: string,
  ): Promise<Outcome> {
    const res = await t.slack.viewSubmission({
      callbackId,
      values,
      userId: user,
      privateMetadata,
      viewId: `V0AUTHZ${++n}`,
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    if (REFUSAL.test(body)) return 'deny';
    expect(body, 'an allowed submission is acked without errors').not.toContain('"errors"');
    return 'allow';
  }
  const input = (blockId: string, el: Record<string, unknown>) => ({ [blockId]: { [INPUT_ACTION_ID]: el } });
  const changeMeta = (id: number) => JSON.stringify({ id, s: { k: 'none', c: null } });

  const marginOutcome = (c: RecordedCall): Outcome =>
    /revenue \$[\d,]+ · gross margin/.test(text(c))
      ? 'finance'
      : text(c).includes('shown to finance viewers only')
        ? 'costs'
        : 'deny';

  /** How each surface is exercised, returning what the person got. */
  const DRIVERS: Record<SurfaceKey, (user: string) => Promise<Outcome>> = {
    'command:help': (u) => command(u, 'help'),
    'command:margin': (u) => command(u, 'margin checkout 2026-10', marginOutcome),
    'command:stages': (u) => command(u, 'stages checkout 2026-10'),
    'command:actions': (u) => command(u, 'actions open'),
    'command:action-add': (u) => command(u, 'action add'),
    'command:anomalies': (u) => command(u, 'anomalies'),
    'command:kpis': (u) => command(u, 'kpis'),
    'command:sync': (u) => command(u, 'sync focus'),
    'action:finops_share_answer': async (u) => {
      const id = await insertSharedAnswer(
        t.db.db,
        { userId: ROLES.owner, channelId: CHANNEL, text: 'an answer', blocks: [] },
        NOW,
      );
      return click(u, ACTION_IDS.shareAnswer, String(id));
    },
    'action:action_item_add': (u) =>
      click(u, ACTION_IDS.actionItemAdd, JSON.stringify({ productLine: 'checkout', month: '2026-10' })),
    'action:action_item_done': async (u) => {
      const id = await newItem();
      const outcome = await click(u, UI.buttons.done, String(id), [
        ['views.publish', (c) => (c.params['user_id'] === u ? 'allow' : undefined)],
      ]);
      // A refusal changes nothing.
      expect(await itemStatus(id)).toBe(outcome === 'allow' ? 'done' : 'open');
      return outcome;
    },
    'action:action_item_reopen': async (u) => {
      const id = await newItem('done');
      const outcome = await click(u, UI.buttons.reopen, String(id), [
        ['views.publish', (c) => (c.params['user_id'] === u ? 'allow' : undefined)],
      ]);
      expect(await itemStatus(id)).toBe(outcome === 'allow' ? 'open' : 'done');
      return outcome;
    },
    'action:action_item_snooze': async (u) => click(u, UI.buttons.snooze, String(await newItem())),
    'action:action_item_reassign': async (u) => click(u, UI.buttons.reassign, String(await newItem())),
    'action:action_item_note': async (u) => click(u, UI.buttons.note, String(await newItem())),
    'action:anomaly_acknowledge': async (u) =>
      click(u, ACTION_IDS.anomalyAcknowledge, String(await newAnomaly()), [
        ['chat.update', (c) => (c.params['channel'] === CHANNEL ? 'allow' : undefined)],
        ['chat.postEphemeral', (c) => (c.params['user'] === u && REFUSAL.test(text(c)) ? 'deny' : undefined)],
      ]),
    'action:anomaly_expected': async (u) =>
      click(u, ACTION_IDS.anomalyExpected, String(await newAnomaly()), [
        ['chat.update', (c) => (c.params['channel'] === CHANNEL ? 'allow' : undefined)],
        ['chat.postEphemeral', (c) => (c.params['user'] === u && REFUSAL.test(text(c)) ? 'deny' : undefined)],
      ]),
    'action:anomaly_resolve': async (u) => click(u, ACTION_IDS.anomalyResolve, String(await newAnomaly())),
    'action:anomaly_to_action': async (u) => click(u, ACTION_IDS.anomalyToAction, String(await newAnomaly())),
    'action:allocation_to_action': (u) =>
      click(
        u,
        ACTION_IDS.allocationToAction,
        JSON.stringify({ w: '2026-11-30', p: 'AWS', a: '123456789012', s: 'Amazon EC2', c: 'USD', v: 120 }),
      ),
    'action:action_items_page': (u) =>
      click(u, ACTION_IDS.actionItemsPage, JSON.stringify({ f: 'open', p: null, o: 0 })),
    'action:finops_page_next': (u) => click(u, ACTION_IDS.pageNext, '10'),
    'action:finops_page_previous': (u) => click(u, ACTION_IDS.pagePrevious, '0'),
    'shortcut:log_as_finops_action': async (u) => {
      const seq = lastSeq();
      const trigger = `${Date.now()}.${++n}.authz`;
      const responseUrl = fake.responseUrl(CHANNEL);
      const res = await t.slack.messageShortcut({
        callbackId: CALLBACK_IDS.logAsActionShortcut,
        userId: u,
        channelId: CHANNEL,
        triggerId: trigger,
        responseUrl,
        message: { ts: '1767225600.000500', text: 'we should turn off the idle GPUs' },
      });
      expect(res.status).toBe(200);
      return first(seq, [
        ['response_url', answerOn(responseUrl)],
        ['views.open', modalFor(trigger)],
      ]);
    },
    'view:action_item_create': (u) =>
      submit(
        u,
        CALLBACK_IDS.actionItemModal,
        {
          ...input(UI.blocks.title, { type: 'plain_text_input', value: 'Right-size the cache' }),
          ...input(UI.blocks.owner, { type: 'users_select', selected_user: ROLES.owner }),
          ...input(UI.blocks.due, { type: 'datepicker', selected_date: '2026-12-15' }),
        },
        JSON.stringify({ c: CHANNEL, t: null, m: null, mt: null }),
      ),
    'view:action_item_snooze': async (u) =>
      submit(
        u,
        CALLBACK_IDS.actionItemSnoozeModal,
        input(UI.blocks.snoozeDue, { type: 'datepicker', selected_date: '2026-12-20' }),
        changeMeta(await newItem()),
      ),
    'view:action_item_reassign': async (u) =>
      submit(
        u,
        CALLBACK_IDS.actionItemReassignModal,
        input(UI.blocks.reassignOwner, { type: 'users_select', selected_user: ROLES.financeById }),
        changeMeta(await newItem()),
      ),
    'view:action_item_note': async (u) =>
      submit(
        u,
        CALLBACK_IDS.actionItemNoteModal,
        input(UI.blocks.note, { type: 'plain_text_input', value: 'waiting on the vendor' }),
        changeMeta(await newItem()),
      ),
    'view:finops_info': (u) => submit(u, CALLBACK_IDS.infoModal, {}, ''),
    'view:anomaly_resolve_cause': async (u) =>
      submit(
        u,
        CALLBACK_IDS.anomalyResolveModal,
        input(BLOCK_IDS.anomalyCause, { type: 'plain_text_input', value: 'a load test' }),
        String(await newAnomaly()),
      ),
    home: async (u) => {
      const seq = lastSeq();
      const res = await t.slack.appHomeOpened(u);
      expect(res.status).toBe(200);
      return first(seq, [
        [
          'views.publish',
          (c) =>
            c.params['user_id'] !== u
              ? undefined
              : JSON.stringify(c.params['view']).includes('*Revenue*')
                ? 'finance'
                : 'costs',
        ],
      ]);
    },
  };

  const rows = Object.entries(TABLE).flatMap(([surface, byRole]) =>
    ROLE_NAMES.map((role) => [surface as SurfaceKey, role, byRole[role]] as const),
  );

  it.each(rows)('%s as %s → %s', { timeout: 30_000 }, async (surface, role, expected) => {
    expect(await DRIVERS[surface](ROLES[role])).toBe(expected);
  });
});
