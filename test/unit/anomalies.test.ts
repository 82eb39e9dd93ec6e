import { describe, expect, it } from 'vitest';
import {
  type AnomalyCostRow,
  type AnomalyThresholds,
  detectCostAnomalies,
  epochDay,
  isExcludedFromAnomalies,
} from '../../src/model/anomalies.ts';

/** SPEC §3 defaults. */
const T: AnomalyThresholds = { minImpact: 50, minIncreasePct: 20, madK: 3 };

/** October 2026, day n (1-based) → '2026-10-0n'; November continues past 31. */
function day(n: number): string {
  return new Date(Date.UTC(2026, 9, n)).toISOString().slice(0, 10);
}

interface SeriesOpts {
  productLine?: string | null;
  service?: string;
  currency?: string;
  subAccount?: string | null;
  region?: string | null;
  chargeCategory?: string;
  isCorrection?: boolean;
  /** 1-based day of the first value. */
  from?: number;
}

/** One row per value, starting on October `from`. */
function series(values: number[], o: SeriesOpts = {}): AnomalyCostRow[] {
  return values.map((cost, k) => ({
    day: day((o.from ?? 1) + k),
    productLine: o.productLine === undefined ? 'checkout' : o.productLine,
    service: o.service ?? 'Amazon EC2',
    currency: o.currency ?? 'USD',
    subAccount: o.subAccount === undefined ? '111111111111' : o.subAccount,
    region: o.region === undefined ? 'us-east-1' : o.region,
    cost,
    ...(o.chargeCategory !== undefined ? { chargeCategory: o.chargeCategory } : {}),
    ...(o.isCorrection !== undefined ? { isCorrection: o.isCorrection } : {}),
  }));
}

const flat = (n: number, v: number): number[] => Array.from({ length: n }, () => v);
const withAt = (values: number[], at: Record<number, number>): number[] =>
  values.map((v, k) => at[k + 1] ?? v);

