import type { Config } from '../config/schema.ts';
import {
  finishIngestRun,
  insertPdUsersIfMissing,
  listOpenPdIncidentIds,
  listPdUsers,
  PAGERDUTY_SOURCE,
  readIngestCursor,
  savePdIncident,
  startIngestRun,
  storedPdIncidentStatuses,
  upsertPdUsers,
  writeIngestCursor,
} from '../db/repos/pagerduty.ts';
import {
  createPagerDutyClient,
  type PagerDutyClient,
  PagerDutyApiError,
} from '../ingest/pagerduty/client.ts';
import {
  isMappedUser,
  mapIncident,
  mapLogEntries,
  mapUser,
  type PdUserRow,
  peopleByEmail,
  referencedUsers,
  responderIds,
} from '../ingest/pagerduty/map.ts';
import type { PdIncidentPayload } from '../ingest/pagerduty/payloads.ts';
import {
  fetchIncident,
  fetchLogEntries,
  fetchService,
  incidentPages,
  MAX_WINDOW_DAYS,
  timeWindows,
  userPages,
} from '../ingest/pagerduty/reads.ts';
import { errorLine, FinopsError, InputError } from '../lib/errors.ts';
import type { OnProgress } from '../lib/progress.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * One incremental PagerDuty ingestion: the incidents of the services named in
 * `product_lines[].pagerduty_services`, their log entries and the account's users.
 *
 * - Per service, a cursor in ingest_cursor (`pagerduty` / service id / `incidents`) holds the end
 *   of the last window read completely. The next run reads incidents created from a little
 *   before it (clock skew between us and PagerDuty) up to now, in windows of at most 180 days.
 * - Incidents stored as not yet resolved are read again on every run until PagerDuty says they
 *   are resolved: their status, resolved_at and log change while they are open.
 * - Each incident is written with all its log entries in one transaction, and a cursor moves only
 *   after its whole window is stored; writes are upserts by PagerDuty id. So a second run stores
 *   nothing twice, and a run that stops half-way and is run again ends with the same rows.
 * - Config problems (no token, a service id PagerDuty does not know, a token it refuses) are
 *   found before anything is written.
 */

export interface IngestPagerDutyOptions {
  /** A ready client (tests pass one with a recording sleep); otherwise built from the env. */
  client?: PagerDutyClient;
  /** Where reading starts, instead of the cursor (or, without one, 180 days back). */
  since?: Date;
  signal?: AbortSignal;
  /** Told as services are read and incidents stored (the CLI shows it as progress). */
  onProgress?: OnProgress;
}

export interface PagerDutyServiceSummary {
  serviceId: string;
  productLine: string;
  name: string | null;
  from: Date;
  to: Date;
  windows: number;
  incidents: number;
}

export interface IngestPagerDutyStats {
  services: number;
  windows: number;
  /** Distinct incidents PagerDuty returned in this run (windows and open re-reads). */
  incidentsRead: number;
  /** Incidents written with their log entries (new, open, or resolved since the last run). */
  incidentsStored: number;
  /** Incidents already stored as resolved and returned again by an overlapping window: left as they are. */
  incidentsUnchanged: number;
  /** Stored open incidents read again. */
  openReread: number;
  /** Stored open incidents PagerDuty no longer has (404). */
  openGone: number;
  logEntriesStored: number;
  users: number;
  usersMapped: number;
  /** Users named by a log entry whom /users did not list (deleted accounts): kept by id and name. */
  usersKeptFromLog: number;
  responders: number;
  respondersUnmapped: number;
  requests: number;
  rateLimited: number;
  rateLimitWaitMs: number;
}

export interface IngestPagerDutyResult {
  runId: number;
  services: PagerDutyServiceSummary[];
  stats: IngestPagerDutyStats;
  /** Responders of this run's incidents whose email matches no entry of `people`. */
  unmappedResponders: PdUserRow[];
}

interface ConfiguredService {
  serviceId: string;
  productLine: string;
  /** Where the id is in finops.yml, for error messages. */
  path: string;
}

const STREAM = 'incidents';
/** Re-read this much before the cursor: our clock and PagerDuty's may disagree a little. */
const CURSOR_OVERLAP_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/** The services the config names, each with its product line; a service may belong to one line only. */
export function configuredPagerDutyServices(config: Config): ConfiguredService[] {
  const out: ConfiguredService[] = [];
  const seen = new Map<string, string>();
  config.product_lines.forEach((pl, i) => {
    pl.pagerduty_services.forEach((serviceId, j) => {
      const path = `product_lines[${i}].pagerduty_services[${j}]`;
      const first = seen.get(serviceId);
      if (first !== undefined) {
        throw new InputError(
          'duplicate_pagerduty_service',
          `${path}: service "${serviceId}" is already listed at ${first}; an incident's hours go to one product line, so list each service once`,
        );
      }
      seen.set(serviceId, path);
      out.push({ serviceId, productLine: pl.id, path });
    });
  });
  return out;
}

