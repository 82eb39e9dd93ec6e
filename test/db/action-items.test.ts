/**
 * The action log's service on each database backend: creation in one transaction with its event,
 * idempotency keys, each change with its audit event and permission check, listing pages, the
 * review's look back (with carry-over) and the KPIs, all with hand-worked expectations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listActionEvents } from '../../src/db/repos/action-items.ts';
import { createLogger } from '../../src/lib/logger.ts';
import {
  type ActionItemDeps,
  ActionItemInputError,
  ActionItemRefusedError,
  actionItemKpis,
  addActionItemNote,
  createActionItem,
  listActionItems,
  markActionItemDone,
  reassignActionItem,
  reopenActionItem,
  reviewActionItems,
  snoozeActionItem,
  type UserDirectory,
  validateActionItemDraft,
} from '../../src/services/action-items.ts';
import { createAccess } from '../../src/slack/access.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { testConfig } from '../support/slack.ts';

const { config } = testConfig();
const logger = createLogger({ level: 'silent' });
const access = createAccess({ config, directory: undefined, logger });

/** users.info as Slack answers it for the test workspace. */
const directory: UserDirectory = {
  async userInfo(user) {
    const known: Record<string, { deleted: boolean; name: string }> = {
      U0ADA00001: { deleted: false, name: 'Ada Lovelace' },
      U0GRACE001: { deleted: false, name: 'Grace Hopper' },
      U0LINUS001: { deleted: false, name: 'Linus T' },
      U0GONE0001: { deleted: true, name: 'Left Company' },
    };
    const u = known[user];
    return u ? { id: user, ...u } : null;
  },
};

