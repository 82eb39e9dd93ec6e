import { describe, expect, it } from 'vitest';
import {
  dayKey,
  hourKey,
  isoWeekKey,
  monthKey,
  periodKeyOf,
  previousMonthKey,
} from '../../src/jobs/period.ts';

const TZ = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);

describe('period keys in Europe/Berlin', () => {
  it('puts the first minutes of a month in that month although UTC is still in the previous one', () => {
    // 2026-12-01 00:30 in Berlin (CET, +01:00) is 2026-11-30 23:30 UTC.
    expect(monthKey(at('2026-11-30T23:30:00Z'), TZ)).toBe('2026-12');
    expect(previousMonthKey(at('2026-11-30T23:30:00Z'), TZ)).toBe('2026-11');
    expect(dayKey(at('2026-11-30T23:30:00Z'), TZ)).toBe('2026-12-01');
    // One second before midnight in Berlin is still November.
    expect(monthKey(at('2026-11-30T22:59:59Z'), TZ)).toBe('2026-11');
    expect(previousMonthKey(at('2026-11-30T22:59:59Z'), TZ)).toBe('2026-10');
  });

  it('gives the monthly review on 2 December 09:00 the period of November, and across the year end', () => {
    expect(previousMonthKey(at('2026-12-02T08:00:00Z'), TZ)).toBe('2026-11');
    expect(previousMonthKey(at('2027-01-02T08:00:00Z'), TZ)).toBe('2026-12');
    // New Year's midnight in Berlin is 23:00 UTC on 31 December.
    expect(previousMonthKey(at('2026-12-31T23:00:00Z'), TZ)).toBe('2026-12');
    expect(previousMonthKey(at('2026-12-31T22:59:59Z'), TZ)).toBe('2026-11');
  });

  it('switches months at local midnight on both sides of a DST change', () => {
    // 31 March → 1 April: Berlin is on CEST (+02:00), so midnight is 22:00 UTC.
    expect(monthKey(at('2026-03-31T21:59:59Z'), TZ)).toBe('2026-03');
    expect(monthKey(at('2026-03-31T22:00:00Z'), TZ)).toBe('2026-04');
    // 31 October → 1 November, a week after the change back to CET (+01:00): midnight is 23:00 UTC.
    expect(monthKey(at('2026-10-31T22:59:59Z'), TZ)).toBe('2026-10');
    expect(monthKey(at('2026-10-31T23:00:00Z'), TZ)).toBe('2026-11');
  });

  it('keeps the 23-hour and the 25-hour day whole', () => {
    // 29 March 2026 has 23 hours: 00:00 +01:00 (23:00Z the day before) to 23:59 +02:00 (21:59Z).
    expect(dayKey(at('2026-03-28T23:00:00Z'), TZ)).toBe('2026-03-29');
    expect(dayKey(at('2026-03-29T21:59:59Z'), TZ)).toBe('2026-03-29');
    expect(dayKey(at('2026-03-29T22:00:00Z'), TZ)).toBe('2026-03-30');
    // 25 October 2026 has 25 hours: 22:00Z the day before to 22:59Z.
    expect(dayKey(at('2026-10-24T22:00:00Z'), TZ)).toBe('2026-10-25');
    expect(dayKey(at('2026-10-25T22:59:59Z'), TZ)).toBe('2026-10-25');
    expect(dayKey(at('2026-10-25T23:00:00Z'), TZ)).toBe('2026-10-26');
  });

  it('tells the two 02:00 hours of the autumn change apart and skips the missing spring hour', () => {
    expect(hourKey(at('2026-10-25T00:30:00Z'), TZ)).toBe('2026-10-25T02+02:00');
    expect(hourKey(at('2026-10-25T01:30:00Z'), TZ)).toBe('2026-10-25T02+01:00');
    expect(hourKey(at('2026-03-29T00:59:59Z'), TZ)).toBe('2026-03-29T01+01:00');
    expect(hourKey(at('2026-03-29T01:00:00Z'), TZ)).toBe('2026-03-29T03+02:00');
  });

  it('uses the ISO week-year for weeks that straddle a year end', () => {
    // 1 January 2026 is a Thursday, so 2026 has 53 ISO weeks; 1 January 2027 (Friday) is in 2026-W53.
    expect(isoWeekKey(at('2026-12-31T12:00:00Z'), TZ)).toBe('2026-W53');
    expect(isoWeekKey(at('2027-01-01T12:00:00Z'), TZ)).toBe('2026-W53');
    // Monday 4 January 2027, 00:30 in Berlin, is Sunday 23:30 UTC: already week 1.
    expect(isoWeekKey(at('2027-01-03T23:30:00Z'), TZ)).toBe('2027-W01');
    // Monday 30 December 2024 belongs to 2025-W01.
    expect(isoWeekKey(at('2024-12-30T12:00:00Z'), TZ)).toBe('2025-W01');
  });

  it('dispatches by period kind', () => {
    const t = at('2026-11-30T23:30:00Z');
    expect(
      (['previous-month', 'month', 'day', 'iso-week', 'hour'] as const).map((k) => periodKeyOf(k, t, TZ)),
    ).toEqual(['2026-11', '2026-12', '2026-12-01', '2026-W49', '2026-12-01T00+01:00']);
  });
});
