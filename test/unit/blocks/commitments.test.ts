import { describe, expect, it } from 'vitest';
import { COMMITMENTS_NOTE, commitmentsText } from '../../../src/blocks/commitments.ts';
import { renderKpisAnswer } from '../../../src/blocks/figures.ts';
import { validateMessage } from '../../../src/blocks/limits.ts';
import { type ReviewView, renderReviewParent } from '../../../src/blocks/review.ts';
import type { CommitmentFigures } from '../../../src/model/commitments.ts';

const noDrift = {
  grossMarginPp: null,
  byDriverPp: {},
  stageSharePp: {},
  seniorReviewSharePp: null,
  flags: [],
};
const zeroStages = { authoring: 0, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 };

const figures = (provider: string, extra: Partial<CommitmentFigures> = {}): CommitmentFigures => ({
  provider,
  currency: 'USD',
  coveredCost: 3,
  onDemandEligibleCost: 2,
  coveragePct: 60,
  unusedCost: 1,
  utilisationPct: 75,
  usageCost: 6.7,
  wastePct: 14.925,
  eligibleServices: ['Virtual Machines'],
  ...extra,
});

const AWS_AND_HOSTILE = [
  figures('AWS', { coveragePct: 72.46, utilisationPct: 95.04, unusedCost: 1234.5 }),
  figures('<!channel> & Co', { coveragePct: 0, utilisationPct: null, unusedCost: 0, currency: 'EUR' }),
];

describe('commitment lines', () => {
  it('one line per provider, names escaped, percentages to 1 decimal, unused cost as waste', () => {
    expect(commitmentsText('Commitments', AWS_AND_HOSTILE)).toBe(
      [
        '*Commitments*',
        '• AWS: coverage 72.5% · utilisation 95.0% · unused (waste) $1,235',
        '• &lt;!channel&gt; &amp; Co: coverage 0.0% · utilisation — · unused (waste) €0',
      ].join('\n'),
    );
    expect(commitmentsText('Commitments', [])).toBe(
      '*Commitments:* no commitment-covered or commitment-eligible usage in the FOCUS data.',
    );
  });

  it('stays within a section when there are hundreds of providers', () => {
    const many = Array.from({ length: 400 }, (_, i) => figures(`Provider ${i} ${'x'.repeat(40)}`));
    const text = commitmentsText('Commitments', many);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/…and \d+ more providers$/);
  });

  it('the review parent shows them after allocation coverage, and not at all without the field', () => {
    const base: ReviewView = {
      month: '2026-10',
      priorMonth: '2026-09',
      currency: 'USD',
      hasData: true,
      org: {
        allInCost: 100,
        labour: 0,
        cloud: 100,
        ai: 0,
        ci: 0,
        revenue: null,
        grossMarginPct: null,
        stageShare: zeroStages,
        hours: 0,
        drift: noDrift,
      },
      productLines: [],
      coverage: { costAllocatedPct: 90, hoursAllocatedPct: 0, peopleMappedPct: 0 },
      showMargin: false,
      actions: [],
      anomalyKpis: {
        count: 0,
        medianHoursToDetect: null,
        medianHoursToAcknowledge: null,
        medianHoursToResolve: null,
      },
      modelVersion: '1',
      configHash: 'abc',
    };
    const without = renderReviewParent(base);
    const withIt = renderReviewParent({ ...base, commitments: AWS_AND_HOSTILE });
    expect(validateMessage(withIt)).toEqual([]);
    expect(withIt.blocks).toHaveLength(without.blocks.length + 1);
    const texts = withIt.blocks.map((b) => JSON.stringify(b));
    const at = texts.findIndex((t) => t.includes('*Allocation coverage:*'));
    expect(withIt.blocks[at + 1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: commitmentsText('Commitments', AWS_AND_HOSTILE) },
    });
    expect(withIt.text).toBe(without.text);
  });

  it('/finops kpis shows them with what they mean', () => {
    const msg = renderKpisAnswer({
      month: '2026-10',
      hasData: true,
      coverage: { costAllocatedPct: 90, hoursAllocatedPct: 80, peopleMappedPct: 100 },
      anomalies: {
        count: 0,
        medianHoursToDetect: null,
        medianHoursToAcknowledge: null,
        medianHoursToResolve: null,
      },
      actions: { items: 0, done: 0, completionRatePct: null, medianDaysToClose: null, overdue: 0, teams: [] },
      commitments: AWS_AND_HOSTILE,
    });
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.blocks.slice(-2)).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: commitmentsText('Commitments', AWS_AND_HOSTILE) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Detect: end of the charge day to the alert. Acknowledge and resolve: from the alert.',
          },
          { type: 'mrkdwn', text: COMMITMENTS_NOTE },
        ],
      },
    ]);
  });
});
