import { OffsetCapError, type PagerDutyClient } from './client.ts';
import { parseInstant } from './map.ts';
import type { PdIncidentPayload, PdLogEntryPayload, PdServicePayload, PdUserPayload } from './payloads.ts';

/**
 * The paginated reads of the PagerDuty REST API this product makes. The API accepts an incident
 * date range of at most 6 months; 180 days is shorter than any 6 calendar months.
 */
export const MAX_WINDOW_DAYS = 180;
const DAY_MS = 86_400_000;

export interface TimeWindow {
  since: Date;
  until: Date;
}

/** [since, until) cut into consecutive windows of at most `maxDays` days. Empty when since ≥ until. */
export function timeWindows(since: Date, until: Date, maxDays = MAX_WINDOW_DAYS): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const step = maxDays * DAY_MS;
  for (let start = since.getTime(); start < until.getTime(); start += step) {
    windows.push({ since: new Date(start), until: new Date(Math.min(start + step, until.getTime())) });
  }
  return windows;
}

export async function fetchService(client: PagerDutyClient, id: string): Promise<PdServicePayload> {
  const body = await client.get<{ service?: PdServicePayload }>(`/services/${encodeURIComponent(id)}`);
  return body.service ?? {};
}

export async function fetchIncident(client: PagerDutyClient, id: string): Promise<PdIncidentPayload> {
  const body = await client.get<{ incident?: PdIncidentPayload }>(`/incidents/${encodeURIComponent(id)}`, {
    time_zone: 'UTC',
  });
  return body.incident ?? {};
}

/**
 * The incidents of one service created in a window, oldest first, page by page. When a window
 * holds more than the offset cap allows, reading goes on from the creation time of the last
 * incident read (the overlap is the same incidents again, which the caller dedupes by id).
 */
export async function* incidentPages(
  client: PagerDutyClient,
  serviceId: string,
  window: TimeWindow,
): AsyncGenerator<PdIncidentPayload[], void, undefined> {
  let since = window.since;
  for (;;) {
    let last: Date | undefined;
    try {
      const pages = client.pages<PdIncidentPayload>('/incidents', 'incidents', {
        'service_ids[]': [serviceId],
        since: since.toISOString(),
        until: window.until.toISOString(),
        sort_by: 'created_at:asc',
        time_zone: 'UTC',
      });
      for await (const page of pages) {
        yield page;
        const tail = page[page.length - 1];
        if (tail) last = parseInstant(tail.created_at, 'incidents[].created_at');
      }
      return;
    } catch (err) {
      // Only a cap reached after progress can be resumed; otherwise the same request would repeat.
      if (!(err instanceof OffsetCapError) || last === undefined || last.getTime() <= since.getTime())
        throw err;
      since = last;
    }
  }
}

/** Every log entry of one incident (PagerDuty may omit the pagination fields here). */
export async function fetchLogEntries(
  client: PagerDutyClient,
  incidentId: string,
): Promise<PdLogEntryPayload[]> {
  const all: PdLogEntryPayload[] = [];
  const path = `/incidents/${encodeURIComponent(incidentId)}/log_entries`;
  for await (const page of client.pages<PdLogEntryPayload>(path, 'log_entries', {
    is_overview: false,
    time_zone: 'UTC',
  })) {
    all.push(...page);
  }
  return all;
}

export function userPages(client: PagerDutyClient): AsyncGenerator<PdUserPayload[], void, undefined> {
  return client.pages<PdUserPayload>('/users', 'users');
}
