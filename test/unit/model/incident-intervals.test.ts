import { describe, expect, it } from 'vitest';
import { computeResponderIntervals, splitAtMonthBoundaries } from '../../../src/model/incident-intervals.ts';
import { entry, incident, t } from './builders.ts';

const SVC = { agentType: 'service_reference' };
const asOf = t('2026-12-01T00:00:00Z');

/** Intervals as [user, start, end] ISO triples, for hand-worked comparisons. */
function intervals(...args: Parameters<typeof computeResponderIntervals>) {
  return computeResponderIntervals(...args).map((i) => [
    i.incidentId,
    i.userId,
    i.start.toISOString(),
    i.end.toISOString(),
  ]);
}

describe('responder intervals (SPEC §4 Incidents)', () => {
  it('reassignment mid-incident: the first responder stops when reassigned away, the new assignee starts then', () => {
    const inc = incident('I1', '2026-10-05T10:00:00Z', { resolvedAt: '2026-10-05T12:00:00Z' });
    // PagerDuty logs a reassignment as an assign entry whose assignees replace the holders.
    const log = [
      entry('I1', 'trigger', '2026-10-05T10:00:00Z', 'PCHK', SVC),
      entry('I1', 'assign', '2026-10-05T10:00:00Z', 'PCHK', { ...SVC, assignees: ['U1'] }),
      entry('I1', 'acknowledge', '2026-10-05T10:05:00Z', 'U1'),
      entry('I1', 'assign', '2026-10-05T11:00:00Z', 'U1', { assignees: ['U2'], unassigned: ['U1'] }),
      entry('I1', 'acknowledge', '2026-10-05T11:10:00Z', 'U2'),
      entry('I1', 'resolve', '2026-10-05T12:00:00Z', 'U2'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      // U1 from the assign entry (their first), to the reassignment: 1 h.
      ['I1', 'U1', '2026-10-05T10:00:00.000Z', '2026-10-05T11:00:00.000Z'],
      // U2 from the assign entry that made them the assignee, to the resolve: 1 h.
      ['I1', 'U2', '2026-10-05T11:00:00.000Z', '2026-10-05T12:00:00.000Z'],
    ]);
  });

  it('delegation to another escalation policy ends the holder; the new on-call responds from their ack', () => {
    const inc = incident('I10', '2026-10-05T10:00:00Z', { resolvedAt: '2026-10-05T12:00:00Z' });
    const log = [
      entry('I10', 'acknowledge', '2026-10-05T10:00:00Z', 'U1'),
      // A delegate (or escalate) entry is not an assign entry: its assignees respond once they act.
      entry('I10', 'delegate', '2026-10-05T10:30:00Z', 'U1', { assignees: ['U3'], unassigned: ['U1'] }),
      entry('I10', 'acknowledge', '2026-10-05T10:50:00Z', 'U3'),
      entry('I10', 'resolve', '2026-10-05T12:00:00Z', 'U3'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      ['I10', 'U1', '2026-10-05T10:00:00.000Z', '2026-10-05T10:30:00.000Z'],
      ['I10', 'U3', '2026-10-05T10:50:00.000Z', '2026-10-05T12:00:00.000Z'],
    ]);
  });

  it('a responder who only annotated runs from the note to the resolve', () => {
    const inc = incident('I2', '2026-10-05T10:00:00Z', { resolvedAt: '2026-10-05T12:00:00Z' });
    const log = [
      entry('I2', 'acknowledge', '2026-10-05T10:05:00Z', 'U1'),
      entry('I2', 'annotate', '2026-10-05T11:30:00Z', 'U3'),
      entry('I2', 'annotate', '2026-10-05T11:45:00Z', 'U3'),
      entry('I2', 'resolve', '2026-10-05T12:00:00Z', 'U1'),
      // A note written after the resolve is not incident response.
      entry('I2', 'annotate', '2026-10-05T13:00:00Z', 'U4'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      ['I2', 'U1', '2026-10-05T10:05:00.000Z', '2026-10-05T12:00:00.000Z'],
      ['I2', 'U3', '2026-10-05T11:30:00.000Z', '2026-10-05T12:00:00.000Z'],
    ]);
  });

  it('an incident still open at month end runs to asOf, capped at incident_cap_hours, split at the month boundary', () => {
    const inc = incident('I3', '2026-10-31T20:00:00Z');
    const log = [entry('I3', 'acknowledge', '2026-10-31T20:00:00Z', 'U1')];
    // Built on 31 Oct 23:30 Berlin (22:30Z): the interval so far is 2.5 h, all October.
    const early = computeResponderIntervals([inc], log, { capHours: 8, asOf: t('2026-10-31T22:30:00Z') });
    expect(early.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([
      ['2026-10-31T20:00:00.000Z', '2026-10-31T22:30:00.000Z'],
    ]);
    // Built later: capped at 8 h (20:00Z → 04:00Z); Berlin's November starts at 23:00Z (CET, +01:00).
    const [late] = computeResponderIntervals([inc], log, { capHours: 8, asOf });
    expect(late!.end.toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(
      splitAtMonthBoundaries(late!.start, late!.end, 'Europe/Berlin').map((p) => [p.month, p.minutes]),
    ).toEqual([
      ['2026-10', 180],
      ['2026-11', 300],
    ]);
  });

  it('an incident spanning midnight at month end in Europe/Berlin splits at local midnight, not UTC', () => {
    // 23:30 Berlin on 31 Oct to 01:15 Berlin on 1 Nov.
    const inc = incident('I4', '2026-10-31T22:25:00Z', { resolvedAt: '2026-11-01T00:15:00Z' });
    const log = [
      entry('I4', 'acknowledge', '2026-10-31T22:30:00Z', 'U1'),
      entry('I4', 'resolve', '2026-11-01T00:15:00Z', 'U1'),
    ];
    const [iv] = computeResponderIntervals([inc], log, { capHours: 8, asOf });
    expect(
      splitAtMonthBoundaries(iv!.start, iv!.end, 'Europe/Berlin').map((p) => [p.month, p.minutes]),
    ).toEqual([
      ['2026-10', 30],
      ['2026-11', 75],
    ]);
    // In UTC the same interval would be all October: the time zone matters.
    expect(splitAtMonthBoundaries(iv!.start, iv!.end, 'UTC').map((p) => [p.month, p.minutes])).toEqual([
      ['2026-10', 90],
      ['2026-11', 15],
    ]);
  });

  it('at the spring DST month end (CEST, +02:00) the boundary is 22:00Z', () => {
    const parts = splitAtMonthBoundaries(
      t('2026-03-31T21:00:00Z'),
      t('2026-03-31T23:00:00Z'),
      'Europe/Berlin',
    );
    expect(parts.map((p) => [p.month, p.minutes])).toEqual([
      ['2026-03', 60],
      ['2026-04', 60],
    ]);
  });

  it('an incident without any human acknowledgement: the assignee of the assign entry still responds; no assign, no responder', () => {
    const auto = incident('I5', '2026-10-06T02:00:00Z', { resolvedAt: '2026-10-06T02:20:00Z' });
    const silent = incident('I6', '2026-10-06T03:00:00Z', { resolvedAt: '2026-10-06T03:10:00Z' });
    const log = [
      entry('I5', 'trigger', '2026-10-06T02:00:00Z', 'PCHK', SVC),
      entry('I5', 'assign', '2026-10-06T02:00:00Z', 'PESC', {
        agentType: 'escalation_policy_reference',
        assignees: ['U1'],
      }),
      // An integration acknowledging is not a person.
      entry('I5', 'acknowledge', '2026-10-06T02:01:00Z', 'PINT', { agentType: 'integration_reference' }),
      entry('I5', 'resolve', '2026-10-06T02:20:00Z', 'PCHK', SVC),
      entry('I6', 'trigger', '2026-10-06T03:00:00Z', 'PCHK', SVC),
      entry('I6', 'resolve', '2026-10-06T03:10:00Z', 'PCHK', SVC),
    ];
    expect(intervals([auto, silent], log, { capHours: 8, asOf })).toEqual([
      ['I5', 'U1', '2026-10-06T02:00:00.000Z', '2026-10-06T02:20:00.000Z'],
    ]);
  });

  it('is capped at incident_cap_hours per responder and incident', () => {
    const inc = incident('I7', '2026-10-07T00:00:00Z', { resolvedAt: '2026-10-07T12:00:00Z' });
    const log = [
      entry('I7', 'acknowledge', '2026-10-07T00:00:00Z', 'U1'),
      entry('I7', 'resolve', '2026-10-07T12:00:00Z', 'U1'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      ['I7', 'U1', '2026-10-07T00:00:00.000Z', '2026-10-07T08:00:00.000Z'],
    ]);
  });

  it('escalation hands the incident over; a responder reassigned away and back gets two intervals under one cap', () => {
    const inc = incident('I8', '2026-10-08T02:00:00Z', { resolvedAt: '2026-10-08T12:00:00Z' });
    const log = [
      entry('I8', 'assign', '2026-10-08T02:00:00Z', 'PESC', { agentType: null, assignees: ['U1'] }),
      entry('I8', 'escalate', '2026-10-08T02:30:00Z', 'PESC', {
        agentType: 'escalation_policy_reference',
        assignees: ['U2'],
        unassigned: ['U1'],
      }),
      entry('I8', 'acknowledge', '2026-10-08T02:35:00Z', 'U2'),
      entry('I8', 'assign', '2026-10-08T03:00:00Z', 'U2', { assignees: ['U1', 'U2'] }),
      entry('I8', 'resolve', '2026-10-08T12:00:00Z', 'U1'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      ['I8', 'U1', '2026-10-08T02:00:00.000Z', '2026-10-08T02:30:00.000Z'],
      // Assigned again at 03:00; 30 min used, 7.5 h left of the cap: 03:00 → 10:30.
      ['I8', 'U1', '2026-10-08T03:00:00.000Z', '2026-10-08T10:30:00.000Z'],
      // U2 kept the incident: 02:35 → 10:35 (cap).
      ['I8', 'U2', '2026-10-08T02:35:00.000Z', '2026-10-08T10:35:00.000Z'],
    ]);
  });

  it('uses the incident resolved_at when the log has no resolve entry, and ignores entry order in the input', () => {
    const inc = incident('I9', '2026-10-09T10:00:00Z', { resolvedAt: '2026-10-09T10:45:00Z' });
    const log = [
      entry('I9', 'annotate', '2026-10-09T10:20:00Z', 'U1'),
      entry('I9', 'acknowledge', '2026-10-09T10:10:00Z', 'U1'),
    ];
    expect(intervals([inc], log, { capHours: 8, asOf })).toEqual([
      ['I9', 'U1', '2026-10-09T10:10:00.000Z', '2026-10-09T10:45:00.000Z'],
    ]);
  });
});
