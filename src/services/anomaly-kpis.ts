import { type Anomaly, type AnomalyStatus, listAnomalies } from '../db/repos/anomalies.ts';
import { addDays, addMonths } from '../lib/dates.ts';
import {
  type AnomalyDurations,
  anomalyDurationsOf,
  type FalsePositiveRate,
  falsePositiveRatesOf,
} from '../model/anomaly-kpis.ts';
import { type AnomalyKpiFigures, anomalyKpisOf } from '../model/review-kpis.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * The closed loop in numbers, for the monthly review and `/finops kpis`: per anomaly the hours to
 * detect, acknowledge and resolve; per month their medians (the review's own definition, from
 * model/review-kpis.ts, so both surfaces agree); and the false-positive rate per product line.
 * A month's anomalies are those whose first anomalous charge day falls in it.
 */

type KpiDeps = Pick<ServiceDeps, 'db' | 'config'>;

export interface AnomalyMonthKpis extends AnomalyKpiFigures {
  month: string;
  alerted: number;
  acknowledged: number;
  resolved: number;
  /** Marked "Expected": false positives. */
  expected: number;
  /** expected / alerted × 100 over the month; null with no alert. */
  falsePositiveRatePct: number | null;
  falsePositivesByProductLine: FalsePositiveRate[];
}

function monthRange(month: string): { firstDayFrom: string; firstDayTo: string } {
  return { firstDayFrom: `${month}-01`, firstDayTo: addDays(`${addMonths(month, 1)}-01`, -1) };
}

const rowOf = (a: Anomaly) => ({ ...a, firstDay: a.firstDay });

/** Hours to detect / acknowledge / resolve of each cost anomaly that began in `month`. */
export async function anomalyResponseTimes(deps: KpiDeps, month: string): Promise<AnomalyDurations[]> {
  const rows = await listAnomalies(deps.db, { kind: 'cost', ...monthRange(month) });
  return rows
    .filter((a) => a.status !== 'suppressed')
    .map((a) => anomalyDurationsOf(rowOf(a)))
    .sort((x, y) => (x.chargeDay < y.chargeDay ? -1 : x.chargeDay > y.chargeDay ? 1 : x.id - y.id));
}

/** One month's anomaly KPIs: counts, median hours, false-positive rates. */
export async function anomalyMonthKpis(deps: KpiDeps, month: string): Promise<AnomalyMonthKpis> {
  const rows = await listAnomalies(deps.db, { kind: 'cost', ...monthRange(month) });
  const counted = rows.filter((a) => a.status !== 'suppressed');
  const alerted = counted.filter((a) => a.alertedAt !== null);
  const expected = alerted.filter((a) => a.status === 'expected').length;
  const is = (s: AnomalyStatus) => (a: Anomaly) => a.status === s;
  return {
    month,
    ...anomalyKpisOf(rows, month),
    alerted: alerted.length,
    acknowledged: counted.filter((a) => a.acknowledgedAt !== null).length,
    resolved: counted.filter(is('resolved')).length,
    expected,
    falsePositiveRatePct: alerted.length === 0 ? null : (expected / alerted.length) * 100,
    falsePositivesByProductLine: falsePositiveRatesOf(
      counted,
      deps.config.product_lines.map((p) => p.id),
    ),
  };
}

/** KPIs for each month from `from` to `to` (`YYYY-MM`, inclusive), oldest first. */
export async function anomalyKpisByMonth(
  deps: KpiDeps,
  from: string,
  to: string,
): Promise<AnomalyMonthKpis[]> {
  const out: AnomalyMonthKpis[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(await anomalyMonthKpis(deps, m));
  return out;
}

/** The false-positive rate per product line over every recorded cost anomaly (or one product line's). */
export async function falsePositiveRates(
  deps: KpiDeps,
  productLine?: string | null,
): Promise<FalsePositiveRate[]> {
  const rows = await listAnomalies(deps.db, {
    kind: 'cost',
    ...(productLine !== undefined ? { productLine } : {}),
  });
  const rates = falsePositiveRatesOf(
    rows,
    deps.config.product_lines.map((p) => p.id),
  );
  return productLine === undefined ? rates : rates.filter((r) => r.productLine === productLine);
}
