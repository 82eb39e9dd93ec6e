import { describe, expect, it } from 'vitest';
import { detectLaborSpikes, type IncidentHours, weekStartOf } from '../../src/model/labor-spikes.ts';

/** Monday 2026-08-03 plus w weeks, plus an offset in days. */
function inWeek(w: number, offset = 0): string {
  return new Date(Date.UTC(2026, 7, 3 + 7 * w + offset)).toISOString().slice(0, 10);
}

function weeks(productLine: string | null, hours: number[]): IncidentHours[] {
  return hours.map((h, w) => ({ productLine, day: inWeek(w, 2), hours: h }));
}

describe('detectLaborSpikes', () => {
  it('finds the ISO Monday of any day', () => {
    expect(weekStartOf('2026-10-15')).toBe('2026-10-12'); // Thursday
    expect(weekStartOf('2026-10-12')).toBe('2026-10-12'); // Monday
    expect(weekStartOf('2026-10-18')).toBe('2026-10-12'); // Sunday
    expect(weekStartOf('2027-01-01')).toBe('2026-12-28'); // across the year
  });

  it('flags a week above 2× the trailing 8-week median, not one at exactly 2×', () => {
    const out = detectLaborSpikes([
      ...weeks('checkout', [10, 12, 8, 10, 11, 9, 10, 10, 25]),
      ...weeks('search-ai', [10, 12, 8, 10, 11, 9, 10, 10, 20]),
    ]);
    // checkout trailing sorted 8,9,10,10,10,10,11,12 → median 10; 25 > 20
    expect(out).toEqual([{ productLine: 'checkout', week: inWeek(8), hours: 25, median: 10, ratio: 2.5 }]);
  });

  it('counts weeks without incident hours as 0 in the median', () => {
    // hours every other week: trailing 10,0,10,0,10,0,10,0 → median 5; 15 > 10
    const out = detectLaborSpikes(weeks(null, [10, 0, 10, 0, 10, 0, 10, 0, 15]).filter((h) => h.hours > 0));
    expect(out).toEqual([{ productLine: null, week: inWeek(8), hours: 15, median: 5, ratio: 3 }]);
  });

  it('sums days into their week and judges nothing before 8 full trailing weeks', () => {
    const daily: IncidentHours[] = [];
    for (let w = 0; w < 8; w++)
      for (let d = 0; d < 5; d++) daily.push({ productLine: 'checkout', day: inWeek(w, d), hours: 1 });
    daily.push(
      { productLine: 'checkout', day: inWeek(8, 0), hours: 6 },
      { productLine: 'checkout', day: inWeek(8, 6), hours: 5 },
    );
    expect(detectLaborSpikes(daily).map((s) => [s.week, s.hours, s.median])).toEqual([[inWeek(8), 11, 5]]);
    expect(detectLaborSpikes(weeks('checkout', [1, 1, 1, 1, 1, 1, 1, 40]))).toEqual([]);
  });

  it('takes factor, window and a minimum of hours as options', () => {
    const h = weeks('checkout', [0, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(detectLaborSpikes(h).map((s) => s.ratio)).toEqual([null]);
    expect(detectLaborSpikes(h, { minHours: 4 })).toEqual([]);
    expect(detectLaborSpikes(weeks('x', [2, 2, 2, 5]), { trailingWeeks: 3, factor: 2.4 })).toHaveLength(1);
    expect(() => detectLaborSpikes(h, { trailingWeeks: 0 })).toThrow(/trailingWeeks/);
  });
});