export function pagerDutyTokenEnv(config: Config): string {
  return config.sources.pagerduty?.token_env ?? 'PAGERDUTY_TOKEN';
}

export function missingTokenError(tokenEnv: string): InputError {
  return new InputError(
    'missing_token',
    `${tokenEnv} is not set: export a PagerDuty REST API key (read-only is enough) in ${tokenEnv}` +
      (tokenEnv === 'PAGERDUTY_TOKEN' ? '' : ' (named by sources.pagerduty.token_env)'),
  );
}

export async function ingestPagerDuty(
  deps: ServiceDeps,
  opts: IngestPagerDutyOptions = {},
): Promise<IngestPagerDutyResult> {
  const { config, logger } = deps;
  const services = configuredPagerDutyServices(config);
  if (services.length === 0) {
    throw new InputError(
      'no_pagerduty_services',
      'no product line lists pagerduty_services: add the PagerDuty service ids to product_lines[].pagerduty_services in the config',
    );
  }
  const tokenEnv = pagerDutyTokenEnv(config);
  let client = opts.client;
  let ownClient = false;
  if (!client) {
    const token = deps.env[tokenEnv]?.trim();
    if (!token) throw missingTokenError(tokenEnv);
    client = createPagerDutyClient({ token, host: deps.env['PAGERDUTY_API_HOST'] });
    ownClient = true;
  }
  try {
    return await run(deps, client, services, tokenEnv, opts);
  } catch (err) {
    throw asInputError(err, tokenEnv);
  } finally {
    if (ownClient) client.close();
    logger.debug('pagerduty client', { ...client.stats });
  }
}

