import type { Config } from '../config/schema.ts';
import { createAttribution } from './attribution.ts';
import { createCalendar } from './calendar.ts';
import {
  computeResponderIntervals,
  groupIntervalsByPerson,
  personIncidentTime,
} from './incident-intervals.ts';
import { type IncidentHours, weekStartOf } from './labor-spikes.ts';
import { createPeopleIndex } from './people.ts';
import type { ActivityInput } from './types.ts';

/**
 * The feed of labour-side spikes: incident hours per product line and local day, counted exactly
 * as the effort model counts `incident` hours (SPEC §4: responder intervals capped at
 * `incident_cap_hours`, a person's overlapping incidents sharing each minute, the product line of
 * the incident's service, days in `config.timezone`), and per ISO week what made them: the
 * incidents by hours and how many people responded. Pure: the window and `asOf` (the end of
 * still-open incidents) are parameters.
 */
export interface IncidentHoursOptions {
  /** Start of the window: only incident time at or after it counts (a local midnight). */
  from: Date;
  /** End of the window, exclusive. */
  to: Date;
  /** Open incidents run up to this instant. */
  asOf: Date;
}

export interface IncidentWeek {
  /** null = unallocated (a service no product line lists). */
  productLine: string | null;
  /** Monday of the ISO week, in config.timezone. */
  week: string;
  hours: number;
  /** Distinct people with incident time on the product line that week. */
  people: number;
  /** Every incident with time that week, most hours first (ties by id). */
  incidents: Array<{ id: string; number: number | null; title: string; hours: number }>;
}

export interface IncidentHoursResult {
  /** Hours per (product line, day), product lines in config order, days ascending. */
  days: IncidentHours[];
  /** Keyed by `incidentWeekKey(productLine, week)`. */
  weeks: Map<string, IncidentWeek>;
}

export function incidentWeekKey(productLine: string | null, week: string): string {
  return JSON.stringify([productLine, week]);
}

export function computeIncidentHours(
  input: Pick<ActivityInput, 'incidents' | 'logEntries' | 'pdUsers'>,
  config: Config,
  opts: IncidentHoursOptions,
): IncidentHoursResult {
  const fromMs = opts.from.getTime();
  const toMs = opts.to.getTime();
  const calendar = createCalendar(config.timezone, fromMs, toMs);
  const attribution = createAttribution(config);
  const people = createPeopleIndex(config, input.pdUsers);
  const intervals = computeResponderIntervals(input.incidents, input.logEntries, {
    capHours: config.model.incident_cap_hours,
    asOf: opts.asOf,
  });
  const incidentById = new Map(input.incidents.map((i) => [i.id, i]));

  const minutesByDay = new Map<string, { productLine: string | null; day: string; minutes: number }>();
  const weeks = new Map<
    string,
    { productLine: string | null; week: string; people: Set<string>; incidents: Map<string, number> }
  >();
  for (const [key, own] of [...groupIntervalsByPerson(intervals, people)].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  )) {
    personIncidentTime(own.list, calendar, fromMs, toMs, (iv, day, minutes) => {
      if (!(minutes > 0)) return;
      const productLine = attribution.forService(iv.serviceId);
      const dk = JSON.stringify([productLine, day]);
      const d = minutesByDay.get(dk);
      if (d) d.minutes += minutes;
      else minutesByDay.set(dk, { productLine, day, minutes });
      const week = weekStartOf(day);
      const wk = incidentWeekKey(productLine, week);
      let w = weeks.get(wk);
      if (!w) {
        w = { productLine, week, people: new Set(), incidents: new Map() };
        weeks.set(wk, w);
      }
      w.people.add(key);
      w.incidents.set(iv.incidentId, (w.incidents.get(iv.incidentId) ?? 0) + minutes);
    });
  }

  const days = [...minutesByDay.values()]
    .sort(
      (a, b) =>
        attribution.order(a.productLine) - attribution.order(b.productLine) ||
        (a.day < b.day ? -1 : a.day > b.day ? 1 : 0),
    )
    .map((d) => ({ productLine: d.productLine, day: d.day, hours: d.minutes / 60 }));
  const out = new Map<string, IncidentWeek>();
  for (const [k, w] of weeks) {
    const incidents = [...w.incidents]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([id, minutes]) => {
        const inc = incidentById.get(id);
        return { id, number: inc?.number ?? null, title: inc?.title ?? id, hours: minutes / 60 };
      });
    let minutes = 0;
    for (const m of w.incidents.values()) minutes += m;
    out.set(k, {
      productLine: w.productLine,
      week: w.week,
      hours: minutes / 60,
      people: w.people.size,
      incidents,
    });
  }
  return { days, weeks: out };
}
