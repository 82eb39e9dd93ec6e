import { type Config, STAGES, type Stage } from '../config/schema.ts';
import { monthBounds } from '../lib/dates.ts';
import { createAttribution, type Share } from './attribution.ts';
import { createCalendar } from './calendar.ts';
import { buildEvents, type EffortEvent } from './events.ts';
import { computeResponderIntervals, type ResponderInterval } from './incident-intervals.ts';
import { createPeopleIndex, createRateBook, type Person } from './people.ts';
import {
  type ActivityInput,
  type IncidentInput,
  type StageExplain,
  type StageRecord,
  UNALLOCATED,
  type WorkflowRunInput,
} from './types.ts';

/**
 * The effort model of SPEC §4: events → per-person sessions → minutes per stage, PagerDuty
 * responder intervals as incident time, one minute counted once, months in `config.timezone`,
 * labour priced by the rate card in force on the day. Pure: the month, the time zone (from the
 * config) and `asOf` (the end of still-open incidents) are parameters.
 */
export interface EffortOptions {
  month: string;
  asOf: Date;
}

export interface ProductLineEffort {
  hours: StageRecord;
  laborCost: StageRecord;
  seniorReviewHours: number;
  ciCost: number;
  people: number;
}

export interface EffortResult {
  /** Keyed by configured product line id; `null` = unallocated. Every configured id is present. */
  byProductLine: Map<string | null, ProductLineEffort>;
  people: { total: number; mapped: number };
  explain: Record<string, Record<Stage, StageExplain>>;
  counts: Record<string, number>;
}

/** How many top PRs / incidents / repos an explanation keeps. */
export const EXPLAIN_TOP = 10;

const MINUTE = 60_000;
const zeroStages = (): StageRecord => ({ authoring: 0, review: 0, qa: 0, deploy: 0, incident: 0, rework: 0 });

interface RateTrace {
  effectiveFrom: string;
  level: string;
  rate: number;
  minutes: number;
  cost: number;
  people: Set<string>;
}
interface StageTrace {
  minutes: number;
  cost: number;
  people: Set<string>;
  activities: Map<string, number>;
  prs: Map<string, { repo: string; number: number; title: string; minutes: number }>;
  incidents: Map<string, { id: string; number: number | null; title: string; minutes: number }>;
  repos: Map<string, number>;
  rates: Map<string, RateTrace>;
}
interface Bucket {
  seniorReviewMinutes: number;
  ciCost: number;
  people: Set<string>;
  stages: Record<Stage, StageTrace>;
}

const newBucket = (): Bucket => {
  const stages = {} as Record<Stage, StageTrace>;
  for (const s of STAGES) {
    stages[s] = {
      minutes: 0,
      cost: 0,
      people: new Set(),
      activities: new Map(),
      prs: new Map(),
      incidents: new Map(),
      repos: new Map(),
      rates: new Map(),
    };
  }
  return { seniorReviewMinutes: 0, ciCost: 0, people: new Set(), stages };
};

/** Events of one person in the order sessions read them: time, then stage id, then a stable key. */
export function compareEvents(
  a: Pick<EffortEvent, 'at' | 'stage' | 'key'>,
  b: Pick<EffortEvent, 'at' | 'stage' | 'key'>,
): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.stage !== b.stage) return a.stage < b.stage ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * SPEC §4 "Sessions", for one person's events already in `compareEvents` order: the span of
 * time each event adds to its own stage. An event at most `gapMinutes` after the previous one
 * continues the session and adds the gap; otherwise it adds the `firstEventMinutes` ending at
 * it (never reaching back before the previous event, so no minute is counted twice even when
 * `first_event_minutes` exceeds `session_gap_minutes`).
 */
export function sessionSpans(
  events: ReadonlyArray<{ at: number }>,
  gapMinutes: number,
  firstEventMinutes: number,
): Array<[number, number]> {
  const gapMs = gapMinutes * MINUTE;
  const firstMs = firstEventMinutes * MINUTE;
  const spans: Array<[number, number]> = [];
  let prev = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    if (e.at - prev <= gapMs) spans.push([prev, e.at]);
    else spans.push([Math.max(e.at - firstMs, prev), e.at]);
    prev = e.at;
  }
  return spans;
}

/** Minutes a CI run bills: GitHub's billable time when known, else the run's duration once completed. */
export function runMinutes(run: WorkflowRunInput): number {
  if (run.billableMs !== null) return run.billableMs / MINUTE;
  if (run.status !== 'completed') return 0;
  const start = (run.runStartedAt ?? run.createdAt).getTime();
  return Math.max(0, run.updatedAt.getTime() - start) / MINUTE;
}