describe('detectCostAnomalies (SPEC §7)', () => {
  it('fires on a spike on day 15 of a flat series, with the spiking pair as root cause', () => {
    const rows = [
      ...series(flat(30, 70), { subAccount: '111111111111', region: 'us-east-1' }),
      ...series(withAt(flat(30, 30), { 15: 330 }), { subAccount: '222222222222', region: 'eu-west-1' }),
    ];
    const out = detectCostAnomalies(rows, T);
    expect(out).toEqual([
      {
        productLine: 'checkout',
        service: 'Amazon EC2',
        currency: 'USD',
        firstDay: '2026-10-15',
        lastDay: '2026-10-15',
        actual: 400,
        expected: 100,
        impact: 300,
        impactPct: 300,
        // the flat pair's increase is 0: only pairs that rose are causes
        rootCause: [{ subAccount: '222222222222', region: 'eu-west-1', increase: 300 }],
        days: [{ day: '2026-10-15', actual: 400, expected: 100, impact: 300, spread: 0, rule: 'baseline' }],
      },
    ]);
  });

  it('does not fire on a slow ramp (+2 a day: always 15 over the window median)', () => {
    const ramp = Array.from({ length: 90 }, (_, k) => 100 + 2 * k);
    expect(detectCostAnomalies(series(ramp), T)).toEqual([]);
    // a steeper ramp crosses min_impact: +8 a day is 60 over the median, but the window's own
    // spread (1.4826 × 28 = 41.5) times mad_k keeps it quiet
    const steep = Array.from({ length: 90 }, (_, k) => 100 + 8 * k);
    expect(detectCostAnomalies(series(steep), T)).toEqual([]);
  });

  it('does not fire on a weekly pattern (weekdays 200, weekends 80)', () => {
    // 2026-10-01 is a Thursday
    const weekly = Array.from({ length: 70 }, (_, k) => {
      const dow = new Date(Date.UTC(2026, 9, 1 + k)).getUTCDay();
      return dow === 0 || dow === 6 ? 80 : 200;
    });
    expect(detectCostAnomalies(series(weekly), T)).toEqual([]);
  });

  it('asks mad_k spreads of a noisy window: 360 passes min_impact but not 150 + 3 × 74.13', () => {
    // window of 14 alternating 200/100: median 150, every deviation 50, spread 1.4826 × 50 = 74.13
    const noisy = Array.from({ length: 14 }, (_, k) => (k % 2 === 0 ? 200 : 100));
    expect(detectCostAnomalies(series([...noisy, 372.39]), T)).toEqual([]);
    const out = detectCostAnomalies(series([...noisy, 372.4]), T);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      firstDay: '2026-10-15',
      lastDay: '2026-10-15',
      actual: 372.4,
      expected: 150,
    });
    expect(out[0]?.impact).toBeCloseTo(222.4, 10);
    expect(out[0]?.days[0]?.spread).toBeCloseTo(74.13, 10);
  });

  it('applies min_increase_pct over a large baseline: 1000 needs +200', () => {
    expect(detectCostAnomalies(series([...flat(14, 1000), 1199.99]), T)).toEqual([]);
    const out = detectCostAnomalies(series([...flat(14, 1000), 1200]), T);
    expect(out.map((a) => [a.firstDay, a.impact, a.impactPct])).toEqual([['2026-10-15', 200, 20]]);
  });

  it('compares decimal amounts without binary noise: 150.10 over 100.10 is exactly min_impact', () => {
    const out = detectCostAnomalies(series([...flat(14, 100.1), 150.1]), T);
    expect(out).toHaveLength(1);
    expect(detectCostAnomalies(series([...flat(14, 100.1), 150.09]), T)).toEqual([]);
    // two rows of 0.1 and 0.2 a day are 0.3, not 0.30000000000000004
    const split = [...series(flat(20, 0.1)), ...series(flat(20, 0.2), { region: 'us-west-2' })];
    expect(detectCostAnomalies(split, { ...T, minImpact: 0 })).toEqual([]);
  });

  it('leaves a single purchase out: it never fires, in its service or alone', () => {
    const rows = [
      ...series(flat(30, 100)),
      ...series([5000], { from: 20, chargeCategory: 'Purchase' }),
      ...series([36000], {
        from: 21,
        service: 'Savings Plans for AWS Compute usage',
        chargeCategory: 'Purchase',
      }),
    ];
    expect(detectCostAnomalies(rows, T)).toEqual([]);
  });

  it('keeps negative credits out of series and baselines: an expiring credit is no anomaly', () => {
    const usage = series(flat(30, 100));
    const credits = series(flat(14, -90), { chargeCategory: 'Credit' });
    expect(detectCostAnomalies([...usage, ...credits], T)).toEqual([]);
    // the same amounts counted as usage would make 10 a day jump to 100 on day 15
    const asUsage = series(flat(14, -90));
    expect(detectCostAnomalies([...usage, ...asUsage], T).map((a) => [a.firstDay, a.expected])).toEqual([
      ['2026-10-15', 10],
    ]);
  });

  it('leaves Adjustment and ChargeClass=Correction rows out, and accepts negative usage', () => {
    const rows = [
      ...series(flat(30, 100)),
      ...series([900], { from: 18, chargeCategory: 'adjustment' }),
      ...series([1000], { from: 20, isCorrection: true }),
      ...series([-60], { from: 22, region: 'us-west-2' }),
    ];
    expect(detectCostAnomalies(rows, T)).toEqual([]);
    expect(isExcludedFromAnomalies('Usage')).toBe(false);
    expect(isExcludedFromAnomalies('Tax')).toBe(false);
    expect(isExcludedFromAnomalies('CREDIT')).toBe(true);
    expect(isExcludedFromAnomalies('Usage', true)).toBe(true);
  });

  it('alerts a new service on min_impact alone until it has 7 days of window', () => {
    const rows = [
      ...series(flat(40, 100)),
      ...series(flat(11, 80), { from: 20, service: 'Amazon Bedrock', subAccount: '333333333333' }),
      ...series(flat(11, 30), { from: 20, service: 'AWS Glue' }),
    ];
    const out = detectCostAnomalies(rows, T);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      service: 'Amazon Bedrock',
      firstDay: '2026-10-20',
      lastDay: '2026-10-26',
      actual: 80,
      expected: 0,
      impact: 80,
      impactPct: null,
      rootCause: [{ subAccount: '333333333333', region: 'us-east-1', increase: 80 }],
    });
    expect(out[0]?.days.map((d) => d.rule)).toEqual(Array.from({ length: 7 }, () => 'new-series'));
  });

  it('judges no day within the first 7 days of all ingested cost', () => {
    const rows = [
      // a spike on day 5 of the very first series: no verdict yet
      ...series(withAt(flat(20, 100), { 5: 1000 })),
      // a series starting on day 4: silent on days 4–7, new-series rule on days 8–10, then baseline
      ...series(flat(17, 500), { from: 4, service: 'Amazon S3' }),
    ];
    const out = detectCostAnomalies(rows, T);
    expect(out.map((a) => [a.service, a.firstDay, a.lastDay, a.expected])).toEqual([
      ['Amazon S3', '2026-10-08', '2026-10-10', 0],
    ]);
    // day 8 is the first day with a verdict; its window is days 1–7
    const early = detectCostAnomalies(series(withAt(flat(20, 100), { 8: 1000 })), T);
    expect(early.map((a) => a.firstDay)).toEqual(['2026-10-08']);
  });

  it('extends an ongoing anomaly day by day and lets a normal day close it', () => {
    const values = withAt(flat(25, 100), { 15: 400, 16: 420, 18: 400 });
    const out = detectCostAnomalies(series(values), T);
    expect(out.map((a) => [a.firstDay, a.lastDay, a.actual, a.expected, a.days.length])).toEqual([
      ['2026-10-15', '2026-10-16', 420, 100, 2],
      ['2026-10-18', '2026-10-18', 400, 100, 1],
    ]);
    // the same data cut after day 15: the first anomaly is then one day long, same first day
    const cut = detectCostAnomalies(series(values.slice(0, 15)), T);
    expect(cut.map((a) => [a.firstDay, a.lastDay])).toEqual([['2026-10-15', '2026-10-15']]);
  });

  it('ranks root cause by increase over each pair’s own window median, top 3, only rises', () => {
    const rows = [
      ...series(withAt(flat(15, 10), { 15: 20 }), { subAccount: 'a', region: 'r1' }), // +10
      ...series(withAt(flat(15, 10), { 15: 310 }), { subAccount: 'b', region: 'r1' }), // +300
      ...series(withAt(flat(15, 10), { 15: 60 }), { subAccount: 'a', region: 'r2' }), // +50
      ...series(withAt(flat(15, 10), { 15: 130 }), { subAccount: null, region: null }), // +120
      ...series(withAt(flat(15, 10), { 15: 0 }), { subAccount: 'c', region: 'r1' }), // −10
    ];
    const [a] = detectCostAnomalies(rows, T);
    expect(a?.impact).toBe(470);
    expect(a?.rootCause).toEqual([
      { subAccount: 'b', region: 'r1', increase: 300 },
      { subAccount: null, region: null, increase: 120 },
      { subAccount: 'a', region: 'r2', increase: 50 },
    ]);
  });

  it('keeps currencies and product lines apart; unallocated sorts last', () => {
    const rows = [
      ...series(withAt(flat(20, 100), { 15: 180 }), { currency: 'USD' }),
      ...series(flat(20, 100), { currency: 'EUR' }),
      ...series(withAt(flat(20, 100), { 15: 500 }), { productLine: null }),
      ...series(withAt(flat(20, 100), { 15: 500 }), { productLine: 'search-ai' }),
    ];
    const out = detectCostAnomalies(rows, T);
    expect(out.map((a) => [a.productLine, a.currency, a.actual, a.expected])).toEqual([
      ['checkout', 'USD', 180, 100],
      ['search-ai', 'USD', 500, 100],
      [null, 'USD', 500, 100],
    ]);
  });

  it('fills days without rows with 0 up to the last day of any ingested cost', () => {
    // a service billed 100 a day that stops on day 20: zeros after it never fire, and a return
    // to 100 after 14 zero days is a +100 jump over a median of 0
    const rows = [
      ...series(flat(20, 100)),
      ...series([100], { from: 35 }),
      ...series([1], { from: 40, service: 'other' }),
    ];
    const out = detectCostAnomalies(rows, T);
    expect(out.map((a) => [a.service, a.firstDay, a.expected, a.actual])).toEqual([
      ['Amazon EC2', '2026-11-04', 0, 100],
    ]);
  });

  it('takes the range of all ingested cost from outside when rows were filtered', () => {
    // the cost started on Sep 1 (other rows, not given): a series from Oct 1 is a new series
    const rows = series(flat(3, 100));
    const out = detectCostAnomalies(rows, T, { firstDay: '2026-09-01', lastDay: '2026-10-03' });
    expect(out.map((a) => [a.firstDay, a.lastDay])).toEqual([['2026-10-01', '2026-10-03']]);
    expect(() => detectCostAnomalies(rows, T, { firstDay: '2026-10-02', lastDay: '2026-10-03' })).toThrow(
      /outside the ingested cost range/,
    );
    expect(detectCostAnomalies([], T)).toEqual([]);
    expect(() => epochDay('2026-02-30')).toThrow(/YYYY-MM-DD/);
  });
});
