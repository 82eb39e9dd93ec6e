import { describe, expect, it } from 'vitest';
import {
  focusSentence,
  type KpiReviewView,
  kpiValue,
  quarterLabel,
  renderCapabilityReply,
  renderKpiReviewParent,
} from '../../../src/blocks/kpi-review.ts';
import { validateMessage } from '../../../src/blocks/limits.ts';
import {
  capabilityStages,
  KPI_IDS,
  KPI_THRESHOLDS,
  type Kpi,
  type KpiId,
  suggestedFocus,
} from '../../../src/model/kpi-review.ts';

const MONTHS = ['2026-10', '2026-11', '2026-12'];

function kpi(
  id: Kpi['id'],
  name: string,
  values: Array<number | null>,
  quarter: number | null,
  extra: Partial<Kpi> = {},
): Kpi {
  const thresholds = id in KPI_THRESHOLDS ? KPI_THRESHOLDS[id as KpiId] : null;
  return {
    id,
    name,
    unit: thresholds?.unit ?? '%',
    definition: `${name}, defined.`,
    months: MONTHS.map((month, i) => ({ month, status: 'closed', value: values[i] ?? null, inputs: {} })),
    quarter: { value: quarter, inputs: {} },
    thresholds,
    stage: null,
    ...extra,
  };
}

function view(productLines = 2, providerName = 'AWS'): KpiReviewView {
  const names = Object.fromEntries(
    Array.from({ length: productLines }, (_, i) => [
      `pl-${i}`,
      i === 0 ? 'Check <!channel> & out' : `Line ${i} ${'x'.repeat(30)}`,
    ]),
  );
  const byProductLine = Object.keys(names).map((id, i) => ({
    productLine: id,
    allInCost: 100,
    units: 10,
    unitCost: 10 + i,
  }));
  const kpis: Kpi[] = [
    kpi('allocation_coverage', 'Allocation coverage', [88, 91, 93.04], 91.2),
    kpi('unit_cost', 'Unit cost', [null, null, null], null, {
      unit: 'currency',
      months: MONTHS.map((month) => ({ month, status: 'closed', value: null, inputs: { byProductLine } })),
    }),
    kpi('unit_cost_coverage', 'Unit cost coverage', [100, 100, 100], 100),
    kpi('commitment_coverage', 'Commitment coverage', [50, 60, null], 55, {
      months: MONTHS.map((month, i) => ({
        month,
        status: i === 2 ? 'in-progress' : 'closed',
        value: [50, 60, null][i] ?? null,
        inputs: {
          byProvider:
            i === 2
              ? []
              : [{ provider: providerName, currency: 'USD', coveragePct: [50, 60][i], utilisationPct: 99 }],
        },
      })),
    }),
    kpi('commitment_utilisation', 'Commitment utilisation', [99, 99, null], 99),
    kpi('waste', 'Waste (unused commitments)', [1, 1, null], 1, {
      months: MONTHS.map((month) => ({ month, status: 'closed', value: 1, inputs: { unusedCost: 12.5 } })),
    }),
    kpi('anomaly_hours_to_detect', 'Anomaly median time to detect', [null, null, null], null),
    kpi('anomaly_hours_to_acknowledge', 'Anomaly median time to acknowledge', [null, null, null], null),
    kpi('anomaly_hours_to_resolve', 'Anomaly median time to resolve', [null, null, null], null),
    kpi('forecast_error', 'Forecast error', [null, null, null], null),
    kpi('action_completion', 'Action completion rate', [null, 100, null], 100),
  ];
  const values = Object.fromEntries(
    KPI_IDS.map((id) => [id, kpis.find((k) => k.id === id)?.quarter.value ?? null]),
  );
  const capabilities = capabilityStages(values as Record<KpiId, number | null>);
  return {
    quarter: '2026-Q4',
    months: MONTHS,
    currency: 'USD',
    costMetric: 'EffectiveCost',
    asOf: '2027-01-01T08:00:00.000Z',
    kpis,
    capabilities,
    focus: suggestedFocus(capabilities),
    productLineNames: names,
  };
}

