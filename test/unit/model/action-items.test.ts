import { describe, expect, it } from 'vitest';
import {
  actionKpisOf,
  actionStatusOn,
  daysOverdue,
  isWeekend,
  reminderDueOn,
  reviewStatusOf,
} from '../../../src/model/action-items.ts';
import { median } from '../../../src/model/stats.ts';

describe('the action log rules', () => {
  it('knows Saturday and Sunday', () => {
    // 2026-11-07 is a Saturday.
    expect(['2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09'].map(isWeekend)).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('reminds two days before, on the due day and every three days overdue, never on a weekend', () => {
    const due = '2026-11-04'; // Wednesday
    const days = Array.from({ length: 14 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const got = days.flatMap((d) => {
      const r = reminderDueOn(due, d);
      return r ? [[d, r.kind, r.days]] : [];
    });
    expect(got).toEqual([
      ['2026-11-02', 'due-soon', 2],
      ['2026-11-04', 'due-today', 0],
      // 2026-11-07 (3 days overdue) is a Saturday: skipped
      ['2026-11-10', 'overdue', 6],
      ['2026-11-13', 'overdue', 9],
    ]);
    // Due on a Sunday: the Friday before, nothing that weekend, then Wednesday (3 overdue).
    expect(
      ['2026-11-06', '2026-11-08', '2026-11-11'].map((d) => reminderDueOn('2026-11-08', d)?.kind ?? null),
    ).toEqual(['due-soon', null, 'overdue']);
  });

  it('says done / open / overdue, days overdue and carry-over', () => {
    expect(actionStatusOn({ status: 'open', dueDate: '2026-11-10' }, '2026-11-10')).toBe('open');
    expect(actionStatusOn({ status: 'open', dueDate: '2026-11-09' }, '2026-11-10')).toBe('overdue');
    expect(actionStatusOn({ status: 'done', dueDate: '2026-11-01' }, '2026-11-10')).toBe('done');
    expect([daysOverdue('2026-11-09', '2026-11-10'), daysOverdue('2026-11-12', '2026-11-10')]).toEqual([
      1, 0,
    ]);
    const start = new Date('2026-09-30T22:00:00Z'); // 1 October in Berlin
    expect(
      reviewStatusOf(
        { status: 'open', dueDate: '2026-12-01', createdAt: new Date('2026-09-30T21:59:59Z') },
        '2026-11-02',
        start,
      ),
    ).toEqual({ status: 'open', carriedOver: true });
    expect(
      reviewStatusOf(
        { status: 'done', dueDate: '2026-09-01', createdAt: new Date('2026-09-01T00:00:00Z') },
        '2026-11-02',
        start,
      ),
    ).toEqual({ status: 'done', carriedOver: false });
    expect(
      reviewStatusOf({ status: 'open', dueDate: '2026-10-20', createdAt: start }, '2026-11-02', start),
    ).toEqual({ status: 'overdue', carriedOver: false });
  });

  it('computes KPIs per team by hand', () => {
    const at = (iso: string) => new Date(iso);
    const item = (
      pl: string | null,
      status: 'open' | 'done',
      due: string,
      created: string,
      closed: string | null,
    ) => ({
      productLine: pl,
      status,
      dueDate: due,
      createdAt: at(created),
      closedAt: closed ? at(closed) : null,
    });
    const period = [
      item('checkout', 'done', '2026-10-10', '2026-10-01T00:00:00Z', '2026-10-02T12:00:00Z'), // 1.5 days
      item('checkout', 'done', '2026-10-10', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z'), // 4 days
      item('checkout', 'open', '2026-10-20', '2026-10-01T00:00:00Z', null),
      item('search', 'done', '2026-10-10', '2026-10-03T00:00:00Z', '2026-10-03T06:00:00Z'), // 0.25 days
      item('gone', 'open', '2026-12-01', '2026-10-03T00:00:00Z', null), // product line no longer configured
    ];
    const open = [
      period[2],
      period[4],
      item(null, 'open', '2026-11-01', '2026-09-01T00:00:00Z', null),
    ].filter((x): x is NonNullable<typeof x> => x !== undefined);
    const teams: Record<string, string> = { checkout: 'payments', search: 'search' };
    const k = actionKpisOf(period, open, '2026-11-02', (pl) => (pl === null ? null : (teams[pl] ?? null)), [
      'search',
      'payments',
    ]);
    expect(k).toEqual({
      teams: [
        { team: 'search', items: 1, done: 1, completionRatePct: 100, medianDaysToClose: 0.3, overdue: 0 },
        { team: 'payments', items: 3, done: 2, completionRatePct: 66.7, medianDaysToClose: 2.8, overdue: 1 },
        { team: null, items: 1, done: 0, completionRatePct: 0, medianDaysToClose: null, overdue: 1 },
      ],
      total: { team: null, items: 5, done: 3, completionRatePct: 60, medianDaysToClose: 1.5, overdue: 2 },
    });
    expect([median([]), median([3, 1, 2]), median([4, 1, 2, 3])]).toEqual([null, 2, 2.5]);
  });
});
