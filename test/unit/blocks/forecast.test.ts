/** The mid-month forecast alert (whole payload) and the forecast accuracy lines of the review. */
import { describe, expect, it } from 'vitest';
import { type ForecastAlertView, renderForecastAlert } from '../../../src/blocks/forecast.ts';
import { validateMessage } from '../../../src/blocks/limits.ts';
import {
  changeText,
  forecastVarianceText,
  renderReviewParent,
  type ReviewView,
} from '../../../src/blocks/review.ts';
import { addDays } from '../../../src/lib/dates.ts';
import { forecastAccuracyOf, forecastChange, forecastMonth } from '../../../src/model/forecast.ts';

function alertView(over: Partial<ForecastAlertView> = {}): ForecastAlertView {
  // The hand-worked series of test/unit/model/forecast.test.ts: 3,830 forecast, 2,400 last month.
  const daily = new Map<string, number>();
  for (let i = 0; i < 14; i++) daily.set(addDays('2026-11-17', i), 80);
  for (let i = 0; i < 14; i++) daily.set(addDays('2026-12-01', i), 100);
  daily.set('2026-12-05', 1000);
  const figures = forecastMonth('2026-12', '2026-12-14', daily);
  return {
    month: '2026-12',
    productLine: { id: 'checkout', name: 'Checkout <b>' },
    currency: 'USD',
    costMetric: 'EffectiveCost',
    figures,
    lastMonth: 2400,
    change: forecastChange(figures.forecast, 2400, 15),
    alertPct: 15,
    drivers: [{ service: 'Amazon EC2 & co', forecast: 3000, lastMonth: 1800, change: 1200 }],
    routingNote: null,
    ...over,
  };
}

const md = (text: string) => ({ type: 'mrkdwn', text });

describe('renderForecastAlert', () => {
  it('shows forecast, last month, change, the inputs of the rule and what drives it (whole payload)', () => {
    const msg = renderForecastAlert(alertView());
    expect(msg).toEqual({
      text: 'Cost forecast: Checkout &lt;b&gt; is heading for $3,830 in December 2026, +$1,430 (+59.6%) on November 2026 ($2,400).',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Cost forecast — Checkout <b>, December 2026', emoji: true },
        },
        {
          type: 'section',
          text: md(
            '*Checkout &lt;b&gt;* is heading for *$3,830* of cloud + AI cost in December 2026, +$1,430 (+59.6%) on November 2026 ($2,400) — more than the 15.0% alert threshold.',
          ),
        },
        {
          type: 'section',
          fields: [
            md('*Forecast*\n$3,830'),
            md('*November 2026*\n$2,400'),
            md('*Change*\n+$1,430 (+59.6%)'),
            md('*Month to date*\n$2,300 (14 days, through 2026-12-14)'),
            md('*Median daily cost*\n$90 (2026-11-17 to 2026-12-14)'),
            md('*Days left*\n17'),
          ],
        },
        {
          type: 'section',
          text: md(
            '*What drives it* (services with the largest increase):\n• Amazon EC2 &amp; co: forecast $3,000 vs $1,800 (+$1,200)',
          ),
        },
        {
          type: 'context',
          elements: [
            md(
              'Forecast = month to date + median daily cost of the 28 days to 2026-12-14 × 17 days left · EffectiveCost, USD · the next review shows how the month landed against it',
            ),
          ],
        },
      ],
    });
    expect(validateMessage(msg)).toEqual([]);
  });

  it('notes where it was routed and when no single service drives it, within limits', () => {
    const msg = renderForecastAlert(
      alertView({
        drivers: [],
        routingNote:
          'Team "search" (owner of <!channel>) has no channel in finops.yml, so this alert is posted here.',
        productLine: { id: 'x', name: 'x'.repeat(400) },
      }),
    );
    expect(validateMessage(msg)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain(
      '*What drives it:* no single service grows; the increase is spread across services.',
    );
    expect(text).toContain('Team \\"search\\" (owner of &lt;!channel&gt;) has no channel in finops.yml');
  });
});

describe('forecast accuracy in the review', () => {
  it('words the variance in money and percent of the forecast, with real minus signs', () => {
    expect(forecastVarianceText(forecastAccuracyOf(3830, 4000), '2026-12-15', 'USD')).toBe(
      'forecast $3,830 (made 2026-12-15) · actual $4,000 · variance +$170 (+4.4%)',
    );
    expect(forecastVarianceText(forecastAccuracyOf(1000, 900), '2026-12-15', 'EUR')).toBe(
      'forecast €1,000 (made 2026-12-15) · actual €900 · variance −€100 (−10.0%)',
    );
    expect(changeText(50, null, 'USD')).toBe('+$50');
  });

  it('adds the organisation line to the parent only when a forecast was stored', () => {
    const base: ReviewView = {
      month: '2026-12',
      priorMonth: '2026-11',
      currency: 'USD',
      hasData: true,
      org: {
        allInCost: 7100,
        labour: 0,
        cloud: 7100,
        ai: 0,
        ci: 0,
        revenue: null,
        grossMarginPct: null,
        stageShare: { authoring: 0, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 },
        hours: 0,
        people: 0,
        drift: {
          grossMarginPp: null,
          byDriverPp: {},
          stageSharePp: {},
          seniorReviewSharePp: null,
          flags: [],
        },
      },
      productLines: [],
      coverage: { costAllocatedPct: 100, hoursAllocatedPct: 0, peopleMappedPct: 0 },
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
    const line =
      '*Forecast accuracy (cloud + AI):* forecast $6,930 (made 2026-12-15) · actual $7,100 · variance +$170 (+2.5%)';
    const without = JSON.stringify(renderReviewParent(base).blocks);
    expect(without).not.toContain('Forecast accuracy');
    const withIt = renderReviewParent({
      ...base,
      forecastAccuracy: {
        madeOn: '2026-12-15',
        org: forecastAccuracyOf(6930, 7100),
        productLines: [{ id: 'checkout', ...forecastAccuracyOf(3830, 4000) }],
      },
    });
    expect(withIt.blocks).toContainEqual({ type: 'section', text: md(line) });
    expect(withIt.blocks).toHaveLength(renderReviewParent(base).blocks.length + 1);
    expect(validateMessage(withIt)).toEqual([]);
  });
});
