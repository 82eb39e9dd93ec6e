import type { Db } from '../../src/db/connect.ts';

/**
 * Hand-built PagerDuty data for the labour-spike tests, stored as PagerDuty ingestion stores it
 * (pd_user, pd_incident, pd_log_entry). Time zone Europe/Berlin, all in CET (UTC+1): ISO weeks
 * from Monday 2026-11-02 (week 0) to Monday 2026-12-28 (week 8, ending Sunday 2027-01-03).
 *
 * Services: PCHK → checkout, PSRCH → search-ai, PXXX → no product line (unallocated).
 *
 * Weeks 0–7: checkout one 2 h incident a week, search-ai one 3 h incident a week (medians 2 and 3).
 * Week 8:
 * - checkout #101 "<!channel> Checkout 5xx & timeouts": Ada acknowledges 29 Dec 08:00Z, Bob is
 *   added (assign, Ada stays) at 09:00Z, resolved 11:00Z.
 * - checkout #102 "Card tokenizer latency": Ada annotates at 10:00Z, resolved 12:00Z. Ada is on
 *   both from 10:00 to 11:00: that hour counts once, half to each. Ada 08–10 on #101 (2 h), 10–11
 *   shared (0.5 h each), 11–12 on #102 (1 h); Bob 09–11 on #101 (2 h).
 *   #101 = 2 + 0.5 + 2 = 4.5 h, #102 = 0.5 + 1 = 1.5 h.
 * - checkout #103 "Nightly batch stuck": Carol acknowledges Sunday 3 Jan 20:00Z (21:00 CET),
 *   resolved Monday 4 Jan 02:00Z: 3 h before local midnight (week 8), 3 h after (week 9).
 * - checkout #104 "Ledger replication lag": Dan acknowledges 30 Dec 08:00Z, resolved 20:00Z:
 *   12 h, capped at incident_cap_hours 8.
 *   Checkout week 8 = 4.5 + 1.5 + 3 + 8 = 17 h > 2 × 2: a spike, ratio 8.5, 4 people.
 *   Week 9 = 3 h (trailing 2,2,2,2,2,2,2,17: median 2; 3 ≤ 4): no spike.
 * - search-ai #201: Eve 29 Dec 10:00Z–16:00Z = 6 h = exactly 2 × 3: not a spike.
 * - PXXX #301: Ada 31 Dec 09:00Z–10:00Z = 1 h unallocated (no trailing weeks: never judged).
 */
export const LABOR_WEEKS = [
  '2026-11-02',
  '2026-11-09',
  '2026-11-16',
  '2026-11-23',
  '2026-11-30',
  '2026-12-07',
  '2026-12-14',
  '2026-12-21',
  '2026-12-28',
] as const;

export const PD_USERS = [
  { id: 'PADA', email: 'ada@example.com', name: 'Ada' },
  { id: 'PBOB', email: 'bob@example.com', name: 'Bob' },
  { id: 'PCAROL', email: 'carol@example.com', name: 'Carol' },
  { id: 'PDAN', email: 'dan@example.com', name: 'Dan' },
  { id: 'PEVE', email: 'eve@example.com', name: 'Eve' },
];

export interface EntrySpec {
  type: 'acknowledge_log_entry' | 'annotate_log_entry' | 'assign_log_entry' | 'resolve_log_entry';
  at: string;
  agent?: string;
  assignees?: string[];
  unassigned?: string[];
}

export interface IncidentSpec {
  id: string;
  number: number;
  service: string;
  title: string;
  createdAt: string;
  resolvedAt: string | null;
  entries: EntrySpec[];
}

/** One responder from `from` to `to` (ISO instants), resolved at `to`. */
export function simpleIncident(
  id: string,
  number: number,
  service: string,
  title: string,
  user: string,
  from: string,
  to: string,
): IncidentSpec {
  return {
    id,
    number,
    service,
    title,
    createdAt: from,
    resolvedAt: to,
    entries: [
      { type: 'acknowledge_log_entry', at: from, agent: user },
      { type: 'resolve_log_entry', at: to, agent: user },
    ],
  };
}

