import { describe, expect, it } from 'vitest';
import {
  type CommitmentCostGroup,
  combinedCommitmentFigures,
  commitmentFiguresOf,
} from '../../../src/model/commitments.ts';

const ELIGIBLE = ['Compute', 'Databases'];

const g = (
  provider: string,
  serviceName: string,
  kind: CommitmentCostGroup['kind'],
  cost: number,
  serviceCategory = 'Compute',
  currency = 'USD',
): CommitmentCostGroup => ({ provider, currency, serviceCategory, serviceName, kind, cost: String(cost) });

describe('commitment coverage, utilisation and waste', () => {
  it('works one provider out by hand', () => {
    const [aws, ...rest] = commitmentFiguresOf(
      [
        g('AWS', 'Amazon EC2', 'used', 700),
        g('AWS', 'Amazon EC2', 'on-demand', 200),
        g('AWS', 'Amazon EC2', 'unused', 50),
        g('AWS', 'Amazon EC2', 'other', 30), // spot: not coverable, in the usage base only
        g('AWS', 'Amazon RDS', 'on-demand', 100, 'Databases'),
        g('AWS', 'Amazon S3', 'on-demand', 120, 'Storage'), // not eligible
      ],
      ELIGIBLE,
    );
    expect(rest).toEqual([]);
    // coverage 700 / (700 + 200 + 100) = 70 %; utilisation 700 / (700 + 50) = 93.33 %;
    // usage 700 + 200 + 50 + 30 + 100 + 120 = 1200; waste 50 / 1200 = 4.1666 %.
    expect(aws).toEqual({
      provider: 'AWS',
      currency: 'USD',
      coveredCost: 700,
      onDemandEligibleCost: 300,
      coveragePct: 70,
      unusedCost: 50,
      utilisationPct: (700 / 750) * 100,
      usageCost: 1200,
      wastePct: (50 / 1200) * 100,
      eligibleServices: ['Amazon EC2', 'Amazon RDS'],
    });
  });

  it('a service a commitment covered is eligible whatever its category; another provider’s is not', () => {
    const figures = commitmentFiguresOf(
      [
        g('AWS', 'Amazon SageMaker', 'used', 80, 'AI and Machine Learning'),
        g('AWS', 'Amazon SageMaker', 'on-demand', 20, 'AI and Machine Learning'),
        g('Microsoft', 'Amazon SageMaker', 'on-demand', 999, 'AI and Machine Learning'),
      ],
      ELIGIBLE,
    );
    expect(figures.map((f) => [f.provider, f.coveragePct, f.onDemandEligibleCost])).toEqual([
      ['AWS', 80, 20],
    ]);
  });

  it('keeps currencies and providers apart, leaves out providers with nothing commitment-related', () => {
    const figures = commitmentFiguresOf(
      [
        g('Microsoft', 'Virtual Machines', 'on-demand', 40, 'Compute', 'EUR'),
        g('AWS', 'Amazon EC2', 'used', 10),
        g('OpenAI', 'gpt-5', 'on-demand', 500, 'AI and Machine Learning'),
        g('AWS', 'Amazon EC2', 'used', 5, 'Compute', 'EUR'),
      ],
      ELIGIBLE,
    );
    expect(figures.map((f) => [f.provider, f.currency, f.coveragePct, f.utilisationPct, f.wastePct])).toEqual(
      [
        ['AWS', 'EUR', 100, 100, 0],
        ['AWS', 'USD', 100, 100, 0],
        ['Microsoft', 'EUR', 0, null, 0],
      ],
    );
  });

  it('the organisation sums providers of one currency before dividing', () => {
    const groups = [
      g('AWS', 'Amazon EC2', 'used', 90),
      g('AWS', 'Amazon EC2', 'on-demand', 10),
      g('Google Cloud', 'Compute Engine', 'on-demand', 100),
      g('Google Cloud', 'Compute Engine', 'unused', 10),
      g('Google Cloud', 'Compute Engine', 'used', 0.0),
      g('Microsoft', 'Virtual Machines', 'used', 1000, 'Compute', 'EUR'),
    ];
    // 90 / (90 + 10 + 100) = 45 %, not the mean of 90 % and 0 %.
    const org = combinedCommitmentFigures(groups, ELIGIBLE, 'USD');
    expect(org).toMatchObject({
      provider: 'all providers',
      coveredCost: 90,
      onDemandEligibleCost: 110,
      coveragePct: 45,
      unusedCost: 10,
      utilisationPct: 90,
      usageCost: 210,
    });
    expect(combinedCommitmentFigures(groups, ELIGIBLE, 'GBP')).toBeNull();
  });

  it('percentages are null, not 0 or NaN, on an empty denominator', () => {
    const [f] = commitmentFiguresOf([g('AWS', 'Amazon EC2', 'unused', 12)], ELIGIBLE);
    expect(f).toMatchObject({ coveragePct: null, utilisationPct: 0, wastePct: 100, unusedCost: 12 });
  });
});
