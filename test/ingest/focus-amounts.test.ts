import { describe, expect, it } from 'vitest';
import { groupSumAmount } from '../../src/ingest/focus/reader.ts';
import { formatAmount, parseAmount } from '../../src/model/allocation.ts';

/** A group sum (double) → exact amount of its 15 significant digits, without going through text. */
describe('groupSumAmount', () => {
  it('keeps the 15 significant digits a FOCUS value carries, not the binary noise after them', () => {
    expect(formatAmount(groupSumAmount(18.0066386184 + 1e-14))).toBe('18.0066386184');
    expect(formatAmount(groupSumAmount(0.1 + 0.2))).toBe('0.3');
    expect(formatAmount(groupSumAmount(-2.75))).toBe('-2.75');
    expect(formatAmount(groupSumAmount(0))).toBe('0');
    expect(formatAmount(groupSumAmount(-0))).toBe('0');
    expect(formatAmount(groupSumAmount(1234567890.12345))).toBe('1234567890.12345');
    expect(formatAmount(groupSumAmount(1e21))).toBe('1000000000000000000000');
    expect(formatAmount(groupSumAmount(1.2e-5))).toBe('0.000012');
    // Below 10^-18 the amount rounds half away from zero, as parseAmount does.
    expect(formatAmount(groupSumAmount(1.5e-18))).toBe('0.000000000000000002');
    expect(formatAmount(groupSumAmount(-4e-19))).toBe('0');
  });

  it('equals parsing the value written to 15 significant digits, over many magnitudes and signs', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      const x = (next() - 0.5) * 10 ** Math.floor(next() * 40 - 22);
      expect(groupSumAmount(x)).toBe(parseAmount(x.toPrecision(15)));
    }
  });

  it('refuses a sum that is not finite', () => {
    expect(() => groupSumAmount(Number.POSITIVE_INFINITY)).toThrow(/not a decimal number/);
  });
});
