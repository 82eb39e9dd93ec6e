import { describe, expect, it } from 'vitest';
import {
  deriveUnassigned,
  isMappedUser,
  mapIncident,
  mapLogEntries,
  mapUser,
  type PdLogEntryRow,
  parseInstant,
  peopleByEmail,
  referencedUsers,
  responderIds,
} from '../../src/ingest/pagerduty/map.ts';
import type {
  PdIncidentPayload,
  PdLogEntryPayload,
  PdUserPayload,
} from '../../src/ingest/pagerduty/payloads.ts';
import { timeWindows } from '../../src/ingest/pagerduty/reads.ts';
import { pdFixture, pdLogEntry, serviceRef, userRef } from '../fakes/fake-pagerduty.ts';

describe('parseInstant', () => {
  it('stores Z, +00:00, local offsets and +HHMM as the same kind of UTC instant', () => {
    expect(parseInstant('2015-10-06T21:30:42Z', 'x').toISOString()).toBe('2015-10-06T21:30:42.000Z');
    expect(parseInstant('2017-09-26T15:18:09+00:00', 'x').toISOString()).toBe('2017-09-26T15:18:09.000Z');
    expect(parseInstant('2018-08-09T14:40:48-07:00', 'x').toISOString()).toBe('2018-08-09T21:40:48.000Z');
    expect(parseInstant('2015-11-06T11:12:51-05:00', 'x').toISOString()).toBe('2015-11-06T16:12:51.000Z');
    expect(parseInstant('2026-10-31T23:59:59.5+0100', 'x').toISOString()).toBe('2026-10-31T22:59:59.500Z');
  });

  it('refuses a time without an offset instead of guessing a zone, naming where it was', () => {
    expect(() => parseInstant('2026-10-31T10:00:00', 'incidents[2].created_at')).toThrow(
      'unexpected PagerDuty payload at incidents[2].created_at: expected a timestamp with an offset, got "2026-10-31T10:00:00"',
    );
    expect(() => parseInstant(undefined, 'a.b')).toThrow('at a.b');
    expect(() => parseInstant('2026-13-45T10:00:00Z', 'a.b')).toThrow('not a valid time');
  });
});

describe('mapIncident', () => {
  it("maps PagerDuty's own GET /incidents example", () => {
    const [payload] = pdFixture<{ incidents: PdIncidentPayload[] }>('incidents-list.json').incidents;
    expect(mapIncident(payload!, 'incidents[0]')).toEqual({
      id: 'PT4KHLK',
      number: 1234,
      serviceId: 'PIJ90N7',
      title: 'The server is on fire.',
      status: 'resolved',
      urgency: 'high',
      priority: 'P2',
      createdAt: new Date('2015-10-06T21:30:42Z'),
      updatedAt: new Date('2015-10-06T21:40:23Z'),
      resolvedAt: new Date('2015-10-06T21:38:23Z'),
    });
  });

  it('takes resolved_at from the last resolve entry when a resolved incident lacks it', () => {
    const entries = mapLogEntries(
      [
        pdLogEntry({
          id: 'L1',
          type: 'resolve_log_entry',
          incidentId: 'I',
          createdAt: '2026-10-01T10:00:00+02:00',
          agent: userRef('U1'),
        }),
      ],
      'I',
      'log',
    );
    const row = mapIncident(
      {
        id: 'I',
        status: 'resolved',
        service: { id: 'S' },
        created_at: '2026-10-01T07:00:00Z',
        priority: null,
      },
      'incident',
      entries,
    );
    expect(row.resolvedAt).toEqual(new Date('2026-10-01T08:00:00Z'));
    expect(row.priority).toBeNull();
    expect(row.number).toBeNull();
  });

  it('names the missing field', () => {
    expect(() =>
      mapIncident({ id: 'I', status: 'triggered', created_at: '2026-10-01T07:00:00Z' }, 'incidents[4]'),
    ).toThrow('unexpected PagerDuty payload at incidents[4].service.id: missing id');
  });
});