async function run(
  deps: ServiceDeps,
  client: PagerDutyClient,
  services: ConfiguredService[],
  tokenEnv: string,
  opts: IngestPagerDutyOptions,
): Promise<IngestPagerDutyResult> {
  const { db, config, logger } = deps;
  const now = deps.now();
  // A client may serve several runs: count this run's requests only, the checks below included.
  const base = { ...client.stats };

  // Before anything is written: every service id must exist, and the token must be accepted.
  const names = new Map<string, string | null>();
  for (const s of services) {
    try {
      const service = await fetchService(client, s.serviceId);
      names.set(s.serviceId, service.name ?? service.summary ?? null);
    } catch (err) {
      if (err instanceof PagerDutyApiError && err.status === 404) {
        throw new InputError(
          'unknown_pagerduty_service',
          `${s.path}: PagerDuty has no service "${s.serviceId}" (${err.message}); fix the id in the config (PagerDuty shows it in the service's URL)`,
        );
      }
      throw err;
    }
  }

  const stats: IngestPagerDutyStats = {
    services: services.length,
    windows: 0,
    incidentsRead: 0,
    incidentsStored: 0,
    incidentsUnchanged: 0,
    openReread: 0,
    openGone: 0,
    logEntriesStored: 0,
    users: 0,
    usersMapped: 0,
    usersKeptFromLog: 0,
    responders: 0,
    respondersUnmapped: 0,
    requests: 0,
    rateLimited: 0,
    rateLimitWaitMs: 0,
  };
  const summaries: PagerDutyServiceSummary[] = [];
  const countRequests = () => {
    stats.requests = client.stats.requests - base.requests;
    stats.rateLimited = client.stats.rateLimited - base.rateLimited;
    stats.rateLimitWaitMs = client.stats.rateLimitWaitMs - base.rateLimitWaitMs;
  };
  const runId = await startIngestRun(db, PAGERDUTY_SOURCE, now);
  const byEmail = peopleByEmail(config.people);
  const done = new Set<string>();
  const responders = new Set<string>();
  let servicesDone = 0;
  const tell = (detail: string) =>
    opts.onProgress?.({
      unit: 'services',
      done: servicesDone,
      total: services.length,
      detail: `${detail} · ${stats.incidentsStored} incidents stored`,
    });
  const checkAbort = () => {
    if (opts.signal?.aborted)
      throw new FinopsError('aborted', 'PagerDuty ingestion stopped before it finished');
  };

  /** Reads the log of one incident and stores both, unless it is already stored as resolved. */
  const processIncident = async (
    payload: PdIncidentPayload,
    stored: ReadonlyMap<string, string>,
    where: string,
  ) => {
    const id = payload.id;
    if (typeof id !== 'string' || id === '') {
      throw new FinopsError('pagerduty_payload', `unexpected PagerDuty payload at ${where}.id: missing id`);
    }
    if (done.has(id)) return;
    done.add(id);
    stats.incidentsRead += 1;
    // A resolved incident never changes again; notes added afterwards are not incident response.
    if (stored.get(id) === 'resolved' && payload.status === 'resolved') {
      stats.incidentsUnchanged += 1;
      return;
    }
    checkAbort();
    const logPayloads = await fetchLogEntries(client, id);
    const entries = mapLogEntries(logPayloads, id, `incidents/${id}/log_entries`);
    const incident = mapIncident(payload, where, entries);
    // Users the log names but /users did not list (deleted accounts) are kept with the incident,
    // so a run that stops after this incident has stored them too.
    const kept = await db.transaction().execute(async (trx) => {
      await savePdIncident(trx, incident, entries);
      return insertPdUsersIfMissing(trx, referencedUsers(logPayloads));
    });
    stats.incidentsStored += 1;
    stats.logEntriesStored += entries.length;
    tell(id);
    stats.usersKeptFromLog += kept;
    for (const r of responderIds(entries)) responders.add(r);
  };

  try {
    // Users first: responders are matched to people by the email PagerDuty has for them.
    let userIndex = 0;
    for await (const page of userPages(client)) {
      const users = page.map((u) => mapUser(u, `users[${userIndex++}]`));
      await upsertPdUsers(db, users);
      stats.users += users.length;
      stats.usersMapped += users.filter((u) => isMappedUser(u, byEmail)).length;
    }

    // Open incidents stored by earlier runs, read again until PagerDuty resolves them.
    const openIds = await listOpenPdIncidentIds(
      db,
      services.map((s) => s.serviceId),
    );
    const openStored = new Map(openIds.map((id) => [id, 'open']));
    for (const id of openIds) {
      checkAbort();
      let payload: PdIncidentPayload;
      try {
        payload = await fetchIncident(client, id);
      } catch (err) {
        if (err instanceof PagerDutyApiError && err.status === 404) {
          stats.openGone += 1;
          logger.warn('pagerduty incident no longer exists; kept as last read', { incident: id });
          continue;
        }
        throw err;
      }
      stats.openReread += 1;
      await processIncident(payload, openStored, `incidents/${id}`);
    }

    // New incidents per service, window by window from the cursor.
    for (const s of services) {
      const key = { source: PAGERDUTY_SOURCE, scope: s.serviceId, stream: STREAM };
      const cursor = await readIngestCursor(db, key.source, key.scope, key.stream);
      const from =
        opts.since ??
        (cursor !== null && !Number.isNaN(Date.parse(cursor))
          ? new Date(Date.parse(cursor) - CURSOR_OVERLAP_MS)
          : new Date(now.getTime() - MAX_WINDOW_DAYS * DAY_MS));
      const windows = timeWindows(from, now);
      const summary: PagerDutyServiceSummary = {
        serviceId: s.serviceId,
        productLine: s.productLine,
        name: names.get(s.serviceId) ?? null,
        from,
        to: now,
        windows: windows.length,
        incidents: 0,
      };
      summaries.push(summary);
      for (const w of windows) {
        let index = 0;
        for await (const page of incidentPages(client, s.serviceId, w)) {
          const stored = await storedPdIncidentStatuses(
            db,
            page.map((p) => p.id).filter((id): id is string => typeof id === 'string'),
          );
          for (const payload of page) {
            const before = done.size;
            await processIncident(payload, stored, `incidents[${index++}]`);
            if (done.size > before) summary.incidents += 1;
          }
        }
        await writeIngestCursor(db, key, w.until.toISOString(), now);
        stats.windows += 1;
      }
      servicesDone += 1;
      tell(s.serviceId);
      logger.info('pagerduty service read', {
        service: s.serviceId,
        productLine: s.productLine,
        incidents: summary.incidents,
      });
    }

    // Responders whose PagerDuty email matches no person are counted (and listed by the CLI).
    const responderRows = await listPdUsers(db, [...responders]);
    const unmapped = responderRows.filter((u) => !isMappedUser(u, byEmail));
    stats.responders = responderRows.length;
    stats.respondersUnmapped = unmapped.length;
    countRequests();
    await finishIngestRun(db, runId, { status: 'succeeded', finishedAt: deps.now(), stats: { ...stats } });
    return { runId, services: summaries, stats, unmappedResponders: unmapped };
  } catch (err) {
    countRequests();
    const failed = asInputError(err, tokenEnv);
    await finishIngestRun(db, runId, {
      status: 'failed',
      finishedAt: deps.now(),
      stats: { ...stats },
      error: errorLine(failed),
    }).catch((e: unknown) => logger.error('could not record the failed ingest run', { error: e }));
    throw failed;
  }
}

/** A refused token is a config problem (exit 2), wherever in the run PagerDuty says so. */
function asInputError(err: unknown, tokenEnv: string): unknown {
  if (!(err instanceof PagerDutyApiError) || (err.status !== 401 && err.status !== 403)) return err;
  const fix =
    err.status === 401
      ? `PagerDuty refused the token in ${tokenEnv}: set ${tokenEnv} to a valid REST API key`
      : `the token in ${tokenEnv} may not read this: use a REST API key with read access`;
  return new InputError(
    err.status === 401 ? 'pagerduty_unauthorized' : 'pagerduty_forbidden',
    `${err.message}; ${fix}`,
    {
      cause: err,
    },
  );
}
