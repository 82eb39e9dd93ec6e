import { describe, expect, it } from 'vitest';
import { bar, renderChanges } from '../../src/cli/report-text.ts';

describe('report text', () => {
  it.each([
    [0, ''],
    [100, '████████████████████'],
    [26, '█████▎'],
    [2.5, '▌'],
    [150, '████████████████████'],
    [-3, ''],
  ])('a %s %% share is the bar %j', (pct, expected) => {
    expect(bar(pct)).toBe(expected);
  });

  it('lists what a rebuild changed, from → to', () => {
    expect(
      renderChanges('2026-10', true, [
        { path: 'checkout.laborCost.review', before: 170, after: 340 },
        { path: 'newline.hours.qa', before: null, after: 1.5 },
      ]),
    ).toBe(
      'Rebuilt 2026-10 (frozen: it stays frozen with the new numbers): 2 reported number(s) changed; recorded in the audit log.\n' +
        '  checkout.laborCost.review: 170 → 340\n' +
        '  newline.hours.qa: — → 1.5\n',
    );
  });
});