describe('mapLogEntries', () => {
  it("maps PagerDuty's acknowledge, assign and resolve examples (the resolve one with +00:00)", () => {
    const payloads = ['log-entry-resolve.json', 'log-entry-assign.json', 'log-entry-acknowledge.json'].map(
      (f) => pdFixture<PdLogEntryPayload>(f),
    );
    expect(mapLogEntries(payloads, 'PRORDTY', 'log_entries')).toEqual([
      {
        id: 'RRPP3746OFFZZ742NSP1G67AWC',
        incidentId: 'PRORDTY',
        type: 'acknowledge_log_entry',
        agentId: 'P553OPV',
        agentType: 'user_reference',
        assigneeIds: [],
        unassignedIds: [],
        createdAt: new Date('2017-09-26T15:15:17Z'),
        summary: 'Acknowledged by Laura Haley',
      },
      {
        id: 'R6XNGC35VF6U1TUSVIE2DWXD4Z',
        incidentId: 'PRORDTY',
        type: 'assign_log_entry',
        agentId: 'P553OPV',
        agentType: 'user_reference',
        assigneeIds: ['PFBSJ2Z'],
        // Laura acknowledged, so she held the incident; assigning it to Wiley took it from her.
        unassignedIds: ['P553OPV'],
        createdAt: new Date('2017-09-26T15:16:05Z'),
        summary: 'Assigned to Wiley Jacobson by Laura Haley',
      },
      {
        id: 'RNAJ8DLJGWHBXXYX1CC5G50C9O',
        incidentId: 'PRORDTY',
        type: 'resolve_log_entry',
        agentId: 'P553OPV',
        agentType: 'user_reference',
        assigneeIds: [],
        unassignedIds: [],
        createdAt: new Date('2017-09-26T15:18:09Z'),
        summary: 'Resolved by Laura Haley',
      },
    ]);
  });

  it('keeps the types that say who worked, drops notify entries and duplicates from overlapping pages', () => {
    const e = (id: string, type: string, at: string) =>
      pdLogEntry({ id, type, incidentId: 'I', createdAt: at, agent: serviceRef('S') });
    const rows = mapLogEntries(
      [
        e('A', 'trigger_log_entry', '2026-10-01T10:00:00Z'),
        e('B', 'notify_log_entry', '2026-10-01T10:00:01Z'),
        e('C', 'snooze_log_entry', '2026-10-01T10:00:02Z'),
        e('C', 'snooze_log_entry', '2026-10-01T10:00:02Z'),
        e('D', 'urgency_change_log_entry', '2026-10-01T10:00:03Z'),
      ],
      'I',
      'log',
    );
    expect(rows.map((r) => [r.id, r.type])).toEqual([
      ['A', 'trigger_log_entry'],
      ['C', 'snooze_log_entry'],
    ]);
  });

  /*
   * Hand-worked incident (all times 2026-10-01, UTC; the log arrives newest first, offsets mixed):
   *   10:00 trigger by the service                        holders —
   *   10:01 assign by the service → U1                    holders U1          unassigned —
   *   10:05 acknowledge by U1                             holders U1
   *   10:20 annotate by U3 (never assigned)               holders U1
   *   10:30 assign by U1 → U2 (a reassignment)            holders U2          unassigned U1
   *   10:40 acknowledge by U4 (not assigned: now holds)   holders U2, U4
   *   11:00 escalate by the service → U2, U5              holders U2, U5      unassigned U4
   *   11:10 delegate by U2 → U6 (another policy)          holders U6          unassigned U2, U5
   *   12:00 resolve by U6                                 holders —           (the resolve ends all)
   */
  it('derives who was reassigned away at each assign, escalate and delegate entry', () => {
    const e = (id: string, type: string, at: string, agent: Record<string, unknown>, assignees?: string[]) =>
      pdLogEntry({
        id,
        type,
        incidentId: 'I',
        createdAt: at,
        agent,
        ...(assignees ? { assignees: assignees.map((a) => userRef(a)) } : {}),
      });
    const payloads = [
      e('L9', 'resolve_log_entry', '2026-10-01T14:00:00+02:00', userRef('U6')),
      e('L8', 'delegate_log_entry', '2026-10-01T11:10:00Z', userRef('U2'), ['U6']),
      e('L7', 'escalate_log_entry', '2026-10-01T06:00:00-05:00', serviceRef('S'), ['U2', 'U5']),
      e('L6', 'acknowledge_log_entry', '2026-10-01T10:40:00+00:00', userRef('U4')),
      e('L5', 'assign_log_entry', '2026-10-01T10:30:00Z', userRef('U1'), ['U2']),
      e('L4', 'annotate_log_entry', '2026-10-01T10:20:00Z', userRef('U3')),
      e('L3', 'acknowledge_log_entry', '2026-10-01T10:05:00Z', userRef('U1')),
      e('L2', 'assign_log_entry', '2026-10-01T10:01:00Z', serviceRef('S'), ['U1']),
      e('L1', 'trigger_log_entry', '2026-10-01T10:00:00Z', serviceRef('S')),
    ];
    const rows = mapLogEntries(payloads, 'I', 'log');
    expect(
      rows.map((r) => [
        r.id,
        r.createdAt.toISOString().slice(11, 16),
        r.agentId,
        r.agentType,
        r.assigneeIds,
        r.unassignedIds,
      ]),
    ).toEqual([
      ['L1', '10:00', 'S', 'service_reference', [], []],
      ['L2', '10:01', 'S', 'service_reference', ['U1'], []],
      ['L3', '10:05', 'U1', 'user_reference', [], []],
      ['L4', '10:20', 'U3', 'user_reference', [], []],
      ['L5', '10:30', 'U1', 'user_reference', ['U2'], ['U1']],
      ['L6', '10:40', 'U4', 'user_reference', [], []],
      ['L7', '11:00', 'S', 'service_reference', ['U2', 'U5'], ['U4']],
      ['L8', '11:10', 'U2', 'user_reference', ['U6'], ['U2', 'U5']],
      ['L9', '12:00', 'U6', 'user_reference', [], []],
    ]);
    // Responders per SPEC §4: assign assignees, acknowledge and annotate agents.
    expect(responderIds(rows)).toEqual(['U1', 'U2', 'U3', 'U4']);
    expect(referencedUsers(payloads).map((u) => u.id)).toEqual(['U6', 'U2', 'U5', 'U4', 'U1', 'U3']);
  });

  it('assigns only users: escalation policy assignees are not people', () => {
    const rows = deriveUnassigned([
      row('A', 'assign_log_entry', ['U1']),
      row('B', 'assign_log_entry', ['U1', 'U2']),
      row('C', 'resolve_log_entry', []),
      row('D', 'assign_log_entry', ['U3']),
    ]);
    expect(rows.map((r) => r.unassignedIds)).toEqual([[], [], [], []]);
    const mapped = mapLogEntries(
      [
        pdLogEntry({
          id: 'X',
          type: 'delegate_log_entry',
          incidentId: 'I',
          createdAt: '2026-10-01T10:00:00Z',
          agent: userRef('U1'),
          assignees: [{ id: 'EP1', type: 'escalation_policy_reference' }, userRef('U7'), userRef('U7')],
        }),
      ],
      'I',
      'log',
    );
    expect(mapped[0]!.assigneeIds).toEqual(['U7']);
  });
});