describe.each(backends())('the action log service on %s', (backend) => {
  let h: TestDb;
  let clock: Date;
  let deps: ActionItemDeps;
  let keys = 0;

  beforeAll(async () => {
    h = await createTestDb(backend);
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.db.deleteFrom('actionEvent').execute();
    await h.db.deleteFrom('actionItem').execute();
    clock = new Date('2026-11-10T10:00:00Z'); // a Tuesday, 11:00 in Berlin
    deps = { db: h.db, config, logger, now: () => clock };
  });

  const create = (over: Partial<Parameters<typeof createActionItem>[1]> = {}) =>
    createActionItem(deps, {
      title: 'Turn off idle GPUs',
      ownerId: 'U0GRACE001',
      dueDate: '2026-11-20',
      productLine: 'checkout',
      anomalyId: null,
      creatorId: 'U0ADA00001',
      source: { channel: 'C0REVIEW01', threadTs: '1767225601.000001', permalink: null },
      reviewMonth: '2026-10',
      idempotencyKey: `test:${++keys}`,
      ...over,
    });

  it('creates an item and its "created" event in one go; the same key twice creates one', async () => {
    const first = await create({ idempotencyKey: 'view:V123' });
    expect(first.created).toBe(true);
    expect(first.item).toMatchObject({
      title: 'Turn off idle GPUs',
      ownerId: 'U0GRACE001',
      creatorId: 'U0ADA00001',
      dueDate: '2026-11-20',
      status: 'open',
      sourceChannel: 'C0REVIEW01',
      sourceTs: '1767225601.000001',
      reviewMonth: '2026-10',
      createdAt: clock,
      closedAt: null,
    });
    const again = await Promise.all([
      create({ idempotencyKey: 'view:V123', title: 'something else' }),
      create({ idempotencyKey: 'view:V123' }),
    ]);
    expect(again.map((r) => [r.created, r.item.id, r.item.title])).toEqual([
      [false, first.item.id, 'Turn off idle GPUs'],
      [false, first.item.id, 'Turn off idle GPUs'],
    ]);
    expect(await h.db.selectFrom('actionItem').select('id').execute()).toHaveLength(1);
    const events = await listActionEvents(h.db, first.item.id);
    expect(events).toEqual([
      {
        id: expect.any(Number),
        actionItemId: first.item.id,
        actorId: 'U0ADA00001',
        at: clock,
        kind: 'created',
        before: null,
        after: {
          title: 'Turn off idle GPUs',
          ownerId: 'U0GRACE001',
          dueDate: '2026-11-20',
          productLine: 'checkout',
          status: 'open',
          anomalyId: null,
          sourcePermalink: null,
          sourceChannel: 'C0REVIEW01',
          sourceTs: '1767225601.000001',
          reviewMonth: '2026-10',
        },
      },
    ]);
  });

  it('validates every field of a draft at once and names each problem', async () => {
    const bad = await validateActionItemDraft(
      deps,
      directory,
      { title: 'x'.repeat(201), ownerId: 'U0NOBODY01', dueDate: '2026-11-09', productLine: 'chekout' },
      clock,
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        title: 'The title is 201 characters long; keep it to 200 or fewer.',
        due: '2026-11-09 is in the past: pick today (2026-11-10) or a later day.',
        product: 'Unknown product line "chekout": choose one of checkout, search-ai.',
        owner: 'U0NOBODY01 is not a user in this workspace: choose a person.',
      },
    });
    const more = await validateActionItemDraft(
      deps,
      directory,
      { title: '  ', ownerId: 'U0GONE0001', dueDate: '2026-02-30', anomalyId: 999 },
      clock,
    );
    expect(more).toEqual({
      ok: false,
      errors: {
        title: 'Give the action item a title.',
        due: '"2026-02-30" is not a date: use YYYY-MM-DD, for example 2026-11-10.',
        anomaly: 'Anomaly #999 does not exist: leave the field empty or pick another.',
        owner: 'Left Company is deactivated: choose someone who is still here.',
      },
    });
    const good = await validateActionItemDraft(
      deps,
      directory,
      { title: ' Rightsize the cluster ', ownerId: 'U0GRACE001', dueDate: '2026-11-10', productLine: '' },
      clock,
    );
    expect(good).toEqual({
      ok: true,
      value: {
        title: 'Rightsize the cluster',
        ownerId: 'U0GRACE001',
        dueDate: '2026-11-10',
        productLine: null,
        anomalyId: null,
      },
    });
    expect(await h.db.selectFrom('actionItem').select('id').execute()).toEqual([]);
  });

  it('marks done, reopens, snoozes, reassigns and notes, each with who/when/what/before/after', async () => {
    const { item } = await create();
    const t1 = new Date('2026-11-11T08:00:00Z');
    clock = t1;
    const done = await markActionItemDone(deps, access, { itemId: item.id, actorId: 'U0GRACE001' });
    expect(done.changed).toBe(true);
    expect(done.item).toMatchObject({ status: 'done', closedAt: t1 });
    // A double click changes nothing and writes nothing.
    expect((await markActionItemDone(deps, access, { itemId: item.id, actorId: 'U0GRACE001' })).changed).toBe(
      false,
    );
    await expect(
      snoozeActionItem(deps, access, { itemId: item.id, actorId: 'U0GRACE001', dueDate: '2026-12-01' }),
    ).rejects.toThrow('is done: reopen it before snoozing it');
    clock = new Date('2026-11-12T08:00:00Z');
    const reopened = await reopenActionItem(deps, access, { itemId: item.id, actorId: 'U0ADA00001' });
    expect(reopened.item).toMatchObject({ status: 'open', closedAt: null });
    clock = new Date('2026-11-13T08:00:00Z');
    const snoozed = await snoozeActionItem(deps, access, {
      itemId: item.id,
      actorId: 'U0GRACE001',
      dueDate: '2026-12-04',
    });
    expect(snoozed.item.dueDate).toBe('2026-12-04');
    clock = new Date('2026-11-14T08:00:00Z');
    const moved = await reassignActionItem(deps, access, directory, {
      itemId: item.id,
      actorId: 'U0ADMIN001',
      ownerId: 'U0LINUS001',
    });
    expect(moved.item.ownerId).toBe('U0LINUS001');
    clock = new Date('2026-11-15T08:00:00Z');
    await addActionItemNote(deps, access, {
      itemId: item.id,
      actorId: 'U0LINUS001',
      note: ' waiting on <vendor> ',
    });

    const events = await listActionEvents(h.db, item.id);
    expect(events.map((e) => [e.kind, e.actorId, e.at.toISOString(), e.before, e.after])).toEqual([
      ['created', 'U0ADA00001', '2026-11-10T10:00:00.000Z', null, expect.any(Object)],
      [
        'done',
        'U0GRACE001',
        '2026-11-11T08:00:00.000Z',
        { status: 'open' },
        { status: 'done', closedAt: t1.toISOString() },
      ],
      [
        'reopened',
        'U0ADA00001',
        '2026-11-12T08:00:00.000Z',
        { status: 'done', closedAt: t1.toISOString() },
        { status: 'open' },
      ],
      [
        'snoozed',
        'U0GRACE001',
        '2026-11-13T08:00:00.000Z',
        { dueDate: '2026-11-20' },
        { dueDate: '2026-12-04' },
      ],
      [
        'reassigned',
        'U0ADMIN001',
        '2026-11-14T08:00:00.000Z',
        { ownerId: 'U0GRACE001' },
        { ownerId: 'U0LINUS001' },
      ],
      ['noted', 'U0LINUS001', '2026-11-15T08:00:00.000Z', null, { note: 'waiting on <vendor>' }],
    ]);
  });

  it('refuses changes by anyone but the owner, the creator or an admin, and writes nothing', async () => {
    const { item } = await create();
    const refusals = [
      () => markActionItemDone(deps, access, { itemId: item.id, actorId: 'U0LINUS001' }),
      () => snoozeActionItem(deps, access, { itemId: item.id, actorId: 'U0LINUS001', dueDate: '2026-12-01' }),
      () =>
        reassignActionItem(deps, access, directory, {
          itemId: item.id,
          actorId: 'U0LINUS001',
          ownerId: 'U0LINUS001',
        }),
      () => addActionItemNote(deps, access, { itemId: item.id, actorId: 'U0FINANCE1', note: 'hi' }),
    ];
    for (const r of refusals) await expect(r()).rejects.toBeInstanceOf(ActionItemRefusedError);
    expect((await listActionEvents(h.db, item.id)).map((e) => e.kind)).toEqual(['created']);
  });

  it('rejects a snooze into the past, a deactivated new owner and an empty note, by field', async () => {
    const { item } = await create();
    const errs = await Promise.all([
      snoozeActionItem(deps, access, { itemId: item.id, actorId: 'U0GRACE001', dueDate: '2026-11-09' }).catch(
        (e) => e,
      ),
      reassignActionItem(deps, access, directory, {
        itemId: item.id,
        actorId: 'U0GRACE001',
        ownerId: 'U0GONE0001',
      }).catch((e) => e),
      addActionItemNote(deps, access, { itemId: item.id, actorId: 'U0GRACE001', note: '   ' }).catch(
        (e) => e,
      ),
    ]);
    expect(
      errs.map((e: ActionItemInputError) => [e instanceof ActionItemInputError, e.field, e.message]),
    ).toEqual([
      [true, 'due', '2026-11-09 is in the past: pick today (2026-11-10) or a later day.'],
      [true, 'owner', 'Left Company is deactivated: choose someone who is still here.'],
      [true, 'note', 'Write the note first.'],
    ]);
    expect((await listActionEvents(h.db, item.id)).map((e) => e.kind)).toEqual(['created']);
  });

  it('lists mine, open, overdue and a product line a page at a time, in a stable order', async () => {
    const a = (await create({ title: 'a', dueDate: '2026-11-05', ownerId: 'U0ADA00001' })).item;
    const b = (await create({ title: 'b', dueDate: '2026-11-12', productLine: 'search-ai' })).item;
    const c = (await create({ title: 'c', dueDate: '2026-11-01' })).item;
    const d = (await create({ title: 'd', dueDate: '2026-11-30', ownerId: 'U0ADA00001' })).item;
    const e = (await create({ title: 'e', dueDate: '2026-11-02' })).item;
    await markActionItemDone(deps, access, { itemId: e.id, actorId: 'U0GRACE001' });
    const ids = async (q: Partial<Parameters<typeof listActionItems>[1]>) =>
      (
        await listActionItems(
          deps,
          { filter: undefined, product: undefined, userId: 'U0ADA00001', offset: 0, limit: 10, ...q },
          clock,
        )
      ).items.map((i) => [i.title, i.state, i.daysOverdue]);
    expect(await ids({})).toEqual([
      ['c', 'overdue', 9],
      ['a', 'overdue', 5],
      ['b', 'open', 0],
      ['d', 'open', 0],
    ]);
    expect(await ids({ filter: 'mine' })).toEqual([
      ['a', 'overdue', 5],
      ['d', 'open', 0],
    ]);
    expect(await ids({ filter: 'overdue' })).toEqual([
      ['c', 'overdue', 9],
      ['a', 'overdue', 5],
    ]);
    expect(await ids({ product: 'checkout' })).toEqual([
      ['c', 'overdue', 9],
      ['a', 'overdue', 5],
      ['d', 'open', 0],
      ['e', 'done', 0],
    ]);
    const page2 = await listActionItems(
      deps,
      { filter: undefined, product: 'checkout', userId: 'U0ADA00001', offset: 2, limit: 2 },
      clock,
    );
    expect([page2.total, page2.items.map((i) => i.id)]).toEqual([4, [d.id, e.id]]);
    expect(page2.items[0]?.productName).toBe('Checkout');
    expect([a.id, b.id, c.id].length).toBe(3);
  });

  it('opens the review with last month’s items and the carried-over open ones, by status', async () => {
    // The review of October 2026 (Berlin), posted on 2 November.
    clock = new Date('2026-09-15T10:00:00Z');
    const oldOpen = (await create({ title: 'carried', dueDate: '2026-09-30' })).item;
    const oldDone = (await create({ title: 'closed in Sept', dueDate: '2026-09-20' })).item;
    await markActionItemDone(deps, access, { itemId: oldDone.id, actorId: 'U0GRACE001' });
    const oldClosedInOct = (await create({ title: 'closed in Oct', dueDate: '2026-10-20' })).item;
    clock = new Date('2026-10-05T10:00:00Z');
    await markActionItemDone(deps, access, { itemId: oldClosedInOct.id, actorId: 'U0GRACE001' });
    const octOpen = (await create({ title: 'oct open', dueDate: '2026-11-20' })).item;
    const octOverdue = (await create({ title: 'oct overdue', dueDate: '2026-10-25' })).item;
    const octDone = (await create({ title: 'oct done', dueDate: '2026-10-28' })).item;
    await markActionItemDone(deps, access, { itemId: octDone.id, actorId: 'U0GRACE001' });
    clock = new Date('2026-11-01T10:00:00Z');
    await create({ title: 'raised in November' });

    const items = await reviewActionItems(deps, '2026-10', new Date('2026-11-02T08:00:00Z'));
    expect(items.map((i) => [i.id, i.title, i.status, i.carriedOver])).toEqual([
      [oldOpen.id, 'carried', 'overdue', true],
      [octOverdue.id, 'oct overdue', 'overdue', false],
      [octOpen.id, 'oct open', 'open', false],
      [oldClosedInOct.id, 'closed in Oct', 'done', false],
      [octDone.id, 'oct done', 'done', false],
    ]);
    expect(items[0]).toEqual({
      id: oldOpen.id,
      title: 'carried',
      ownerId: 'U0GRACE001',
      dueDate: '2026-09-30',
      status: 'overdue',
      productLine: 'checkout',
      carriedOver: true,
    });
  });

  it('computes completion rate, median days to close and overdue count per team', async () => {
    clock = new Date('2026-10-01T10:00:00Z');
    const p1 = (await create({ title: 'p1', dueDate: '2026-10-10' })).item; // done after 2 days
    const p2 = (await create({ title: 'p2', dueDate: '2026-10-10' })).item; // done after 5 days
    const p3 = (await create({ title: 'p3', dueDate: '2026-10-10' })).item; // done after 9 days
    await create({ title: 'p4 overdue', dueDate: '2026-10-31' }); // open, overdue on 11-10
    await create({ title: 's1', productLine: 'search-ai', dueDate: '2026-11-30' }); // open, not overdue
    await create({ title: 'n1', productLine: null, dueDate: '2026-10-02' }); // no team, overdue
    for (const [item, days] of [
      [p1, 2],
      [p2, 5],
      [p3, 9],
    ] as const) {
      clock = new Date(Date.parse('2026-10-01T10:00:00Z') + days * 86_400_000);
      await markActionItemDone(deps, access, { itemId: item.id, actorId: 'U0GRACE001' });
    }
    clock = new Date('2026-11-01T09:00:00Z');
    await create({ title: 'november, search', productLine: 'search-ai', dueDate: '2026-11-05' }); // overdue on 11-10

    const oct = await actionItemKpis(deps, { now: new Date('2026-11-10T10:00:00Z'), month: '2026-10' });
    expect(oct).toEqual({
      month: '2026-10',
      today: '2026-11-10',
      teams: [
        { team: 'payments', items: 4, done: 3, completionRatePct: 75, medianDaysToClose: 5, overdue: 1 },
        { team: 'search', items: 1, done: 0, completionRatePct: 0, medianDaysToClose: null, overdue: 1 },
        { team: null, items: 1, done: 0, completionRatePct: 0, medianDaysToClose: null, overdue: 1 },
      ],
      total: { team: null, items: 6, done: 3, completionRatePct: 50, medianDaysToClose: 5, overdue: 3 },
    });
    const all = await actionItemKpis(deps, { now: new Date('2026-11-10T10:00:00Z') });
    expect(all.total).toEqual({
      team: null,
      items: 7,
      done: 3,
      completionRatePct: 42.9,
      medianDaysToClose: 5,
      overdue: 3,
    });
  });
});
