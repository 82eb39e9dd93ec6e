import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import type { Db } from '../../src/db/connect.ts';
import { listPdIncidentsOverlapping } from '../../src/db/repos/pagerduty.ts';
import { createPagerDutyClient, type PagerDutyClient } from '../../src/ingest/pagerduty/client.ts';
import { isInputError } from '../../src/lib/errors.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { ingestPagerDuty } from '../../src/services/ingest-pagerduty.ts';
import {
  type FakePagerDuty,
  PAGERDUTY_TEST_CONFIG,
  pagerDutyTestAccount,
  pdLogEntry,
  startFakePagerDuty,
  userRef,
} from '../fakes/fake-pagerduty.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

const NOW = new Date('2026-11-23T10:00:00Z');

function depsFor(db: Db, now: Date, env: Record<string, string> = {}, extraConfig = ''): ServiceDeps {
  const { config, hash } = parseConfigText(PAGERDUTY_TEST_CONFIG + extraConfig, 'finops.yml');
  return { db, config, configHash: hash, logger: silentLogger, now: () => now, env, dataDir: '/nonexistent' };
}

/** Everything the ingestion writes, in a stable order, for before/after comparisons. */
async function dump(db: Db) {
  return {
    incidents: await db.selectFrom('pdIncident').selectAll().orderBy('id').execute(),
    logEntries: await db.selectFrom('pdLogEntry').selectAll().orderBy('id').execute(),
    users: await db.selectFrom('pdUser').selectAll().orderBy('id').execute(),
    cursors: await db.selectFrom('ingestCursor').selectAll().orderBy('scope').execute(),
  };
}

