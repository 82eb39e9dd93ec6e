/**
 * The reminder and digest jobs over a simulated fortnight (Mon 2 – Sun 15 November 2026, Berlin),
 * run through the job runner at each day's 09:00 with an injected clock, DMs going through the
 * real gateway to the fake Slack. Hand-worked schedule (2 days before, due day, every 3 days
 * overdue, never on Saturday or Sunday):
 *   A (Grace, due Wed 4): Mon 2 (in 2 days), Wed 4 (today), [Sat 7: 3 overdue, weekend], Tue 10 (6), Fri 13 (9)
 *   B (Linus, due Mon 9): [Sat 7: in 2 days, weekend], Mon 9 (today), Thu 12 (3), [Sun 15: 6, weekend]
 *   C (owner deactivated, due Thu 5): no DM; its creator Ada is flagged once, on Mon 2
 *   D (Grace, due Wed 4, done on Mon 2 at noon): Mon 2 only
 * = 7 reminder DMs and 1 flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listActionEvents } from '../../src/db/repos/action-items.ts';
import { actionDigestJob } from '../../src/jobs/action-digest.ts';
import { actionRemindersJob } from '../../src/jobs/action-reminders.ts';
import { runJob } from '../../src/jobs/runner.ts';
import { addDays } from '../../src/lib/dates.ts';
import { sendActionReminders } from '../../src/services/action-notify.ts';
import { createActionItem, markActionItemDone } from '../../src/services/action-items.ts';
import { ACTION_IDS, ACTION_ITEM_UI } from '../../src/slack/ids.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

const ADA = 'U0ADA00001';
const GRACE = 'U0GRACE001';
const LINUS = 'U0LINUS001';
const GONE = 'U0GONE0001';

describe.each(backends())('action reminders over a fortnight on %s', (backend) => {
  let t: TestApp;
  let clock = new Date('2026-10-30T09:00:00Z');
  const ids: Record<'A' | 'B' | 'C' | 'D', number> = { A: 0, B: 0, C: 0, D: 0 };

  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => clock });
    const make = async (key: keyof typeof ids, ownerId: string, dueDate: string) => {
      const { item } = await createActionItem(t.deps, {
        title: `Item ${key}`,
        ownerId,
        dueDate,
        productLine: 'checkout',
        anomalyId: null,
        creatorId: ADA,
        source: null,
        reviewMonth: '2026-10',
        idempotencyKey: `test:${key}`,
      });
      ids[key] = item.id;
    };
    await make('A', GRACE, '2026-11-04');
    await make('B', LINUS, '2026-11-09');
    await make('C', GONE, '2026-11-05');
    await make('D', GRACE, '2026-11-04');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** 09:00 in Berlin (CET, UTC+1 in November) on a day. */
  const nineAm = (day: string) => new Date(`${day}T08:00:00Z`);
  const dmText = (c: { params: Record<string, unknown> }) => String(c.params['text']);

  it('sends exactly the hand-worked DMs on the hand-worked days, none on the weekend', async () => {
    const sent: Array<[string, string, string]> = [];
    const flags: Array<[string, string, string]> = [];
    for (let i = 0; i < 14; i++) {
      const day = addDays('2026-11-02', i);
      clock = nineAm(day);
      const before = t.fake.calls.at(-1)?.seq ?? 0;
      const outcome = await runJob(actionRemindersJob, {
        deps: t.deps,
        messenger: t.app.gateway,
        at: clock,
        dryRun: false,
      });
      expect(outcome.status, `${day}: ${outcome.message}`).toBe('succeeded');
      for (const c of t.fake.callsTo('chat.postMessage').filter((x) => x.seq > before)) {
        const text = dmText(c);
        (text.startsWith('The owner of') ? flags : sent).push([day, String(c.params['channel']), text]);
      }
      if (day === '2026-11-07')
        expect(outcome.status === 'succeeded' && outcome.result.summary).toBe(
          '2026-11-07 is a weekend day: no reminders',
        );
      if (day === '2026-11-02') {
        // D is done at noon, after its first reminder.
        clock = new Date('2026-11-02T11:00:00Z');
        await markActionItemDone(t.deps, t.app.access, { itemId: ids.D, actorId: GRACE });
      }
      if (day === '2026-11-04') {
        // A second run the same day (another replica, or `finops jobs run` again) sends nothing.
        const again = await runJob(actionRemindersJob, {
          deps: t.deps,
          messenger: t.app.gateway,
          at: new Date('2026-11-04T14:00:00Z'),
          dryRun: false,
        });
        expect(again.status).toBe('skipped');
        // Even around the once-per-day job guard, the per-item record keeps it to one DM a day.
        const direct = await sendActionReminders(t.deps, t.app.gateway, new Date('2026-11-04T15:00:00Z'), {
          ids: ACTION_ITEM_UI,
          dryRun: false,
        });
        expect([direct.sent, direct.alreadySent]).toEqual([0, 1]);
        expect(t.fake.callsTo('chat.postMessage').filter((x) => x.seq > before)).toHaveLength(1);
      }
    }
    expect(sent).toEqual([
      ['2026-11-02', 'D0GRACE001', `Action item #${ids.A} is due in 2 days (2026-11-04): Item A`],
      ['2026-11-02', 'D0GRACE001', `Action item #${ids.D} is due in 2 days (2026-11-04): Item D`],
      ['2026-11-04', 'D0GRACE001', `Action item #${ids.A} is due today: Item A`],
      ['2026-11-09', 'D0LINUS001', `Action item #${ids.B} is due today: Item B`],
      ['2026-11-10', 'D0GRACE001', `Action item #${ids.A} is 6 days overdue (was due 2026-11-04): Item A`],
      ['2026-11-12', 'D0LINUS001', `Action item #${ids.B} is 3 days overdue (was due 2026-11-09): Item B`],
      ['2026-11-13', 'D0GRACE001', `Action item #${ids.A} is 9 days overdue (was due 2026-11-04): Item A`],
    ]);
    expect(flags).toEqual([
      ['2026-11-02', 'D0ADA00001', `The owner of action item #${ids.C} is deactivated: reassign it. Item C`],
    ]);
    // Each reminder has Done and Snooze; the flag has Reassign.
    const reminder = t.fake.callsTo('chat.postMessage').find((c) => dmText(c).includes('is due today'));
    const buttons = JSON.stringify(reminder?.params['blocks']);
    expect(buttons).toContain(ACTION_IDS.actionItemDone);
    expect(buttons).toContain(ACTION_IDS.actionItemSnooze);
    // Each DM is on the item's audit trail.
    const a = await listActionEvents(t.db.db, ids.A);
    expect(
      a.filter((e) => e.kind === 'reminded').map((e) => [e.actorId, e.after?.['day'], e.after?.['kind']]),
    ).toEqual([
      ['finops-review', '2026-11-02', 'due-soon'],
      ['finops-review', '2026-11-04', 'due-today'],
      ['finops-review', '2026-11-10', 'overdue'],
      ['finops-review', '2026-11-13', 'overdue'],
    ]);
    const c = await listActionEvents(t.db.db, ids.C);
    expect(c.map((e) => e.kind)).toEqual(['created', 'flagged']);
  });

  it('a dry run says what it would send and sends nothing', async () => {
    const before = t.fake.calls.at(-1)?.seq ?? 0;
    const outcome = await runJob(actionRemindersJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: nineAm('2026-11-16'), // Monday: A is 12 days overdue
      dryRun: true,
    });
    expect(outcome.status).toBe('dry-run');
    expect(outcome.status === 'dry-run' && outcome.result?.summary).toBe(
      `would send 1 reminder(s) on 2026-11-16\n  #${ids.A} → ${GRACE} (overdue): Action item #${ids.A} is 12 days overdue (was due 2026-11-04): Item A`,
    );
    expect(t.fake.calls.filter((c) => c.seq > before)).toEqual([]);
  });

  it('posts the weekly digest of overdue items to the review channel, once a week', async () => {
    const before = t.fake.calls.at(-1)?.seq ?? 0;
    const at = nineAm('2026-11-16');
    const first = await runJob(actionDigestJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at,
      dryRun: false,
    });
    expect(first.status).toBe('succeeded');
    const posts = t.fake.callsTo('chat.postMessage').filter((c) => c.seq > before);
    expect(posts.map((c) => [c.params['channel'], c.params['text']])).toEqual([
      ['C0REVIEW01', '3 action items are overdue (Overdue action items — week of 2026-11-16).'],
    ]);
    const blocks = JSON.stringify(posts[0]?.params['blocks']);
    expect(blocks.indexOf(`*#${ids.A}*`)).toBeLessThan(blocks.indexOf(`*#${ids.C}*`)); // most overdue first
    expect(blocks).toContain('12 days overdue');
    expect(blocks).not.toContain(ACTION_IDS.actionItemDone);
    const again = await runJob(actionDigestJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: new Date('2026-11-19T08:00:00Z'),
      dryRun: false,
    });
    expect(again.status).toBe('skipped');
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.seq > before)).toHaveLength(1);
  });
});
