/**
 * The month-end forecast rule (docs/methodology.md, "Forecast against actual") on series worked
 * by hand: month to date + median daily cost of the 28 days to the last day of cost × days left.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../src/lib/dates.ts';
import {
  daysInMonth,
  forecastAccuracyOf,
  forecastChange,
  forecastDrivers,
  forecastMonth,
} from '../../../src/model/forecast.ts';

/** `value` on each day from `from` for `n` days. */
function days(from: string, n: number, value: number, into = new Map<string, number>()): Map<string, number> {
  for (let i = 0; i < n; i++) into.set(addDays(from, i), value);
  return into;
}

describe('forecastMonth', () => {
  it('adds the trailing 28-day median × days left to the month to date (hand-worked, with a spike)', () => {
    // 17–30 Nov: 80 a day; 1–14 Dec: 100 a day, except 1,000 on the 5th.
    const daily = days('2026-12-01', 14, 100, days('2026-11-17', 14, 80));
    daily.set('2026-12-05', 1000);
    // Window 17 Nov – 14 Dec: 14 × 80, 13 × 100, 1 × 1,000 → median = (80 + 100) / 2 = 90.
    // Month to date = 13 × 100 + 1,000 = 2,300; days left = 31 − 14 = 17; 2,300 + 90 × 17 = 3,830.
    expect(forecastMonth('2026-12', '2026-12-14', daily)).toEqual({
      month: '2026-12',
      through: '2026-12-14',
      daysInMonth: 31,
      daysElapsed: 14,
      daysLeft: 17,
      monthToDate: 2300,
      windowFrom: '2026-11-17',
      medianDaily: 90,
      forecast: 3830,
    });
  });

  it('counts days without cost as 0 in the window', () => {
    // Only 10 days of 50 in the 28: the median is 0 and the forecast is the month to date.
    const daily = days('2026-12-05', 10, 50);
    const f = forecastMonth('2026-12', '2026-12-14', daily);
    expect([f.monthToDate, f.medianDaily, f.forecast]).toEqual([500, 0, 500]);
  });

  it('projects the whole month when no day of it has cost yet', () => {
    const daily = days('2026-11-03', 28, 40);
    expect(forecastMonth('2026-12', '2026-11-30', daily)).toMatchObject({
      daysElapsed: 0,
      daysLeft: 31,
      monthToDate: 0,
      windowFrom: '2026-11-03',
      medianDaily: 40,
      forecast: 1240,
    });
  });

  it('is the month to date on the last day, and refuses cost beyond the month', () => {
    expect(daysInMonth('2027-02')).toBe(28);
    expect(daysInMonth('2028-02')).toBe(29);
    const daily = days('2027-02-01', 28, 10);
    expect(forecastMonth('2027-02', '2027-02-28', daily)).toMatchObject({ daysLeft: 0, forecast: 280 });
    expect(() => forecastMonth('2027-02', '2027-03-01', daily)).toThrow(/2027-03-01/);
  });
});

describe('forecastDrivers', () => {
  it('names the services with the largest increase over last month, increases only', () => {
    const a = days('2026-12-01', 14, 50, days('2026-11-17', 14, 40)); // median 45, MTD 700 → 1,465
    const b = days('2026-11-17', 28, 30); // median 30, MTD 420 → 930
    const drivers = forecastDrivers(
      '2026-12',
      '2026-12-14',
      new Map([
        ['Amazon EC2', a],
        ['Amazon S3', b],
      ]),
      new Map([
        ['Amazon EC2', 1200],
        ['Amazon S3', 600],
        ['Amazon RDS', 500], // gone this month: a decrease, not a driver
      ]),
    );
    expect(drivers).toEqual([
      { service: 'Amazon S3', forecast: 930, lastMonth: 600, change: 330 },
      { service: 'Amazon EC2', forecast: 1465, lastMonth: 1200, change: 265 },
    ]);
  });
});

describe('forecastChange and forecastAccuracyOf', () => {
  it('alerts only above the threshold, never without a last month', () => {
    expect(forecastChange(3830, 2400, 15)).toEqual({
      change: 1430,
      changePct: (1430 / 2400) * 100,
      alert: true,
    });
    expect(forecastChange(115, 100, 15)).toMatchObject({ changePct: 15, alert: false }); // "more than" 15
    expect(forecastChange(115.01, 100, 15).alert).toBe(true);
    expect(forecastChange(500, 0, 15)).toEqual({ change: 500, changePct: null, alert: false });
  });

  it('gives the variance of actual to forecast in money and percent of the forecast', () => {
    expect(forecastAccuracyOf(3830, 4000)).toEqual({
      forecast: 3830,
      actual: 4000,
      variance: 170,
      variancePct: (170 / 3830) * 100,
    });
    expect(forecastAccuracyOf(1000, 900).variancePct).toBe(-10);
    expect(forecastAccuracyOf(0, 50)).toEqual({ forecast: 0, actual: 50, variance: 50, variancePct: null });
  });
});