function row(id: string, type: string, assigneeIds: string[]): PdLogEntryRow {
  return {
    id,
    incidentId: 'I',
    type,
    agentId: null,
    agentType: null,
    assigneeIds,
    unassignedIds: [],
    createdAt: new Date(0),
    summary: null,
  };
}

describe('users and people', () => {
  it("maps PagerDuty's /users example and matches people by email, case-insensitively", () => {
    const users = pdFixture<{ users: PdUserPayload[] }>('users-list.json').users.map((u, i) =>
      mapUser(u, `users[${i}]`),
    );
    expect(users).toEqual([
      { id: 'PXPGF42', email: '125.greenholt.earline@graham.name', name: 'Earline Greenholt' },
      { id: 'PAM4FGS', email: '126_dvm_kyler_kuhn@beahan.name', name: 'Kyler Kuhn' },
    ]);
    const byEmail = peopleByEmail([{ email: '125.Greenholt.Earline@Graham.name' }, { email: undefined }]);
    expect(users.map((u) => isMappedUser(u, byEmail))).toEqual([true, false]);
    expect(isMappedUser({ email: null }, byEmail)).toBe(false);
    expect(mapUser({ id: 'P1', summary: 'Gone', email: ' ' }, 'u')).toEqual({
      id: 'P1',
      email: null,
      name: 'Gone',
    });
  });
});

describe('timeWindows', () => {
  it('cuts a range into windows of at most 180 days, the last one short', () => {
    const w = timeWindows(new Date('2025-10-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
    expect(w.map((x) => [x.since.toISOString().slice(0, 10), x.until.toISOString().slice(0, 10)])).toEqual([
      ['2025-10-01', '2026-03-30'],
      ['2026-03-30', '2026-09-26'],
      ['2026-09-26', '2026-11-01'],
    ]);
    expect(timeWindows(new Date('2026-11-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'))).toEqual([]);
  });
});
