import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { ingestPagerDutyJob } from '../../src/jobs/ingest-pagerduty.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import {
  type FakePagerDuty,
  PAGERDUTY_TEST_CONFIG,
  pagerDutyTestAccount,
  startFakePagerDuty,
} from '../fakes/fake-pagerduty.ts';
import { runFinops } from '../support/cli.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

/** `finops ingest pagerduty` as a person runs it: the real binary, against the TLS fake. */
describe.each(backends())('finops ingest pagerduty on %s', (backend) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-pd-cli-'));
  const config = path.join(dir, 'finops.yml');
  let db: TestDb | undefined;
  let fake: FakePagerDuty;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    writeFileSync(config, PAGERDUTY_TEST_CONFIG);
    if (backend === 'postgres') db = await createTestDb('postgres');
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
    env = {
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: db?.url,
      PAGERDUTY_TOKEN: fake.token,
      PAGERDUTY_API_HOST: fake.host,
      // The child process must trust the fake's test certificate too.
      NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'],
    };
  });
  afterEach(async () => {
    await fake.close();
  });

  it('prints what it did, and a second run stores nothing new', async () => {
    const r = await runFinops(['ingest', 'pagerduty', '--since', '2026-06-01'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`PagerDuty (${fake.host}): ingest run 1 succeeded`);
    expect(lines[1]).toMatch(
      /^ {2}checkout PSVC001 "Checkout API": 2 incident\(s\) created 2026-05-31T22:00:00\.000Z … \S+ \(\d window\(s\)\)$/,
    );
    expect(lines[2]).toMatch(
      /^ {2}search PSVC002 "Search": 1 incident\(s\) created 2026-05-31T22:00:00\.000Z … /,
    );
    expect(lines.slice(3)).toEqual([
      '  incidents: 3 read, 3 stored with 11 log entries, 0 already resolved; 0 open one(s) re-read',
      '  users: 3 (2 mapped to people by email, 1 known only from log entries); responders: 4, 2 not in people: Former Engineer (no email), Kyler Kuhn (kyler@example.com)',
      expect.stringMatching(/^ {2}requests: \d+$/),
    ]);

    const again = await runFinops(['ingest', 'pagerduty'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ingest run 2 succeeded');
    expect(again.stdout).toContain(
      '  incidents: 1 read, 1 stored with 3 log entries, 0 already resolved; 1 open one(s) re-read',
    );
  });
});

/** Config problems end the same way on every backend: one line on stderr, exit 2. */
describe('finops ingest pagerduty with bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-pd-cli-bad-'));
  const config = path.join(dir, 'finops.yml');
  let fake: FakePagerDuty;
  let env: Record<string, string | undefined>;

  beforeEach(async () => {
    writeFileSync(config, PAGERDUTY_TEST_CONFIG);
    fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
    env = {
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      PAGERDUTY_TOKEN: fake.token,
      PAGERDUTY_API_HOST: fake.host,
      NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'],
    };
  });
  afterEach(async () => {
    await fake.close();
  });

  it('exits 2 with one line for a missing token', async () => {
    const r = await runFinops(['ingest', 'pagerduty'], { ...env, PAGERDUTY_TOKEN: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: PAGERDUTY_TOKEN is not set: export a PagerDuty REST API key (read-only is enough) in PAGERDUTY_TOKEN\n',
    );
    expect(fake.requests).toEqual([]);
  });

  it('exits 2 with one line for an unknown service id', async () => {
    fake.data.services = fake.data.services.filter((s) => s['id'] !== 'PSVC001');
    const r = await runFinops(['ingest', 'pagerduty'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: product_lines[0].pagerduty_services[0]: PagerDuty has no service "PSVC001" ' +
        "(PagerDuty GET /services/PSVC001: 404 Not Found (code 2100)); fix the id in the config (PagerDuty shows it in the service's URL)\n",
    );
  });

  it('exits 2 with one line when PagerDuty refuses the token (401)', async () => {
    const r = await runFinops(['ingest', 'pagerduty'], { ...env, PAGERDUTY_TOKEN: 'revoked-token' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: PagerDuty GET /services/PSVC001: 401 Unauthorized (code 2006); PagerDuty refused the token in PAGERDUTY_TOKEN: set PAGERDUTY_TOKEN to a valid REST API key\n',
    );
    expect(fake.requests.map((q) => q.path)).toEqual(['/services/PSVC001']);
  });

  it('exits 2 for a --since that is not a date', async () => {
    const r = await runFinops(['ingest', 'pagerduty', '--since', 'last tuesday'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: --since last tuesday: expected YYYY-MM-DD or an ISO time (usage: finops ingest pagerduty [--since YYYY-MM-DD|ISO-TIME])\n',
    );
  });
});

describe('the hourly ingest-pagerduty job', () => {
  let fake: FakePagerDuty;
  let h: TestDb;

  beforeEach(async () => {
    fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
    h = await createTestDb('pglite');
  });
  afterEach(async () => {
    await fake.close();
    await h.close();
  });

  it('is registered, runs at minute 17 of every hour, once per local hour, and reports counts', async () => {
    expect(JOBS).toContain(ingestPagerDutyJob);
    const { config, hash } = parseConfigText(PAGERDUTY_TEST_CONFIG, 'finops.yml');
    expect(ingestPagerDutyJob.schedule(config)).toBe('17 * * * *');
    const at = new Date('2026-11-23T10:17:00Z');
    expect(ingestPagerDutyJob.periodKey(at, config)).toBe('2026-11-23T11+01:00');
    const result = await ingestPagerDutyJob.run({
      deps: {
        db: h.db,
        config,
        configHash: hash,
        logger: silentLogger,
        now: () => at,
        env: { PAGERDUTY_TOKEN: fake.token, PAGERDUTY_API_HOST: fake.host },
        dataDir: '/nonexistent',
      },
      messenger: undefined,
      at,
      dryRun: false,
      periodKey: '2026-11-23T11+01:00',
    });
    expect(result.summary).toBe(
      'PagerDuty: 3 incident(s) stored with 11 log entries (0 open re-read), 2 of 4 responder(s) not in people\n' +
        // then labour spikes on what is stored: five weeks of history, none judged yet
        'incident hours 2026-10-26..2026-11-23 (weeks): 0 new, 0 restated labour spikes (0 detected)',
    );
    expect(result.stats).toMatchObject({
      incidentsStored: 3,
      respondersUnmapped: 2,
      runId: 1,
      laborSpikesDetected: 0,
    });
  });
});
