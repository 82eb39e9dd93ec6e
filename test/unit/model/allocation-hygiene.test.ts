/** The weekly allocation hygiene figures on hand-built cost rows. */
import { describe, expect, it } from 'vitest';
import { allocationHygiene, type HygieneDayCost, lastWeekOf } from '../../../src/model/allocation-hygiene.ts';
import { weekStartOf as mondayOf } from '../../../src/model/labor-spikes.ts';

const day = (d: string, currency: string, unallocated: boolean, cost: number): HygieneDayCost => ({
  day: d,
  currency,
  unallocated,
  cost,
});

describe('allocationHygiene', () => {
  it('reports the last week per currency against the target, 8 weeks of trend and the top lines', () => {
    const f = allocationHygiene({
      weekFrom: '2026-11-30',
      targetPct: 5,
      reportCurrency: 'USD',
      top: 2,
      days: [
        // the reported week (30 Nov – 6 Dec): 1,300 allocated + 200 unallocated = 13.33 %
        day('2026-11-30', 'USD', false, 900),
        day('2026-11-30', 'USD', true, 100),
        day('2026-12-06', 'USD', false, 400),
        day('2026-12-06', 'USD', true, 100),
        // the first of the 8 weeks (12 – 18 Oct): 50 of 1,000 = 5 % (on target would be ≤ 5)
        day('2026-10-12', 'USD', false, 950),
        day('2026-10-18', 'USD', true, 50),
        // outside the 8 weeks: left out
        day('2026-10-11', 'USD', true, 10_000),
        day('2026-12-07', 'USD', true, 10_000),
        // another currency, kept apart: all unallocated
        day('2026-12-01', 'EUR', true, 30),
      ],
      unallocated: [
        { currency: 'EUR', provider: 'Azure', subAccount: 'sub-x', service: 'Virtual Machines', cost: 30 },
        { currency: 'USD', provider: 'AWS', subAccount: '222222222222', service: 'Amazon S3', cost: 80 },
        { currency: 'USD', provider: 'AWS', subAccount: '111111111111', service: 'Amazon EC2', cost: 120 },
        { currency: 'USD', provider: 'AWS', subAccount: null, service: 'Support', cost: 0 },
      ],
    });
    expect(f.from).toBe('2026-11-30');
    expect(f.to).toBe('2026-12-06');
    expect(f.currencies.map((c) => c.currency)).toEqual(['USD', 'EUR']);
    const usd = f.currencies[0];
    expect(usd?.week).toEqual({
      from: '2026-11-30',
      to: '2026-12-06',
      total: 1500,
      unallocated: 200,
      sharePct: (200 / 1500) * 100,
    });
    expect(usd?.onTarget).toBe(false);
    expect(usd?.trend.map((w) => [w.from, w.total, w.unallocated, w.sharePct])).toEqual([
      ['2026-10-12', 1000, 50, 5],
      ['2026-10-19', 0, 0, null],
      ['2026-10-26', 0, 0, null],
      ['2026-11-02', 0, 0, null],
      ['2026-11-09', 0, 0, null],
      ['2026-11-16', 0, 0, null],
      ['2026-11-23', 0, 0, null],
      ['2026-11-30', 1500, 200, (200 / 1500) * 100],
    ]);
    expect(f.currencies[1]?.week).toMatchObject({ total: 30, unallocated: 30, sharePct: 100 });
    expect(f.top).toEqual([
      {
        currency: 'USD',
        provider: 'AWS',
        subAccount: '111111111111',
        service: 'Amazon EC2',
        cost: 120,
        shareOfUnallocatedPct: 60,
      },
      {
        currency: 'USD',
        provider: 'AWS',
        subAccount: '222222222222',
        service: 'Amazon S3',
        cost: 80,
        shareOfUnallocatedPct: 40,
      },
    ]);
    expect(f.moreLines).toBe(1); // the EUR line; the zero line is not a line to tag
  });

  it('is on target at exactly the target, and has no share for a week of credits only', () => {
    const f = allocationHygiene({
      weekFrom: '2026-11-30',
      targetPct: 5,
      reportCurrency: 'USD',
      days: [
        day('2026-12-01', 'USD', false, 95),
        day('2026-12-01', 'USD', true, 5),
        day('2026-12-02', 'GBP', false, -20),
      ],
      unallocated: [],
    });
    expect(f.currencies.map((c) => [c.currency, c.week.sharePct, c.onTarget])).toEqual([
      ['USD', 5, true],
      ['GBP', null, null],
    ]);
    expect(f.top).toEqual([]);
  });

  it('finds the Monday of last week whatever the day of the run, and refuses a week not starting on a Monday', () => {
    expect(mondayOf('2026-12-06')).toBe('2026-11-30'); // Sunday
    expect(lastWeekOf('2026-12-07')).toBe('2026-11-30'); // Monday run
    expect(lastWeekOf('2026-12-13')).toBe('2026-11-30');
    expect(lastWeekOf('2027-01-04')).toBe('2026-12-28');
    expect(() =>
      allocationHygiene({
        weekFrom: '2026-12-01',
        days: [],
        unallocated: [],
        targetPct: 5,
        reportCurrency: 'USD',
      }),
    ).toThrow(/not a Monday/);
  });
});
