/**
 * Per-anomaly response times and the false-positive rate, with the same definitions as the
 * review's monthly medians (model/review-kpis.ts): time to detect runs from the end of the first
 * anomalous charge day (UTC, as FOCUS charge days are) to the alert, or to detection when no alert
 * went out; time to acknowledge and to resolve run from that same moment to the person's click.
 * Pure: rows in, numbers out.
 */
const HOUR_MS = 3_600_000;

export interface AnomalyTimeRow {
  id: number;
  productLine: string | null;
  service: string;
  firstDay: string;
  status: string;
  detectedAt: Date;
  alertedAt: Date | null;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export interface AnomalyDurations {
  id: number;
  productLine: string | null;
  service: string;
  /** The first anomalous charge day. */
  chargeDay: string;
  hoursToDetect: number;
  hoursToAcknowledge: number | null;
  hoursToResolve: number | null;
}

/** Hours from `from` to `to`, never negative. */
function hoursBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / HOUR_MS);
}

export function anomalyDurationsOf(r: AnomalyTimeRow): AnomalyDurations {
  const alerted = r.alertedAt ?? r.detectedAt;
  const dayEnd = new Date(Date.parse(`${r.firstDay}T00:00:00Z`) + 24 * HOUR_MS);
  return {
    id: r.id,
    productLine: r.productLine,
    service: r.service,
    chargeDay: r.firstDay,
    hoursToDetect: hoursBetween(dayEnd, alerted),
    hoursToAcknowledge: r.acknowledgedAt ? hoursBetween(alerted, r.acknowledgedAt) : null,
    hoursToResolve: r.resolvedAt ? hoursBetween(alerted, r.resolvedAt) : null,
  };
}

export interface FalsePositiveRate {
  /** null = unallocated. */
  productLine: string | null;
  /** Anomalies whose alert went out. */
  alerted: number;
  /** Of those, marked "Expected" (false positives). */
  expected: number;
  /** expected / alerted × 100; null with no alert. */
  ratePct: number | null;
}

/**
 * The false-positive rate per product line: anomalies marked Expected over anomalies alerted.
 * Every product line in `productLines` appears (in that order), then unallocated, then any other
 * product line the rows name.
 */
export function falsePositiveRatesOf(
  rows: ReadonlyArray<Pick<AnomalyTimeRow, 'productLine' | 'status' | 'alertedAt'>>,
  productLines: readonly string[],
): FalsePositiveRate[] {
  const order: Array<string | null> = [...productLines, null];
  for (const r of rows) if (!order.includes(r.productLine)) order.push(r.productLine);
  return order.map((productLine) => {
    const mine = rows.filter((r) => r.productLine === productLine && r.alertedAt !== null);
    const expected = mine.filter((r) => r.status === 'expected').length;
    return {
      productLine,
      alerted: mine.length,
      expected,
      ratePct: mine.length === 0 ? null : (expected / mine.length) * 100,
    };
  });
}