/** Tuesday of week w at 10:00 UTC plus `hours`. */
const tue = (w: number, hours = 0): string => {
  const d = new Date(`${LABOR_WEEKS[w]}T10:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(d.getUTCHours() + hours);
  return d.toISOString();
};

export function laborSpikeIncidents(): IncidentSpec[] {
  const out: IncidentSpec[] = [];
  for (let w = 0; w < 8; w++) {
    out.push(simpleIncident(`QC${w}`, 10 + w, 'PCHK', `Checkout blip ${w}`, 'PADA', tue(w), tue(w, 2)));
    out.push(simpleIncident(`QS${w}`, 20 + w, 'PSRCH', `Search blip ${w}`, 'PEVE', tue(w), tue(w, 3)));
  }
  out.push(
    {
      id: 'Q101',
      number: 101,
      service: 'PCHK',
      title: '<!channel> Checkout 5xx & timeouts',
      createdAt: '2026-12-29T08:00:00Z',
      resolvedAt: '2026-12-29T11:00:00Z',
      entries: [
        { type: 'acknowledge_log_entry', at: '2026-12-29T08:00:00Z', agent: 'PADA' },
        { type: 'assign_log_entry', at: '2026-12-29T09:00:00Z', agent: 'PADA', assignees: ['PADA', 'PBOB'] },
        { type: 'resolve_log_entry', at: '2026-12-29T11:00:00Z', agent: 'PBOB' },
      ],
    },
    {
      id: 'Q102',
      number: 102,
      service: 'PCHK',
      title: 'Card tokenizer latency',
      createdAt: '2026-12-29T09:30:00Z',
      resolvedAt: '2026-12-29T12:00:00Z',
      entries: [
        { type: 'annotate_log_entry', at: '2026-12-29T10:00:00Z', agent: 'PADA' },
        { type: 'resolve_log_entry', at: '2026-12-29T12:00:00Z', agent: 'PADA' },
      ],
    },
    simpleIncident(
      'Q103',
      103,
      'PCHK',
      'Nightly batch stuck',
      'PCAROL',
      '2027-01-03T20:00:00Z',
      '2027-01-04T02:00:00Z',
    ),
    simpleIncident(
      'Q104',
      104,
      'PCHK',
      'Ledger replication lag',
      'PDAN',
      '2026-12-30T08:00:00Z',
      '2026-12-30T20:00:00Z',
    ),
    simpleIncident(
      'Q201',
      201,
      'PSRCH',
      'Ranking timeouts',
      'PEVE',
      '2026-12-29T10:00:00Z',
      '2026-12-29T16:00:00Z',
    ),
    simpleIncident(
      'Q301',
      301,
      'PXXX',
      'Shared proxy restart',
      'PADA',
      '2026-12-31T09:00:00Z',
      '2026-12-31T10:00:00Z',
    ),
  );
  return out;
}

/** The config's product lines for this data (merge into a test config). */
export const LABOR_PRODUCT_LINES = [
  {
    id: 'checkout',
    name: 'Checkout',
    team: 'payments',
    repos: ['acme/checkout-api'],
    pagerduty_services: ['PCHK'],
  },
  {
    id: 'search-ai',
    name: 'Search AI',
    team: 'search',
    repos: ['acme/search'],
    pagerduty_services: ['PSRCH'],
  },
];

/** Stores users and incidents with their log entries (a trigger entry first, as PagerDuty logs it). */
export async function insertIncidents(
  db: Db,
  incidents: readonly IncidentSpec[],
  users = PD_USERS,
): Promise<void> {
  if (users.length > 0) {
    await db
      .insertInto('pdUser')
      .values(users)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  for (const inc of incidents) {
    await db
      .insertInto('pdIncident')
      .values({
        id: inc.id,
        number: inc.number,
        serviceId: inc.service,
        title: inc.title,
        status: inc.resolvedAt === null ? 'acknowledged' : 'resolved',
        createdAt: new Date(inc.createdAt),
        resolvedAt: inc.resolvedAt === null ? null : new Date(inc.resolvedAt),
      })
      .execute();
    await db
      .insertInto('pdLogEntry')
      .values([
        {
          id: `${inc.id}-T`,
          incidentId: inc.id,
          type: 'trigger_log_entry',
          agentId: inc.service,
          agentType: 'service_reference',
          createdAt: new Date(inc.createdAt),
        },
        ...inc.entries.map((e, i) => ({
          id: `${inc.id}-${i}`,
          incidentId: inc.id,
          type: e.type,
          agentId: e.agent ?? null,
          agentType: e.agent ? 'user_reference' : null,
          assigneeIds: JSON.stringify(e.assignees ?? []),
          unassignedIds: JSON.stringify(e.unassigned ?? []),
          createdAt: new Date(e.at),
        })),
      ])
      .execute();
  }
}
