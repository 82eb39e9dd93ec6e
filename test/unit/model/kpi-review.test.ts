import { describe, expect, it } from 'vitest';
import { quarterlyPeriodKey } from '../../../src/jobs/quarterly-kpi-review.ts';
import {
  CAPABILITIES,
  capabilityStages,
  firstWorkingDay,
  KPI_IDS,
  KPI_THRESHOLDS,
  type KpiId,
  lowestStage,
  previousQuarter,
  quarterMonths,
  quarterOfMonth,
  stageOf,
  suggestedFocus,
} from '../../../src/model/kpi-review.ts';

const none = Object.fromEntries(KPI_IDS.map((id) => [id, null])) as Record<KpiId, number | null>;

describe('crawl / walk / run thresholds', () => {
  it('pins every threshold (docs/methodology.md lists the same)', () => {
    expect(KPI_THRESHOLDS).toEqual({
      allocation_coverage: { better: 'higher', walk: 90, run: 95, unit: '%' },
      unit_cost_coverage: { better: 'higher', walk: 50, run: 90, unit: '%' },
      commitment_coverage: { better: 'higher', walk: 70, run: 80, unit: '%' },
      commitment_utilisation: { better: 'higher', walk: 90, run: 95, unit: '%' },
      anomaly_hours_to_detect: { better: 'lower', walk: 48, run: 24, unit: 'h' },
      anomaly_hours_to_resolve: { better: 'lower', walk: 168, run: 72, unit: 'h' },
      forecast_error: { better: 'lower', walk: 15, run: 12, unit: '%' },
      action_completion: { better: 'higher', walk: 50, run: 80, unit: '%' },
      waste: { better: 'lower', walk: 5, run: 2, unit: '%' },
    });
  });

  it('a value on a threshold reaches that stage, in both directions', () => {
    const alloc = KPI_THRESHOLDS.allocation_coverage;
    expect([89.99, 90, 94.99, 95, 100].map((v) => stageOf(v, alloc))).toEqual([
      'crawl',
      'walk',
      'walk',
      'run',
      'run',
    ]);
    const detect = KPI_THRESHOLDS.anomaly_hours_to_detect;
    expect([0, 24, 24.01, 48, 48.01].map((v) => stageOf(v, detect))).toEqual([
      'run',
      'run',
      'walk',
      'walk',
      'crawl',
    ]);
    expect(stageOf(null, alloc)).toBeNull();
  });

  it('a capability is as mature as its weakest measured KPI', () => {
    expect(lowestStage(['run', 'walk', null])).toBe('walk');
    expect(lowestStage([null, null])).toBeNull();
    const stages = capabilityStages({ ...none, commitment_coverage: 85, commitment_utilisation: 91 });
    expect(stages.find((c) => c.id === 'commitments')).toEqual({
      id: 'commitments',
      name: 'Commitment discounts',
      stage: 'walk',
      kpis: [
        { id: 'commitment_coverage', value: 85, stage: 'run' },
        { id: 'commitment_utilisation', value: 91, stage: 'walk' },
      ],
    });
    expect(stages.filter((c) => c.stage === null).map((c) => c.id)).toEqual(
      CAPABILITIES.map((c) => c.id).filter((id) => id !== 'commitments'),
    );
  });
});

describe('the suggested focus', () => {
  it('is the weakest capability, named with its weakest KPI and the value of the next stage', () => {
    const stages = capabilityStages({
      ...none,
      allocation_coverage: 96,
      commitment_coverage: 85,
      commitment_utilisation: 91,
      anomaly_hours_to_detect: 60,
      anomaly_hours_to_resolve: 10,
    });
    expect(suggestedFocus(stages)).toEqual({
      capability: 'anomalies',
      name: 'Anomaly management',
      stage: 'crawl',
      kpi: 'anomaly_hours_to_detect',
      value: 60,
      nextStageAt: 48,
    });
  });

  it('ties go to the earlier capability (allocation before forecasting before commitments …)', () => {
    const stages = capabilityStages({ ...none, waste: 3, forecast_error: 14, allocation_coverage: 91 });
    expect(suggestedFocus(stages)).toMatchObject({ capability: 'allocation', nextStageAt: 95 });
    const later = capabilityStages({ ...none, waste: 9, forecast_error: 30 });
    expect(suggestedFocus(later)).toMatchObject({ capability: 'forecasting', value: 30, nextStageAt: 15 });
  });

  it('at run everywhere, the focus is the first capability with no next stage; nothing measured, none', () => {
    const all = capabilityStages({ ...none, allocation_coverage: 99, action_completion: 90 });
    expect(suggestedFocus(all)).toMatchObject({ capability: 'allocation', stage: 'run', nextStageAt: null });
    expect(suggestedFocus(capabilityStages(none))).toBeNull();
  });
});

describe('quarters', () => {
  it('months, the quarter before, the quarter of a month', () => {
    expect(quarterMonths('2026-Q4')).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(quarterMonths('2027-Q1')).toEqual(['2027-01', '2027-02', '2027-03']);
    expect(previousQuarter('2027-Q1')).toBe('2026-Q4');
    expect(previousQuarter('2026-Q3')).toBe('2026-Q2');
    expect(['2026-01', '2026-03', '2026-04', '2026-09', '2026-12'].map(quarterOfMonth)).toEqual([
      '2026-Q1',
      '2026-Q1',
      '2026-Q2',
      '2026-Q3',
      '2026-Q4',
    ]);
    expect(() => quarterMonths('2026-Q5')).toThrow('not a quarter: "2026-Q5" (expected YYYY-Qn)');
  });

  it('the first working day skips a weekend start (no holiday calendar)', () => {
    expect(firstWorkingDay('2026-Q4')).toBe('2026-10-01'); // Thursday
    expect(firstWorkingDay('2023-Q3')).toBe('2023-07-03'); // 1 July 2023 is a Saturday
    expect(firstWorkingDay('2023-Q4')).toBe('2023-10-02'); // 1 October 2023 is a Sunday
    expect(firstWorkingDay('2028-Q1')).toBe('2028-01-03'); // 1 January 2028 is a Saturday
  });

  it('the job’s period: the reviewed quarter from the first working day on, a key of its own before', () => {
    const tz = 'Europe/Berlin';
    expect(quarterlyPeriodKey(new Date('2023-07-01T07:00:00Z'), tz)).toBe(
      '2023-Q2:before-2023-07-03:2023-07-01',
    );
    expect(quarterlyPeriodKey(new Date('2023-07-02T07:00:00Z'), tz)).toBe(
      '2023-Q2:before-2023-07-03:2023-07-02',
    );
    expect(quarterlyPeriodKey(new Date('2023-07-03T07:00:00Z'), tz)).toBe('2023-Q2');
    expect(quarterlyPeriodKey(new Date('2023-07-07T07:00:00Z'), tz)).toBe('2023-Q2');
    // 23:30 UTC on 31 December is 00:30 on 1 January (a Friday) in Berlin: Q4 is reviewed.
    expect(quarterlyPeriodKey(new Date('2026-12-31T23:30:00Z'), tz)).toBe('2026-Q4');
    expect(quarterlyPeriodKey(new Date('2026-12-31T23:30:00Z'), 'UTC')).toBe('2026-Q3');
  });
});
