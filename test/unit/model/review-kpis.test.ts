import { describe, expect, it } from 'vitest';
import { anomalyKpisOf } from '../../../src/model/review-kpis.ts';
import { median } from '../../../src/model/stats.ts';

describe('anomaly KPIs of a month', () => {
  const row = (firstDay: string, alerted: string, ack?: string, resolved?: string, status = 'open') => ({
    firstDay,
    status,
    detectedAt: new Date(alerted),
    alertedAt: null,
    acknowledgedAt: ack ? new Date(ack) : null,
    resolvedAt: resolved ? new Date(resolved) : null,
  });

  it('measures from the end of the charge day to the alert, and from the alert to the clicks', () => {
    const k = anomalyKpisOf(
      [
        // 1 Oct ends 2 Oct 00:00Z: alerted 05:30 = 5.5 h; acked 06:00 = 0.5 h; resolved 2 Oct 17:30 = 12 h.
        row('2026-10-01', '2026-10-02T05:30:00Z', '2026-10-02T06:00:00Z', '2026-10-02T17:30:00Z'),
        // 14 Oct ends 15 Oct: alerted 07:00 = 7 h; acked 10:30 = 3.5 h.
        row('2026-10-14', '2026-10-15T07:00:00Z', '2026-10-15T10:30:00Z'),
        // 20 Oct: alerted 21 Oct 08:00 = 8 h.
        row('2026-10-20', '2026-10-21T08:00:00Z'),
        row('2026-10-22', '2026-10-23T08:00:00Z', undefined, undefined, 'suppressed'),
        row('2026-11-01', '2026-11-02T08:00:00Z'),
      ],
      '2026-10',
    );
    expect(k).toEqual({
      count: 3,
      medianHoursToDetect: 7,
      medianHoursToAcknowledge: 2,
      medianHoursToResolve: 12,
    });
  });

  it('has no medians without anomalies, and never negative hours', () => {
    expect(anomalyKpisOf([], '2026-10')).toEqual({
      count: 0,
      medianHoursToDetect: null,
      medianHoursToAcknowledge: null,
      medianHoursToResolve: null,
    });
    // Detected before the charge day ended (a restated export): 0 h, not negative.
    expect(anomalyKpisOf([row('2026-10-05', '2026-10-05T20:00:00Z')], '2026-10').medianHoursToDetect).toBe(0);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});