export function computeEffort(input: ActivityInput, config: Config, opts: EffortOptions): EffortResult {
  const tz = config.timezone;
  const { start, end } = monthBounds(opts.month, tz);
  const monthStart = start.getTime();
  const monthEnd = end.getTime();
  const lookbackMs = Math.max(config.model.session_gap_minutes, config.model.first_event_minutes) * MINUTE;
  const calendar = createCalendar(tz, monthStart - lookbackMs, monthEnd);
  const people = createPeopleIndex(config, input.pdUsers);
  const attribution = createAttribution(config);
  const rateOf = createRateBook(config);
  const senior = new Set(config.senior_levels);

  const buckets = new Map<string | null, Bucket>();
  for (const pl of config.product_lines) buckets.set(pl.id, newBucket());
  buckets.set(null, newBucket());
  const known = new Set(config.product_lines.map((p) => p.id));
  const bucketOf = (pl: string | null) => buckets.get(pl !== null && known.has(pl) ? pl : null)!;
  const activePeople = new Map<string, boolean>();

  const contribute = (
    pl: string | null,
    stage: Stage,
    minutes: number,
    person: Person,
    day: string,
    kind: string,
    src: {
      pr?: { key: string; repo: string; number: number; title: string } | null;
      incident?: IncidentInput;
      repo?: string;
    },
  ) => {
    if (!(minutes > 0)) return;
    const bucket = bucketOf(pl);
    const t = bucket.stages[stage];
    const r = rateOf(day, person.level);
    const cost = (minutes / 60) * r.rate;
    t.minutes += minutes;
    t.cost += cost;
    t.people.add(person.key);
    bucket.people.add(person.key);
    activePeople.set(person.key, person.mapped);
    if (stage === 'review' && senior.has(person.level)) bucket.seniorReviewMinutes += minutes;
    t.activities.set(kind, (t.activities.get(kind) ?? 0) + 1);
    if (src.pr) {
      const hit = t.prs.get(src.pr.key);
      if (hit) hit.minutes += minutes;
      else t.prs.set(src.pr.key, { repo: src.pr.repo, number: src.pr.number, title: src.pr.title, minutes });
    }
    if (src.incident) {
      const hit = t.incidents.get(src.incident.id);
      if (hit) hit.minutes += minutes;
      else
        t.incidents.set(src.incident.id, {
          id: src.incident.id,
          number: src.incident.number,
          title: src.incident.title,
          minutes,
        });
    }
    if (src.repo !== undefined) t.repos.set(src.repo, (t.repos.get(src.repo) ?? 0) + minutes);
    const rk = `${r.effectiveFrom}|${r.level}`;
    let rt = t.rates.get(rk);
    if (!rt) {
      rt = {
        effectiveFrom: r.effectiveFrom,
        level: r.level,
        rate: r.rate,
        minutes: 0,
        cost: 0,
        people: new Set(),
      };
      t.rates.set(rk, rt);
    }
    rt.minutes += minutes;
    rt.cost += cost;
    rt.people.add(person.key);
  };

  // ── events and sessions ────────────────────────────────────────────────────────────────
  const built = buildEvents(input, config, people, attribution);
  const counts: Record<string, number> = { ...built.counts, events: built.events.length, eventsInMonth: 0 };
  const eventsByPerson = new Map<string, EffortEvent[]>();
  for (const e of built.events) {
    const list = eventsByPerson.get(e.person.key);
    if (list) list.push(e);
    else eventsByPerson.set(e.person.key, [e]);
  }

  // ── incidents ──────────────────────────────────────────────────────────────────────────
  const intervals = computeResponderIntervals(input.incidents, input.logEntries, {
    capHours: config.model.incident_cap_hours,
    asOf: opts.asOf,
  });
  counts['responderIntervals'] = intervals.length;
  const incidentById = new Map(input.incidents.map((i) => [i.id, i]));
  const intervalsByPerson = new Map<string, { person: Person; list: ResponderInterval[] }>();
  for (const iv of intervals) {
    const person = people.pagerduty(iv.userId);
    const entry = intervalsByPerson.get(person.key);
    if (entry) entry.list.push(iv);
    else intervalsByPerson.set(person.key, { person, list: [iv] });
  }

  const personKeys = [...new Set([...eventsByPerson.keys(), ...intervalsByPerson.keys()])].sort();
  for (const key of personKeys) {
    // Incident time: a person on several incidents at once spends each minute once, split evenly.
    const own = intervalsByPerson.get(key);
    const union: Array<[number, number]> = [];
    if (own) {
      const ivs = own.list;
      const cuts = [...new Set(ivs.flatMap((iv) => [iv.start.getTime(), iv.end.getTime()]))].sort(
        (a, b) => a - b,
      );
      for (let i = 0; i + 1 < cuts.length; i++) {
        const a = cuts[i]!;
        const b = cuts[i + 1]!;
        const live = ivs.filter((iv) => iv.start.getTime() <= a && iv.end.getTime() >= b);
        if (live.length === 0) continue;
        const last = union[union.length - 1];
        if (last && last[1] === a) last[1] = b;
        else union.push([a, b]);
        if (b <= monthStart || a >= monthEnd) continue;
        // Split at local midnights: the day picks the rate card, the month is the day's month.
        for (let s = a; s < b; ) {
          const stop = Math.min(b, calendar.nextMidnight(s));
          if (s >= monthStart && s < monthEnd) {
            const day = calendar.dayOf(s);
            for (const iv of live) {
              const incident = incidentById.get(iv.incidentId);
              contribute(
                attribution.forService(iv.serviceId),
                'incident',
                (stop - s) / MINUTE / live.length,
                own.person,
                day,
                'incident',
                incident ? { incident } : {},
              );
            }
          }
          s = stop;
        }
      }
    }

    const events = eventsByPerson.get(key);
    if (!events) continue;
    events.sort(compareEvents);
    const spans = sessionSpans(events, config.model.session_gap_minutes, config.model.first_event_minutes);
    let j = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.at < monthStart || e.at >= monthEnd) continue;
      counts['eventsInMonth']!++;
      const [s, t] = spans[i]!;
      let overlap = 0;
      while (j < union.length && union[j]![1] <= s) j++;
      for (let k = j; k < union.length && union[k]![0] < t; k++) {
        overlap += Math.max(0, Math.min(t, union[k]![1]) - Math.max(s, union[k]![0]));
      }
      const minutes = (t - s - overlap) / MINUTE;
      if (!(minutes > 0)) continue;
      const day = calendar.dayOf(e.at);
      const qaShare = e.stage === 'authoring' && e.pr ? e.pr.testShare : 0;
      for (const share of e.shares) {
        const m = minutes * share.weight;
        const src = { pr: e.pr, repo: e.repo };
        if (qaShare > 0) {
          contribute(share.productLine, 'authoring', m * (1 - qaShare), e.person, day, e.kind, src);
          contribute(share.productLine, 'qa', m * qaShare, e.person, day, 'qa_share', src);
        } else {
          contribute(share.productLine, e.stage, m, e.person, day, e.kind, src);
        }
      }
    }
  }

  // ── CI cost: run minutes × ci_cost_per_minute, on the repo's (or the run's PR's) product lines ──
  let ciRuns = 0;
  const runs = [...input.workflowRuns].sort((a, b) => a.id - b.id);
  for (const run of runs) {
    const at = (run.runStartedAt ?? run.createdAt).getTime();
    if (at < monthStart || at >= monthEnd) continue;
    ciRuns++;
    const cost = runMinutes(run) * config.model.ci_cost_per_minute;
    const shares: Share[] = built.sharesAt(run.repo, run.headSha);
    for (const s of shares) bucketOf(s.productLine).ciCost += cost * s.weight;
  }
  counts['workflowRunsInMonth'] = ciRuns;

  // ── results ────────────────────────────────────────────────────────────────────────────
  const byProductLine = new Map<string | null, ProductLineEffort>();
  const explain: Record<string, Record<Stage, StageExplain>> = {};
  for (const [pl, b] of buckets) {
    const hours = zeroStages();
    const laborCost = zeroStages();
    const ex = {} as Record<Stage, StageExplain>;
    for (const s of STAGES) {
      const t = b.stages[s];
      hours[s] = t.minutes / 60;
      laborCost[s] = t.cost;
      ex[s] = explainStage(t);
    }
    byProductLine.set(pl, {
      hours,
      laborCost,
      seniorReviewHours: b.seniorReviewMinutes / 60,
      ciCost: b.ciCost,
      people: b.people.size,
    });
    explain[pl ?? UNALLOCATED] = ex;
  }
  let mapped = 0;
  for (const m of activePeople.values()) if (m) mapped++;
  return { byProductLine, people: { total: activePeople.size, mapped }, explain, counts };
}

