import { describe, expect, it } from 'vitest';
import {
  type AllocatableCostRow,
  type AllocationSubject,
  allocateCostRows,
  allocationVerdict,
  compileAllocationRules,
  costKind,
  costOf,
  formatAmount,
  matchProductLine,
  matchSharedCost,
  parseAmount,
  referencedTags,
  splitAmount,
} from '../../src/model/allocation.ts';

const amt = (s: string) => parseAmount(s);

describe('amounts', () => {
  it('parses decimal text exactly, in units of 10^-18', () => {
    expect(parseAmount('1')).toBe(10n ** 18n);
    expect(parseAmount('-12.50')).toBe(-125n * 10n ** 17n);
    expect(parseAmount('8e-07')).toBe(8n * 10n ** 11n);
    expect(parseAmount('1.5E+2')).toBe(150n * 10n ** 18n);
    expect(parseAmount('.5')).toBe(5n * 10n ** 17n);
    expect(parseAmount('0.00000080000')).toBe(8n * 10n ** 11n);
    // a 19th decimal rounds half away from zero
    expect(parseAmount('0.0000000000000000015')).toBe(2n);
    expect(parseAmount('-0.0000000000000000015')).toBe(-2n);
    expect(parseAmount('0.0000000000000000014')).toBe(1n);
    expect(() => parseAmount('1,5')).toThrow('not a decimal number');
    expect(() => parseAmount('')).toThrow();
  });

  it('formats as plain decimal text without trailing zeros', () => {
    expect(formatAmount(amt('-12.50'))).toBe('-12.5');
    expect(formatAmount(amt('8e-07'))).toBe('0.0000008');
    expect(formatAmount(0n)).toBe('0');
    expect(formatAmount(-1n)).toBe('-0.000000000000000001');
    expect(formatAmount(amt('20.52022672899'))).toBe('20.52022672899');
  });

  it('splits by largest remainder so that the parts add up to the whole', () => {
    expect(splitAmount(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(splitAmount(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
    // 10 × 3/4 = 7.5 and 10 × 1/4 = 2.5: the tie goes to the first
    expect(splitAmount(10n, [3n, 1n])).toEqual([8n, 2n]);
    expect(splitAmount(30n, [100n, 50n])).toEqual([20n, 10n]);
    // negative weights weigh nothing; no positive weight at all: an even split
    expect(splitAmount(9n, [-5n, 2n, 1n])).toEqual([0n, 6n, 3n]);
    expect(splitAmount(9n, [0n, -1n, 0n])).toEqual([3n, 3n, 3n]);
    expect(splitAmount(5n, [])).toEqual([]);
  });
});

const CONFIG = {
  product_lines: [
    { id: 'checkout', cost: { tags: { product: 'checkout' }, sub_accounts: ['111'] } },
    { id: 'search', cost: { tags: { product: 'search', team: 'search' }, sub_accounts: ['222'] } },
  ],
  shared_costs: [
    {
      match: { tags: { product: 'platform' }, sub_accounts: [], service_names: [] },
      split: 'proportional' as const,
    },
    { match: { tags: {}, sub_accounts: ['999'], service_names: ['Support'] }, split: 'even' as const },
  ],
};
// Only the keys allocation reads; the config schema fills the rest.
const rules = compileAllocationRules(CONFIG as never);

type TestRow = AllocatableCostRow & AllocationSubject;

/** A staged row: its subject decides the verdict, as the ingestion does once per distinct subject. */
function row(
  p: Partial<Omit<TestRow, 'directLine' | 'sharedRule'>> & { billed: string; effective?: string },
): TestRow {
  const { billed, effective, ...rest } = p;
  const base = {
    scope: 'focus:AWS:1:2026-10-01',
    billingCurrency: 'USD',
    subAccountId: null,
    serviceName: 'Amazon EC2',
    tags: { product: null, team: null },
    rowCount: 1,
    ...rest,
    billedCost: amt(billed),
    effectiveCost: amt(effective ?? billed),
  };
  return { ...base, ...allocationVerdict(rules, base) };
}

describe('allocation rules', () => {
  it('lists the tag keys and values the rules read', () => {
    expect(referencedTags(rules)).toEqual([
      { key: 'product', values: ['checkout', 'search', 'platform'] },
      { key: 'team', values: ['search'] },
    ]);
  });

  it('gives a row to the first product line in file order that it matches, by any tag or sub-account', () => {
    const subject = (subAccountId: string | null, product: string | null, team: string | null = null) => ({
      subAccountId,
      serviceName: 'x',
      tags: { product, team },
    });
    expect(matchProductLine(rules, subject(null, 'checkout'))).toBe('checkout');
    expect(matchProductLine(rules, subject(null, null, 'search'))).toBe('search');
    expect(matchProductLine(rules, subject('222', null))).toBe('search');
    // sub-account 222 says search, the tag says checkout: checkout comes first in the file
    expect(matchProductLine(rules, subject('222', 'checkout'))).toBe('checkout');
    // sub-account 111 says checkout, the tag says search: checkout again
    expect(matchProductLine(rules, subject('111', 'search'))).toBe('checkout');
    expect(matchProductLine(rules, subject('333', 'platform'))).toBeNull();
    expect(matchSharedCost(rules, subject('333', 'platform'))).toBe(0);
    expect(matchSharedCost(rules, subject('999', null))).toBe(1);
    expect(matchSharedCost(rules, { subAccountId: null, serviceName: 'Support', tags: {} })).toBe(1);
    expect(matchSharedCost(rules, subject(null, null))).toBeNull();
  });
});

describe('allocateCostRows', () => {
  it('allocates direct, splits shared in proportion to each measure’s direct totals, leaves the rest unallocated', () => {
    const rows = [
      row({ billed: '100', effective: '60', rowCount: 4, tags: { product: 'checkout', team: null } }),
      row({ billed: '50', effective: '20', rowCount: 2, subAccountId: '222' }),
      row({ billed: '30', effective: '20', rowCount: 3, tags: { product: 'platform', team: null } }),
      row({ billed: '7', effective: '5', rowCount: 1 }),
    ];
    const out = allocateCostRows(rows, rules).map((r) => ({
      productLine: r.productLine,
      allocation: r.allocation,
      billed: formatAmount(r.billedCost),
      effective: formatAmount(r.effectiveCost),
      rows: r.rowCount,
    }));
    expect(out).toEqual([
      { productLine: 'checkout', allocation: 'direct', billed: '100', effective: '60', rows: 4 },
      { productLine: 'search', allocation: 'direct', billed: '50', effective: '20', rows: 2 },
      // billed 30 by 100:50 → 20 + 10; effective 20 by 60:20 → 15 + 5; rows 3 by 4:2 → 2 + 1
      { productLine: 'checkout', allocation: 'shared', billed: '20', effective: '15', rows: 2 },
      { productLine: 'search', allocation: 'shared', billed: '10', effective: '5', rows: 1 },
      { productLine: null, allocation: 'none', billed: '7', effective: '5', rows: 1 },
    ]);
  });

  it('splits evenly on request, keeps the sum exact, and drops parts that are all zero', () => {
    const out = allocateCostRows(
      [
        row({ billed: '1000', tags: { product: 'checkout', team: null } }),
        row({ billed: '0.01', effective: '0', rowCount: 1, serviceName: 'Support' }),
      ],
      rules,
    );
    const shared = out.filter((r) => r.allocation === 'shared');
    expect(
      shared.map((r) => [
        r.productLine,
        formatAmount(r.billedCost),
        formatAmount(r.effectiveCost),
        r.rowCount,
      ]),
    ).toEqual([
      ['checkout', '0.005', '0', 1],
      ['search', '0.005', '0', 0],
    ]);
  });

  it('weighs shared cost only by direct cost of the same scope and currency; no positive direct cost → even', () => {
    const out = allocateCostRows(
      [
        row({ billed: '90', tags: { product: 'checkout', team: null } }),
        row({ billed: '10', tags: { product: 'platform', team: null }, billingCurrency: 'EUR' }),
        row({
          billed: '6',
          tags: { product: 'platform', team: null },
          scope: 'focus:Microsoft:2:2026-10-01',
        }),
        row({ billed: '-5', tags: { product: 'search', team: null }, scope: 'focus:Microsoft:2:2026-10-01' }),
        row({ billed: '4', tags: { product: 'platform', team: null } }),
      ],
      rules,
    );
    const shared = out
      .filter((r) => r.allocation === 'shared')
      .map((r) => [
        r.row.scope.split(':')[1],
        r.row.billingCurrency,
        r.productLine,
        formatAmount(r.billedCost),
      ]);
    expect(shared).toEqual([
      ['AWS', 'EUR', 'checkout', '5'],
      ['AWS', 'EUR', 'search', '5'],
      ['Microsoft', 'USD', 'checkout', '3'],
      ['Microsoft', 'USD', 'search', '3'],
      ['AWS', 'USD', 'checkout', '4'],
    ]);
  });

  it('conserves each measure per scope and currency, whatever the rules', () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      row({
        billed: `${(i * 7919) % 1000}.${i}`,
        effective: `${(i * 104729) % 777}.${(i * 3) % 10}`,
        rowCount: (i % 5) + 1,
        tags: { product: ['checkout', 'search', 'platform', null][i % 4] ?? null, team: null },
        subAccountId: i % 7 === 0 ? '999' : null,
        billingCurrency: i % 3 === 0 ? 'EUR' : 'USD',
      }),
    );
    const out = allocateCostRows(rows, rules);
    for (const cur of ['EUR', 'USD']) {
      type Measured = { billedCost: bigint; effectiveCost: bigint; rowCount: number };
      const sum = <T extends Measured>(list: T[], currency: (r: T) => string, f: (r: Measured) => bigint) =>
        list.filter((r) => currency(r) === cur).reduce((s, r) => s + f(r), 0n);
      const parts = (f: (r: Measured) => bigint) => sum(out, (p) => p.row.billingCurrency, f);
      const input = (f: (r: Measured) => bigint) => sum(rows, (r) => r.billingCurrency, f);
      expect(parts((r) => r.billedCost)).toBe(input((r) => r.billedCost));
      expect(parts((r) => r.effectiveCost)).toBe(input((r) => r.effectiveCost));
      expect(parts((r) => BigInt(r.rowCount))).toBe(input((r) => BigInt(r.rowCount)));
    }
  });
});

describe('cost kinds and the cost metric', () => {
  it('counts AI and Machine Learning as AI cost and every other category as cloud cost', () => {
    expect(costKind('AI and Machine Learning')).toBe('ai');
    expect(costKind('Compute')).toBe('cloud');
    expect(costKind('ai and machine learning')).toBe('cloud');
  });

  it('reads one metric, never both', () => {
    const r = { billedCost: 2, effectiveCost: 0 };
    expect(costOf(r, 'BilledCost')).toBe(2);
    expect(costOf(r, 'EffectiveCost')).toBe(0);
  });
});