describe('the quarterly KPI review renderers', () => {
  it('labels and values', () => {
    expect(quarterLabel('2026-Q4')).toBe('Q4 2026');
    expect([
      kpiValue(93.04, '%'),
      kpiValue(13.5, 'h'),
      kpiValue(null, '%'),
      kpiValue(1234.5, 'currency', 'EUR'),
    ]).toEqual(['93.0%', '13.5 h', '—', '€1,235']);
  });

  it('the parent: every capability with its stage or "not measured", the focus with its target', () => {
    const v = view();
    const msg = renderKpiReviewParent(v);
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.text).toBe('FinOps KPI review — Q4 2026: suggested focus Commitment discounts.');
    expect(msg.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*Where each capability stands* (Oct–Dec, crawl / walk / run):',
          '• *Cost allocation*: *walk* — allocation coverage 91.2% (run at ≥ 95.0%)',
          '• *Forecasting*: not measured this quarter (no data for its KPIs)',
          '• *Commitment discounts*: *crawl* — commitment coverage 55.0% (walk at ≥ 70.0%), commitment utilisation 99.0%',
          '• *Waste*: *run* — waste (unused commitments) 1.0%',
          '• *Anomaly management*: not measured this quarter (no data for its KPIs)',
          '• *Unit economics*: *run* — unit cost coverage 100.0%',
          '• *Accountability (action log)*: *run* — action completion rate 100.0%',
        ].join('\n'),
      },
    });
    expect(focusSentence(v, v.focus)).toBe(
      'Commitment discounts (at crawl): commitment coverage is 55.0%; walk at ≥ 70.0%.',
    );
  });

  it('replies: trends month by month, an open month marked, names escaped', () => {
    const v = view(2, 'AWS <@U123>');
    const commitments = v.capabilities.find((c) => c.id === 'commitments');
    const msg = renderCapabilityReply(v, commitments as (typeof v.capabilities)[number]);
    expect(validateMessage(msg)).toEqual([]);
    expect(msg).toEqual({
      text: 'Commitment discounts: crawl.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: [
              '*Commitment discounts* — crawl',
              '*Commitment coverage:* Oct 50.0% → Nov 60.0% → Dec — (so far) · quarter 55.0%',
              '• AWS &lt;@U123&gt; (USD): coverage Oct 50.0% → Nov 60.0% → Dec —; utilisation Oct 99.0% → Nov 99.0% → Dec —',
              '*Commitment utilisation:* Oct 99.0% → Nov 99.0% → Dec — · quarter 99.0%',
            ].join('\n'),
          },
        },
      ],
    });
    const unit = v.capabilities.find((c) => c.id === 'unit-economics');
    expect(renderCapabilityReply(v, unit as (typeof v.capabilities)[number]).blocks[0]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*Unit economics* — run',
          '*Unit cost coverage:* Oct 100.0% → Nov 100.0% → Dec 100.0% · quarter 100.0%',
          '• Check &lt;!channel&gt; &amp; out: unit cost Oct $10 → Nov $10 → Dec $10',
          `• Line 1 ${'x'.repeat(30)}: unit cost Oct $11 → Nov $11 → Dec $11`,
        ].join('\n'),
      },
    });
  });

  it('stays within Block Kit limits with hundreds of product lines', () => {
    const v = view(300);
    const unit = v.capabilities.find((c) => c.id === 'unit-economics') as (typeof v.capabilities)[number];
    const msg = renderCapabilityReply(v, unit);
    expect(validateMessage(msg)).toEqual([]);
    expect((msg.blocks[0] as unknown as { text: { text: string } }).text.text).toMatch(
      /…and \d+ more product lines$/,
    );
    for (const c of v.capabilities) expect(validateMessage(renderCapabilityReply(v, c))).toEqual([]);
  });
});
