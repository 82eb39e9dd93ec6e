import type { Insertable } from 'kysely';
import type { PdIncidentTable, PdLogEntryTable, PdUserTable } from '../../db/schema.ts';
import { type DemoOrg, type DemoPerson, isSenior, LEVEL_RANK } from './org.ts';
import type { Rng } from './random.ts';
import { adoptionAt, DEMO_SPIKE } from './story.ts';

/**
 * PagerDuty incidents of the demo's services, with the log entries the effort model reads:
 * trigger, the automatic assign to the team's on-call engineer (weekly rotation), acknowledge,
 * annotate, escalation to a senior engineer (who annotates, or takes over: an escalate entry
 * whose assignees no longer include the on-call, `unassigned_ids` naming them), resolve. Incidents grow more frequent, longer and more often
 * escalated as AI adoption grows. Responder ids are PagerDuty user ids; users map to people by
 * email. A NOC operator the config does not list annotates now and then (unmapped).
 */
export interface PagerDutyRows {
  users: Array<Insertable<PdUserTable>>;
  incidents: Array<Insertable<PdIncidentTable>>;
  logEntries: Array<Insertable<PdLogEntryTable>>;
}

const MIN = 60_000;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Incidents per month per product line before the rollout. */
const INCIDENT_RATE: Record<string, number> = {
  checkout: 4,
  billing: 2.5,
  search: 4,
  recommendations: 2.5,
  assistant: 5,
  'mobile-app': 3,
};

const INCIDENT_TITLES: Record<string, string[]> = {
  checkout: [
    'Checkout p99 latency above 2s',
    'Payment provider 5xx rate above 5%',
    'Order confirmation queue backlog',
  ],
  billing: ['Invoice generation job failed', 'Dunning emails not sent', 'Ledger reconciliation mismatch'],
  search: ['Search error rate above 1%', 'OpenSearch cluster yellow', 'Autocomplete latency above 500ms'],
  recommendations: [
    'Recommendation service timeouts',
    'Feature store lag above 30 min',
    'Batch scoring job failed',
  ],
  assistant: [
    'Assistant answer latency above 8s',
    'LLM provider rate limited (429)',
    'Guardrail filter blocking valid answers',
    'Token usage above daily budget',
  ],
  'mobile-app': [
    'Crash-free sessions below 99.5%',
    'Push notification delivery failing',
    'App API 5xx after release',
  ],
};