describe.each(backends())('PagerDuty ingestion on %s', (backend) => {
  let h: TestDb;
  let fake: FakePagerDuty;
  let client: PagerDutyClient;
  let waits: number[];

  beforeEach(async () => {
    h = await createTestDb(backend);
    fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
    waits = [];
    client = createPagerDutyClient({
      token: fake.token,
      host: fake.host,
      sleep: async (ms) => void waits.push(ms),
    });
  });

  afterEach(async () => {
    client.close();
    await fake.close();
    await h.close();
  });

  it('stores incidents, log entries and users, timestamps as UTC instants, and records the run', async () => {
    const r = await ingestPagerDuty(depsFor(h.db, NOW), { client });
    const d = await dump(h.db);

    expect(d.incidents).toEqual([
      {
        id: 'PINC001',
        number: 101,
        serviceId: 'PSVC001',
        title: 'Incident 101',
        status: 'resolved',
        urgency: 'high',
        priority: 'P1',
        createdAt: new Date('2026-10-31T22:50:00Z'),
        updatedAt: new Date('2026-11-01T00:40:00Z'),
        resolvedAt: new Date('2026-11-01T00:40:00Z'),
      },
      {
        id: 'PINC002',
        number: 102,
        serviceId: 'PSVC001',
        title: 'Incident 102',
        status: 'acknowledged',
        urgency: 'low',
        priority: 'P2',
        createdAt: new Date('2026-11-20T13:00:00Z'),
        updatedAt: new Date('2026-11-20T13:00:00Z'),
        resolvedAt: null,
      },
      {
        id: 'PINC003',
        number: 7,
        serviceId: 'PSVC002',
        title: 'Incident 7',
        status: 'resolved',
        urgency: 'high',
        priority: null,
        createdAt: new Date('2026-11-02T09:00:00Z'),
        updatedAt: new Date('2026-11-02T10:00:00Z'),
        resolvedAt: new Date('2026-11-02T10:00:00Z'),
      },
    ]);

    const log = (incidentId: string) =>
      d.logEntries
        .filter((e) => e.incidentId === incidentId)
        .sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || x.id.localeCompare(y.id))
        .map((e) => [
          e.id,
          e.type,
          e.createdAt.toISOString(),
          e.agentId,
          e.agentType,
          e.assigneeIds,
          e.unassignedIds,
        ]);
    expect(log('PINC001')).toEqual([
      ['R1-0', 'trigger_log_entry', '2026-10-31T22:50:00.000Z', 'PSVC001', 'service_reference', [], []],
      [
        'R1-1',
        'assign_log_entry',
        '2026-10-31T22:50:00.000Z',
        'PSVC001',
        'service_reference',
        ['PADA001'],
        [],
      ],
      ['R1-2', 'acknowledge_log_entry', '2026-10-31T23:05:00.000Z', 'PADA001', 'user_reference', [], []],
      ['R1-3', 'annotate_log_entry', '2026-10-31T23:20:00.000Z', 'PGONE3', 'user_reference', [], []],
      // Ada reassigns to Grace at 00:00 UTC: she is reassigned away there.
      [
        'R1-4',
        'assign_log_entry',
        '2026-11-01T00:00:00.000Z',
        'PADA001',
        'user_reference',
        ['PGRACE2'],
        ['PADA001'],
      ],
      ['R1-6', 'resolve_log_entry', '2026-11-01T00:40:00.000Z', 'PGRACE2', 'user_reference', [], []],
    ]);
    expect(log('PINC003')).toEqual([
      ['R3-0', 'trigger_log_entry', '2026-11-02T09:00:00.000Z', 'PSVC002', 'service_reference', [], []],
      ['R3-1', 'resolve_log_entry', '2026-11-02T10:00:00.000Z', 'PSVC002', 'service_reference', [], []],
    ]);
    expect(d.logEntries).toHaveLength(11);

    // The deleted annotator is kept by id with the name the log showed.
    expect(d.users).toEqual([
      { id: 'PADA001', email: 'ada@example.com', name: 'Ada Lovelace' },
      { id: 'PGONE3', email: null, name: 'Former Engineer' },
      { id: 'PGRACE2', email: 'grace@example.com', name: 'Grace Hopper' },
      { id: 'PKYLER4', email: 'kyler@example.com', name: 'Kyler Kuhn' },
    ]);
    expect(d.cursors.map((c) => [c.source, c.scope, c.stream, c.cursor])).toEqual([
      ['pagerduty', 'PSVC001', 'incidents', NOW.toISOString()],
      ['pagerduty', 'PSVC002', 'incidents', NOW.toISOString()],
    ]);

    // Responders: Ada, Grace (assigned), Former Engineer (annotated), Kyler; two match no person.
    expect(r.unmappedResponders.map((u) => u.id)).toEqual(['PGONE3', 'PKYLER4']);
    const expectedStats = {
      services: 2,
      windows: 2,
      incidentsRead: 3,
      incidentsStored: 3,
      incidentsUnchanged: 0,
      openReread: 0,
      openGone: 0,
      logEntriesStored: 11,
      users: 3,
      usersMapped: 2,
      usersKeptFromLog: 1,
      responders: 4,
      respondersUnmapped: 2,
      // 2 services + 1 users page + 2 incident lists + 3 log lists
      requests: 8,
      rateLimited: 0,
      rateLimitWaitMs: 0,
    };
    expect(r.stats).toEqual(expectedStats);
    expect(r.services).toEqual([
      {
        serviceId: 'PSVC001',
        productLine: 'checkout',
        name: 'Checkout API',
        from: new Date('2026-05-27T10:00:00Z'),
        to: NOW,
        windows: 1,
        incidents: 2,
      },
      {
        serviceId: 'PSVC002',
        productLine: 'search',
        name: 'Search',
        from: new Date('2026-05-27T10:00:00Z'),
        to: NOW,
        windows: 1,
        incidents: 1,
      },
    ]);
    const runs = await h.db.selectFrom('ingestRun').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: r.runId,
      source: 'pagerduty',
      status: 'succeeded',
      error: null,
      stats: expectedStats,
      startedAt: NOW,
      finishedAt: NOW,
    });
    const lists = fake.requestsTo('/incidents');
    expect(
      lists.map((q) => [q.query['service_ids[]'], q.query['since'], q.query['until'], q.query['sort_by']]),
    ).toEqual([
      [['PSVC001'], ['2026-05-27T10:00:00.000Z'], [NOW.toISOString()], ['created_at:asc']],
      [['PSVC002'], ['2026-05-27T10:00:00.000Z'], [NOW.toISOString()], ['created_at:asc']],
    ]);
    expect(fake.unknown).toEqual([]);

    // What the interval model reads for November in Berlin: the month-end incident and the rest.
    const nov = await listPdIncidentsOverlapping(h.db, {
      start: new Date('2026-10-31T23:00:00Z'),
      end: new Date('2026-11-30T23:00:00Z'),
      serviceIds: ['PSVC001'],
    });
    expect(nov.map((x) => [x.incident.id, x.logEntries.length])).toEqual([
      ['PINC001', 6],
      ['PINC002', 3],
    ]);
    expect(nov[0]!.logEntries[4]).toEqual({
      id: 'R1-4',
      incidentId: 'PINC001',
      type: 'assign_log_entry',
      agentId: 'PADA001',
      agentType: 'user_reference',
      assigneeIds: ['PGRACE2'],
      unassignedIds: ['PADA001'],
      createdAt: new Date('2026-11-01T00:00:00Z'),
      summary: 'assign',
    });
  });

  it('stores nothing twice and re-reads an open incident until it is resolved', async () => {
    await ingestPagerDuty(depsFor(h.db, NOW), { client });
    const first = await dump(h.db);
    const later = new Date('2026-11-23T11:00:00Z');

    fake.requests.length = 0;
    const again = await ingestPagerDuty(depsFor(h.db, later), { client });
    const second = await dump(h.db);
    expect(second.incidents).toEqual(first.incidents);
    expect(second.logEntries).toEqual(first.logEntries);
    expect(second.users).toEqual(first.users);
    expect(second.cursors.map((c) => c.cursor)).toEqual([later.toISOString(), later.toISOString()]);
    expect(again.stats).toMatchObject({
      openReread: 1,
      incidentsRead: 1,
      incidentsStored: 1,
      logEntriesStored: 3,
    });
    // The open incident is read by id, and the windows start 10 minutes before the cursor.
    expect(fake.requests.map((q) => q.path)).toEqual([
      '/services/PSVC001',
      '/services/PSVC002',
      '/users',
      '/incidents/PINC002',
      '/incidents/PINC002/log_entries',
      '/incidents',
      '/incidents',
    ]);
    expect(fake.requestsTo('/incidents')[0]!.query['since']).toEqual(['2026-11-23T09:50:00.000Z']);

    // PagerDuty resolves it; the next run stores that, the one after stops asking.
    const inc = fake.data.incidents.find((i) => i['id'] === 'PINC002')!;
    Object.assign(inc, {
      status: 'resolved',
      resolved_at: '2026-11-23T12:30:00+01:00',
      updated_at: '2026-11-23T11:30:00Z',
    });
    fake.data.logEntries['PINC002']!.unshift(
      pdLogEntry({
        id: 'R2-3',
        type: 'resolve_log_entry',
        incidentId: 'PINC002',
        createdAt: '2026-11-23T11:30:00Z',
        agent: userRef('PKYLER4'),
      }),
    );
    await ingestPagerDuty(depsFor(h.db, new Date('2026-11-23T12:00:00Z')), { client });
    const resolved = await h.db
      .selectFrom('pdIncident')
      .selectAll()
      .where('id', '=', 'PINC002')
      .executeTakeFirstOrThrow();
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: new Date('2026-11-23T11:30:00Z') });
    expect(
      await h.db.selectFrom('pdLogEntry').select('id').where('incidentId', '=', 'PINC002').execute(),
    ).toHaveLength(4);

    fake.requests.length = 0;
    const quiet = await ingestPagerDuty(depsFor(h.db, new Date('2026-11-23T13:00:00Z')), { client });
    expect(fake.requestsTo(/^\/incidents\/PINC002/)).toEqual([]);
    expect(quiet.stats).toMatchObject({ openReread: 0, incidentsStored: 0 });
    expect(await h.db.selectFrom('ingestRun').select('status').execute()).toEqual([
      { status: 'succeeded' },
      { status: 'succeeded' },
      { status: 'succeeded' },
      { status: 'succeeded' },
    ]);
  });

  it('an interrupted run, run again, ends with the same rows as one clean run', async () => {
    // The second service's log entries fail with a 500 half-way through.
    fake.fail({ path: '/incidents/PINC003/log_entries', status: 500 });
    const err = await ingestPagerDuty(depsFor(h.db, NOW), { client }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'PagerDuty GET /incidents/PINC003/log_entries: 500 Internal Server Error (code 2001)',
    );
    const failed = await h.db.selectFrom('ingestRun').selectAll().executeTakeFirstOrThrow();
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'PagerDuty GET /incidents/PINC003/log_entries: 500 Internal Server Error (code 2001)',
    });
    expect(failed.stats).toMatchObject({ incidentsStored: 2 });
    // The first service's window finished; the second's cursor did not move.
    expect((await dump(h.db)).cursors.map((c) => c.scope)).toEqual(['PSVC001']);
    expect(await h.db.selectFrom('pdIncident').select('id').where('id', '=', 'PINC003').execute()).toEqual(
      [],
    );

    await ingestPagerDuty(depsFor(h.db, NOW), { client });
    const resumed = await dump(h.db);

    const clean = await createTestDb(backend);
    try {
      await ingestPagerDuty(depsFor(clean.db, NOW), { client });
      expect(resumed).toEqual(await dump(clean.db));
    } finally {
      await clean.close();
    }
  });

  it('waits out a 429 with the injected sleep and records the wait on the run', async () => {
    fake.fail({ path: '/incidents', status: 429, headers: { 'ratelimit-reset': '3' } });
    const r = await ingestPagerDuty(depsFor(h.db, NOW), { client });
    expect(waits).toEqual([3000]);
    expect(r.stats).toMatchObject({ rateLimited: 1, rateLimitWaitMs: 3000, requests: 9, incidentsStored: 3 });
    expect(fake.requestsTo('/incidents').map((q) => q.status)).toEqual([429, 200, 200]);
  });

  it('reads a long backfill in windows of at most 180 days, each from where the last ended', async () => {
    await ingestPagerDuty(depsFor(h.db, NOW), { client, since: new Date('2025-10-01T00:00:00Z') });
    const windows = fake
      .requestsTo('/incidents')
      .filter((q) => q.query['service_ids[]']?.[0] === 'PSVC001')
      .map((q) => [q.query['since']![0]!, q.query['until']![0]!]);
    expect(windows).toEqual([
      ['2025-10-01T00:00:00.000Z', '2026-03-30T00:00:00.000Z'],
      ['2026-03-30T00:00:00.000Z', '2026-09-26T00:00:00.000Z'],
      ['2026-09-26T00:00:00.000Z', NOW.toISOString()],
    ]);
    expect(await h.db.selectFrom('pdIncident').select('id').orderBy('id').execute()).toEqual([
      { id: 'PINC001' },
      { id: 'PINC002' },
      { id: 'PINC003' },
      { id: 'PINC004' },
    ]);
  });

  it('refuses an unknown service id, a refused token or a missing token before writing anything', async () => {
    fake.data.services = fake.data.services.filter((s) => s['id'] !== 'PSVC002');
    const unknown = await ingestPagerDuty(depsFor(h.db, NOW), { client }).catch((e: unknown) => e);
    expect(isInputError(unknown)).toBe(true);
    expect((unknown as Error).message).toBe(
      'product_lines[1].pagerduty_services[0]: PagerDuty has no service "PSVC002" ' +
        "(PagerDuty GET /services/PSVC002: 404 Not Found (code 2100)); fix the id in the config (PagerDuty shows it in the service's URL)",
    );

    const wrong = createPagerDutyClient({ token: 'revoked', host: fake.host });
    try {
      const refused = await ingestPagerDuty(depsFor(h.db, NOW), { client: wrong }).catch((e: unknown) => e);
      expect(isInputError(refused)).toBe(true);
      expect((refused as Error).message).toBe(
        'PagerDuty GET /services/PSVC001: 401 Unauthorized (code 2006); PagerDuty refused the token in PAGERDUTY_TOKEN: set PAGERDUTY_TOKEN to a valid REST API key',
      );
    } finally {
      wrong.close();
    }

    const missing = await ingestPagerDuty(depsFor(h.db, NOW)).catch((e: unknown) => e);
    expect(isInputError(missing)).toBe(true);
    expect((missing as Error).message).toBe(
      'PAGERDUTY_TOKEN is not set: export a PagerDuty REST API key (read-only is enough) in PAGERDUTY_TOKEN',
    );

    expect(await dump(h.db)).toEqual({ incidents: [], logEntries: [], users: [], cursors: [] });
    expect(await h.db.selectFrom('ingestRun').selectAll().execute()).toEqual([]);
  });

  it('builds its own client from the env: the token variable the config names and PAGERDUTY_API_HOST', async () => {
    const named = 'sources:\n  pagerduty: { token_env: PD_READ_KEY }\n';
    const missing = await ingestPagerDuty(depsFor(h.db, NOW, { PAGERDUTY_TOKEN: fake.token }, named)).catch(
      (e: unknown) => e,
    );
    expect((missing as Error).message).toBe(
      'PD_READ_KEY is not set: export a PagerDuty REST API key (read-only is enough) in PD_READ_KEY (named by sources.pagerduty.token_env)',
    );
    const r = await ingestPagerDuty(
      depsFor(h.db, NOW, { PD_READ_KEY: fake.token, PAGERDUTY_API_HOST: fake.host }, named),
    );
    expect(r.stats.incidentsStored).toBe(3);
    expect(new Set(fake.requests.map((q) => q.authorization))).toEqual(
      new Set([`Token token=${fake.token}`]),
    );
  });
});