const byMinutesThenKey = <T extends { minutes: number }>(entries: Array<[string, T]>): T[] =>
  entries
    .sort((a, b) => b[1].minutes - a[1].minutes || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, EXPLAIN_TOP)
    .map(([, v]) => v);

function explainStage(t: StageTrace): StageExplain {
  const activities: Record<string, number> = {};
  for (const k of [...t.activities.keys()].sort()) activities[k] = t.activities.get(k)!;
  return {
    hours: t.minutes / 60,
    laborCost: t.cost,
    people: t.people.size,
    activities,
    topPullRequests: byMinutesThenKey([...t.prs.entries()]).map((p) => ({
      repo: p.repo,
      number: p.number,
      title: p.title,
      hours: p.minutes / 60,
    })),
    topIncidents: byMinutesThenKey([...t.incidents.entries()]).map((i) => ({
      id: i.id,
      number: i.number,
      title: i.title,
      hours: i.minutes / 60,
    })),
    topRepos: byMinutesThenKey([...t.repos.entries()].map(([k, minutes]) => [k, { repo: k, minutes }])).map(
      (r) => ({ repo: r.repo, hours: r.minutes / 60 }),
    ),
    rates: [...t.rates.values()]
      .sort((a, b) =>
        a.effectiveFrom !== b.effectiveFrom
          ? a.effectiveFrom < b.effectiveFrom
            ? -1
            : 1
          : a.level < b.level
            ? -1
            : a.level > b.level
              ? 1
              : 0,
      )
      .map((r) => ({
        effectiveFrom: r.effectiveFrom,
        level: r.level,
        rate: r.rate,
        hours: r.minutes / 60,
        cost: r.cost,
        people: r.people.size,
      })),
  };
}
