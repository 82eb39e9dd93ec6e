import { type Config, STAGES, type Stage } from '../config/schema.ts';
import { monthBounds } from '../lib/dates.ts';
import { createAttribution, type Share } from './attribution.ts';
import { createCalendar } from './calendar.ts';
import { buildEvents, type EffortEvent, STAGE_RANK } from './events.ts';
import {
  computeResponderIntervals,
  groupIntervalsByPerson,
  personIncidentTime,
} from './incident-intervals.ts';
import { createPeopleIndex, createRateBook, type Person, type RateLookup } from './people.ts';
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
interface PrRef {
  key: string;
  repo: string;
  number: number;
  title: string;
}
interface StageTrace {
  minutes: number;
  cost: number;
  people: Set<string>;
  activities: Map<string, number>;
  // Keyed by object identity (one PrInfo / incident / rate object each): no string keys per minute.
  prs: Map<PrRef, number>;
  incidents: Map<IncidentInput, number>;
  repos: Map<string, number>;
  rates: Map<RateLookup, RateTrace>;
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
  a: Pick<EffortEvent, 'at' | 'stage' | 'kind' | 'key'>,
  b: Pick<EffortEvent, 'at' | 'stage' | 'kind' | 'key'>,
): number {
  return a.at - b.at || STAGE_RANK[a.stage] - STAGE_RANK[b.stage] || tieBreak(a, b);
}

/** Events equal in time and stage: by kind, then by their id within the kind. */
function tieBreak(a: Pick<EffortEvent, 'kind' | 'key'>, b: Pick<EffortEvent, 'kind' | 'key'>): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
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
  const starts = sessionStarts(events, gapMinutes, firstEventMinutes);
  return events.map((e, i) => [starts[i]!, e.at]);
}

/** The start of each event's span (its end is the event itself), without a tuple per event. */
function sessionStarts(
  events: ReadonlyArray<{ at: number }>,
  gapMinutes: number,
  firstEventMinutes: number,
): Float64Array {
  const gapMs = gapMinutes * MINUTE;
  const firstMs = firstEventMinutes * MINUTE;
  const starts = new Float64Array(events.length);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < events.length; i++) {
    const at = events[i]!.at;
    starts[i] = at - prev <= gapMs ? prev : Math.max(at - firstMs, prev);
    prev = at;
  }
  return starts;
}

const INDEX_SPACE = 2 ** 17;
/** (at − window start) × 8 + stage rank stays below 2^36 for any window up to 99 days. */
const MAX_ORDER_SPAN = 2 ** 36;

/**
 * Sorts one person's events in `compareEvents` order. Time and stage fold into one number with
 * the event's index packed below it, so a native Float64Array sort does the work without a
 * comparator call per comparison; only events tied in time and stage are then compared by
 * kind and id. Falls back to the plain comparator sort where the packing would not be exact.
 */
