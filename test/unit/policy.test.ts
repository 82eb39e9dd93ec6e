/**
 * The authorization policy as the pure function it is: each operation × the facts about the actor
 * × the resource gives one decision with the reason a refused person reads.
 */
import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../src/slack/authorize.ts';
import {
  type Actor,
  decide,
  decideOperation,
  factsNeeded,
  OPERATIONS,
  type Operation,
  SURFACES,
  surfaceKeyOf,
} from '../../src/slack/policy.ts';

const member: Actor = { userId: 'U0MEMBER01', admin: false, financeViewer: false };
const admin: Actor = { userId: 'U0ADMIN001', admin: true, financeViewer: false };
const finance: Actor = { userId: 'U0FINANCE1', admin: false, financeViewer: true };
const item = { kind: 'action-item', id: 12, ownerId: 'U0OWNER001', creatorId: 'U0CREATOR1' } as const;

describe('the authorization policy', () => {
  it.each<[Operation, Actor, boolean, string]>([
    ['read', member, true, 'open to everyone in the workspace'],
    ['read-figures', member, true, 'open to everyone in the workspace'],
    ['triage-anomaly', member, true, 'open to everyone in the workspace'],
    ['create-action-item', member, true, 'open to everyone in the workspace'],
    ['sync', member, false, '`/finops sync` is for FinOps admins (access.admins in the config).'],
    ['sync', finance, false, '`/finops sync` is for FinOps admins (access.admins in the config).'],
    ['sync', admin, true, 'a FinOps admin (access.admins)'],
    [
      'rebuild',
      member,
      false,
      'rebuilding a frozen month is for FinOps admins (access.admins in the config).',
    ],
    ['rebuild', admin, true, 'a FinOps admin (access.admins)'],
    ['reserved', admin, false, 'This is not something the FinOps bot offers yet.'],
  ])('%s for %o: allow %s', (op, actor, allow, reason) => {
    expect(decideOperation(op, actor)).toEqual({ allow, reason });
  });

  it('shows finance figures to finance viewers only, whatever else the person is', () => {
    const figures = { kind: 'finance-figures' } as const;
    expect(decide('command:margin', finance, figures)).toEqual({
      allow: true,
      reason: 'a finance viewer (access.finance_viewers)',
    });
    for (const actor of [member, admin])
      expect(decide('home', actor, figures)).toEqual({
        allow: false,
        reason:
          'revenue, gross margin and unit cost are shown to finance viewers only (access.finance_viewers)',
      });
  });

  it('lets the owner, the creator and admins change an action item, nobody else', () => {
    const as = (userId: string, extra: Partial<Actor> = {}) => ({ ...member, userId, ...extra });
    expect(decide('action:action_item_done', as('U0OWNER001'), item).reason).toBe('the owner of the item');
    expect(decide('view:action_item_snooze', as('U0CREATOR1'), item).reason).toBe('the creator of the item');
    expect(decide('action:action_item_note', admin, item).allow).toBe(true);
    expect(decide('view:action_item_reassign', as('U0FINANCE1', { financeViewer: true }), item)).toEqual({
      allow: false,
      reason: 'Only the owner, the creator or a FinOps admin can change action item #12.',
    });
  });

  it('lets only the asker share an answer', () => {
    const answer = { kind: 'shared-answer', askedBy: 'U0MEMBER01' } as const;
    expect(decide('action:finops_share_answer', member, answer).allow).toBe(true);
    expect(decide('action:finops_share_answer', admin, answer)).toEqual({
      allow: false,
      reason: 'Only the person who asked can share this answer.',
    });
  });

  it('asks for a fact only when the rule needs it (a user-group lookup is a Slack call)', () => {
    expect(factsNeeded('read', { kind: 'none' })).toEqual({ admin: false, financeViewer: false });
    expect(factsNeeded('read-figures', { kind: 'finance-figures' })).toEqual({
      admin: false,
      financeViewer: true,
    });
    expect(factsNeeded('sync', { kind: 'none' })).toEqual({ admin: true, financeViewer: false });
    expect(factsNeeded('change-action-item', item)).toEqual({ admin: true, financeViewer: false });
  });

  it('names only surfaces it has a row for; every row is a known operation', () => {
    expect(surfaceKeyOf('action', 'action_item_done')).toBe('action:action_item_done');
    expect(surfaceKeyOf('action', 'not_an_id')).toBeUndefined();
    expect(surfaceKeyOf('view', 'log_as_finops_action')).toBeUndefined();
    expect(surfaceKeyOf('shortcut', 'log_as_finops_action')).toBe('shortcut:log_as_finops_action');
    expect(surfaceKeyOf('action', 'toString')).toBeUndefined();
    for (const op of Object.values(SURFACES)) expect(OPERATIONS).toContain(op);
  });
});

describe('naming an incoming request as a surface', () => {
  const products = [{ id: 'checkout', name: 'Checkout' }];
  it.each([
    [{ command: '/finops', text: 'sync github', user_id: 'U1' }, 'command:sync', 'U1'],
    [{ command: '/finops', text: 'synk', user_id: 'U1' }, 'command:help', 'U1'],
    [{ command: '/finops', text: 'action add', user_id: 'U1' }, 'command:action-add', 'U1'],
    [
      { type: 'block_actions', user: { id: 'U2' }, actions: [{ action_id: 'action_item_done' }] },
      'action:action_item_done',
      'U2',
    ],
    [
      { type: 'view_submission', user: { id: 'U3' }, view: { callback_id: 'anomaly_resolve_cause' } },
      'view:anomaly_resolve_cause',
      'U3',
    ],
    [
      { type: 'message_action', user: { id: 'U4' }, callback_id: 'log_as_finops_action' },
      'shortcut:log_as_finops_action',
      'U4',
    ],
    [{ type: 'event_callback', event: { type: 'app_home_opened', user: 'U5' } }, 'home', 'U5'],
  ])('%j → %s', (body, surface, userId) => {
    expect(describeRequest(body, products)).toMatchObject({ surface, userId });
  });

  it('has no surface for ids it does not know, and quotes them for the log', () => {
    const r = describeRequest(
      { type: 'block_actions', user: { id: 'U2' }, actions: [{ action_id: 'x\nERROR forged line' }] },
      products,
    );
    expect(r.surface).toBeUndefined();
    expect(r.label).toBe('action "x\\nERROR forged line"');
    expect(describeRequest({ command: '/other', user_id: 'U1' }, products).surface).toBeUndefined();
    expect(describeRequest({ type: 'block_actions', actions: 'x', user: 5 }, products)).toMatchObject({
      surface: undefined,
      userId: undefined,
    });
  });
});