export function generatePagerDuty(org: DemoOrg, rng: Rng): PagerDutyRows {
  const { days, timeline } = org;
  const endMs = days.endMs();
  const startMs = days.at(0, 0);
  const users: Array<Insertable<PdUserTable>> = org.people
    .filter((p) => p.mapped)
    .map((p) => ({ id: p.pdUserId, email: p.email, name: p.name }));
  users.push({ id: org.noc.id, email: org.noc.email, name: org.noc.name });
  users.sort((a, b) => a.id.localeCompare(b.id));

  const teamOf = new Map(org.config.product_lines.map((p) => [p.id, p.team]));
  // Weekly on-call rotation per team (everyone but the principal), in a random order per team.
  const rotations = new Map<string, DemoPerson[]>();
  for (const team of org.config.teams) {
    const members = org.people.filter((p) => p.mapped && p.team === team.id && p.level !== 'principal');
    const order: DemoPerson[] = [];
    const pool = [...members];
    while (pool.length > 0) order.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as DemoPerson);
    rotations.set(team.id, order);
  }
  const onCall = (team: string, ms: number): DemoPerson => {
    const r = rotations.get(team) ?? [];
    const week = Math.floor((ms - startMs) / (7 * 24 * 60 * MIN));
    return r[week % r.length] as DemoPerson;
  };

  interface Sim {
    id: string;
    serviceId: string;
    lineId: string;
    title: string;
    urgency: string;
    priority: string | null;
    createdMs: number;
    resolvedMs: number;
    entries: Array<Insertable<PdLogEntryTable>>;
  }
  const sims: Sim[] = [];
  const entryId = () => `R${rng.chars(25, ID_CHARS)}`;
  const entry = (
    sim: Sim,
    type: string,
    ms: number,
    agent: { id: string; type: string } | null,
    summary: string,
    assignees: string[] = [],
    unassigned: string[] = [],
  ) =>
    sim.entries.push({
      id: entryId(),
      incidentId: sim.id,
      type,
      agentId: agent?.id ?? null,
      agentType: agent?.type ?? null,
      assigneeIds: JSON.stringify(assignees),
      unassignedIds: JSON.stringify(unassigned),
      summary,
      createdAt: new Date(ms),
    });
  const user = (p: { pdUserId: string }) => ({ id: p.pdUserId, type: 'user_reference' });
  const noc = { id: org.noc.id, type: 'user_reference' };

  const simulate = (
    serviceId: string,
    lineId: string,
    createdMs: number,
    opts: { title?: string; minutes?: number; escalate?: boolean } = {},
  ): void => {
    const day = days.days[days.indexOf(createdMs)] ?? timeline.firstDay;
    const adoption = adoptionAt(timeline, day);
    const team = teamOf.get(lineId) ?? '';
    const primary = onCall(team, createdMs);
    const minutes = Math.min(600, opts.minutes ?? rng.logNormal(50 * (1 + 0.7 * adoption), 0.7));
    const resolvedMs = createdMs + Math.max(8, Math.round(minutes)) * MIN;
    if (resolvedMs >= endMs) return;
    const high = rng.chance(0.6);
    const sim: Sim = {
      id: `Q${rng.chars(13, ID_CHARS)}`,
      serviceId,
      lineId,
      title: opts.title ?? rng.pick(INCIDENT_TITLES[lineId] ?? ['Service degraded']),
      urgency: high ? 'high' : 'low',
      priority: high ? rng.pick(['P1', 'P2', 'P2', 'P3']) : rng.chance(0.5) ? 'P4' : null,
      createdMs,
      resolvedMs,
      entries: [],
    };
    const integration = {
      id: `PI${serviceId.slice(1, 6)}`,
      type: 'generic_events_api_inbound_integration_reference',
    };
    entry(sim, 'trigger_log_entry', createdMs, integration, 'Triggered through the API.');
    entry(
      sim,
      'assign_log_entry',
      createdMs + 2_000,
      { id: serviceId, type: 'service_reference' },
      `Assigned to ${primary.name}.`,
      [primary.pdUserId],
    );
    const ackMs = Math.min(createdMs + rng.int(2, 15) * MIN, resolvedMs - MIN);
    entry(sim, 'acknowledge_log_entry', ackMs, user(primary), `Acknowledged by ${primary.name}.`);
    let owner = primary;
    if (rng.chance(0.5))
      entry(
        sim,
        'annotate_log_entry',
        Math.min(ackMs + rng.int(5, 30) * MIN, resolvedMs - MIN),
        user(primary),
        `Note added by ${primary.name}.`,
      );
    if (rng.chance(0.1))
      entry(
        sim,
        'annotate_log_entry',
        Math.min(createdMs + rng.int(3, 20) * MIN, resolvedMs - MIN),
        noc,
        `Note added by ${org.noc.name}.`,
      );

    // Escalation to a senior engineer of the team, more often once AI-written code is in production.
    const escalate = opts.escalate ?? rng.chance(0.2 + 0.5 * adoption);
    const seniors = org.people.filter((p) => p.mapped && p.team === team && isSenior(p) && p !== primary);
    if (escalate && seniors.length > 0) {
      const senior = rng.weighted(seniors, (p) => (LEVEL_RANK[p.level] ?? 2) - 1 + adoption);
      const escMs = ackMs + rng.int(10, 45) * MIN;
      if (escMs < resolvedMs - 5 * MIN) {
        if (!isSenior(primary) && rng.chance(0.5)) {
          // The on-call hands the incident over (PagerDuty logs an escalate entry whose assignees
          // no longer include them: their interval ends), and the senior acknowledges.
          entry(
            sim,
            'escalate_log_entry',
            escMs,
            user(primary),
            `Escalated to ${senior.name} by ${primary.name}.`,
            [senior.pdUserId],
            [primary.pdUserId],
          );
          entry(
            sim,
            'acknowledge_log_entry',
            escMs + rng.int(1, 6) * MIN,
            user(senior),
            `Acknowledged by ${senior.name}.`,
          );
          owner = senior;
        } else {
          entry(sim, 'annotate_log_entry', escMs, user(senior), `Note added by ${senior.name}.`);
          if (rng.chance(0.5)) owner = senior;
        }
      }
    }
    entry(sim, 'resolve_log_entry', resolvedMs, user(owner), `Resolved by ${owner.name}.`);
    sims.push(sim);
  };

  for (const [serviceId, lineId] of [...org.services.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const base = INCIDENT_RATE[lineId] ?? 2;
    for (let d = 0; d < days.length; d++) {
      const adoption = adoptionAt(timeline, days.days[d] as string);
      const perDay = (base * (1 + 1.3 * adoption)) / 30.4;
      const n = rng.poisson(perDay);
      for (let k = 0; k < n; k++) {
        // Half during working hours, the rest any time (pages at night happen).
        const minute = rng.chance(0.55) ? rng.int(540, 1080) : rng.int(0, 1439);
        simulate(serviceId, lineId, days.at(d, Math.max(minute, 180)));
      }
    }
  }

  // The spike's incident: search's OpenSearch cluster runs away on the morning of the spike day.
  const spikeService = [...org.services.entries()].find(([, l]) => l === DEMO_SPIKE.productLine)?.[0];
  const spikeIndex = days.days.indexOf(timeline.spikeDays[0] as string);
  if (spikeService && spikeIndex >= 0) {
    simulate(spikeService, DEMO_SPIKE.productLine, days.at(spikeIndex, 640), {
      title: 'OpenSearch: runaway re-index job, data nodes autoscaled to 24',
      minutes: 290,
      escalate: true,
    });
  }

  sims.sort((a, b) => a.createdMs - b.createdMs || a.serviceId.localeCompare(b.serviceId));
  const incidents: Array<Insertable<PdIncidentTable>> = sims.map((s, i) => ({
    id: s.id,
    number: 4100 + i,
    serviceId: s.serviceId,
    title: s.title,
    status: 'resolved',
    urgency: s.urgency,
    priority: s.priority,
    createdAt: new Date(s.createdMs),
    updatedAt: new Date(s.resolvedMs),
    resolvedAt: new Date(s.resolvedMs),
  }));
  const logEntries = sims.flatMap((s) =>
    [...s.entries].sort((a, b) => (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime()),
  );
  return { users, incidents, logEntries };
}