function sortEvents(events: EffortEvent[], windowStart: number): void {
  const n = events.length;
  const base = windowStart * 8;
  let fits = n < INDEX_SPACE;
  for (let i = 0; fits && i < n; i++) {
    const o = events[i]!.order - base;
    if (o < 0 || o >= MAX_ORDER_SPAN) fits = false;
  }
  if (!fits) {
    events.sort(compareEvents);
    return;
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (events[i]!.order - base) * INDEX_SPACE + i;
  keys.sort();
  const sorted = new Array<EffortEvent>(n);
  for (let i = 0; i < n; i++) sorted[i] = events[keys[i]! % INDEX_SPACE]!;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j]!.order === sorted[i]!.order) j++;
    if (j - i > 1) {
      const run = sorted.slice(i, j).sort(tieBreak);
      for (let k = i; k < j; k++) sorted[k] = run[k - i]!;
    }
    i = j;
  }
  for (let i = 0; i < n; i++) events[i] = sorted[i]!;
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

  // Minutes and cost are gathered per person, then added to the product line's totals once per
  // (person, product line, stage): the people counts and rate lines then cost one set insertion
  // per person instead of one per event.
  interface PersonStage {
    bucket: Bucket;
    stage: Stage;
    minutes: number;
    cost: number;
    // A person's level is fixed, so one rate card usually prices all their minutes of a month:
    // the first rate is kept inline, any other (a card changing mid-month) in `more`.
    rate: RateLookup;
    rateMinutes: number;
    rateCost: number;
    more: Map<RateLookup, { minutes: number; cost: number }> | null;
  }
  let scratch = new Map<StageTrace, PersonStage>();
  let lastDay = '';
  let lastLevel = '';
  let lastRate: RateLookup | undefined;
  const contribute = (
    pl: string | null,
    stage: Stage,
    minutes: number,
    person: Person,
    day: string,
    kind: string,
    pr: PrRef | null,
    incident: IncidentInput | undefined,
    repo: string | null,
  ) => {
    if (!(minutes > 0)) return;
    const bucket = bucketOf(pl);
    const t = bucket.stages[stage];
    if (day !== lastDay || person.level !== lastLevel || lastRate === undefined) {
      lastRate = rateOf(day, person.level);
      lastDay = day;
      lastLevel = person.level;
    }
    const r = lastRate;
    const cost = (minutes / 60) * r.rate;
    let ps = scratch.get(t);
    if (!ps) {
      ps = { bucket, stage, minutes: 0, cost: 0, rate: r, rateMinutes: 0, rateCost: 0, more: null };
      scratch.set(t, ps);
    }
    ps.minutes += minutes;
    ps.cost += cost;
    if (ps.rate === r) {
      ps.rateMinutes += minutes;
      ps.rateCost += cost;
    } else {
      ps.more ??= new Map();
      const other = ps.more.get(r);
      if (other) {
        other.minutes += minutes;
        other.cost += cost;
      } else ps.more.set(r, { minutes, cost });
    }
    t.activities.set(kind, (t.activities.get(kind) ?? 0) + 1);
    if (pr) t.prs.set(pr, (t.prs.get(pr) ?? 0) + minutes);
    if (incident) t.incidents.set(incident, (t.incidents.get(incident) ?? 0) + minutes);
    if (repo !== null) t.repos.set(repo, (t.repos.get(repo) ?? 0) + minutes);
  };
  const flushPerson = (person: Person) => {
    if (scratch.size === 0) return;
    activePeople.set(person.key, person.mapped);
    for (const [t, ps] of scratch) {
      t.minutes += ps.minutes;
      t.cost += ps.cost;
      t.people.add(person.key);
      ps.bucket.people.add(person.key);
      if (ps.stage === 'review' && senior.has(person.level)) ps.bucket.seniorReviewMinutes += ps.minutes;
      const rates: Array<[RateLookup, { minutes: number; cost: number }]> = [
        [ps.rate, { minutes: ps.rateMinutes, cost: ps.rateCost }],
        ...(ps.more ?? []),
      ];
      for (const [r, v] of rates) {
        let rt = t.rates.get(r);
        if (!rt) {
          rt = {
            effectiveFrom: r.effectiveFrom,
            level: r.level,
            rate: r.rate,
            minutes: 0,
            cost: 0,
            people: new Set(),
          };
          t.rates.set(r, rt);
        }
        rt.minutes += v.minutes;
        rt.cost += v.cost;
        rt.people.add(person.key);
      }
    }
    scratch = new Map();
  };

  // ── events and sessions ────────────────────────────────────────────────────────────────
  const built = buildEvents(input, config, people, attribution);
  const counts: Record<string, number> = { ...built.counts, events: built.events.length, eventsInMonth: 0 };
  const eventsByPerson = new Map<string, EffortEvent[]>();
  // An event before the window (month start − look-back) or after the month can neither add
  // minutes to the month nor change the session of an event in it: leave it out.
  const windowStart = monthStart - lookbackMs;
  for (const e of built.events) {
    if (e.at < windowStart || e.at >= monthEnd) continue;
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
  const intervalsByPerson = groupIntervalsByPerson(intervals, people);

  const personKeys = [...new Set([...eventsByPerson.keys(), ...intervalsByPerson.keys()])].sort();
  for (const key of personKeys) {
    const own = intervalsByPerson.get(key);
    const union = own
      ? personIncidentTime(own.list, calendar, monthStart, monthEnd, (iv, day, minutes) =>
          contribute(
            attribution.forService(iv.serviceId),
            'incident',
            minutes,
            own.person,
            day,
            'incident',
            null,
            incidentById.get(iv.incidentId),
            null,
          ),
        )
      : [];

    const events = eventsByPerson.get(key);
    if (!events) {
      flushPerson(own!.person);
      continue;
    }
    sortEvents(events, windowStart);
    const starts = sessionStarts(events, config.model.session_gap_minutes, config.model.first_event_minutes);
    let j = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.at < monthStart || e.at >= monthEnd) continue;
      counts['eventsInMonth']!++;
      const s = starts[i]!;
      const t = e.at;
      let overlap = 0;
      while (j < union.length && union[j]![1] <= s) j++;
      for (let k = j; k < union.length && union[k]![0] < t; k++) {
        overlap += Math.max(0, Math.min(t, union[k]![1]) - Math.max(s, union[k]![0]));
      }
      const minutes = (t - s - overlap) / MINUTE;
      if (!(minutes > 0)) continue;
      const day = calendar.dayOf(e.at);
      const qaShare = e.stage === 'authoring' && e.pr ? e.pr.testShare : 0;
      for (let si = 0; si < e.shares.length; si++) {
        const share = e.shares[si]!;
        const m = minutes * share.weight;
        if (qaShare > 0) {
          contribute(
            share.productLine,
            'authoring',
            m * (1 - qaShare),
            e.person,
            day,
            e.kind,
            e.pr,
            undefined,
            e.repo,
          );
          contribute(
            share.productLine,
            'qa',
            m * qaShare,
            e.person,
            day,
            'qa_share',
            e.pr,
            undefined,
            e.repo,
          );
        } else {
          contribute(share.productLine, e.stage, m, e.person, day, e.kind, e.pr, undefined, e.repo);
        }
      }
    }
    flushPerson(events[0]!.person);
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

const top = <T>(
  entries: Array<{ key: string; minutes: number; value: T }>,
): Array<{ minutes: number; value: T }> =>
  entries
    .sort((a, b) => b.minutes - a.minutes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, EXPLAIN_TOP);

function explainStage(t: StageTrace): StageExplain {
  const activities: Record<string, number> = {};
  for (const k of [...t.activities.keys()].sort()) activities[k] = t.activities.get(k)!;
  return {
    hours: t.minutes / 60,
    laborCost: t.cost,
    people: t.people.size,
    activities,
    topPullRequests: top([...t.prs].map(([pr, minutes]) => ({ key: pr.key, minutes, value: pr }))).map(
      ({ minutes, value: p }) => ({ repo: p.repo, number: p.number, title: p.title, hours: minutes / 60 }),
    ),
    topIncidents: top([...t.incidents].map(([i, minutes]) => ({ key: i.id, minutes, value: i }))).map(
      ({ minutes, value: i }) => ({ id: i.id, number: i.number, title: i.title, hours: minutes / 60 }),
    ),
    topRepos: top([...t.repos].map(([repo, minutes]) => ({ key: repo, minutes, value: repo }))).map(
      ({ minutes, value }) => ({ repo: value, hours: minutes / 60 }),
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
