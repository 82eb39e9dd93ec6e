/**
 * Hostile vendor payloads, served by the fake GitHub and PagerDuty over real HTTP: records with
 * fields missing, null or of the wrong type. Each ingestion either stores a safe result (the bad
 * record skipped or its field left empty, the rest stored) or stops with a clear error naming the
 * record — never a crash with a stack, never a partial write (the tables hold exactly what they
 * held before a failed run).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import type { Db } from '../../src/db/connect.ts';
import { createPagerDutyClient } from '../../src/ingest/pagerduty/client.ts';
import { FinopsError } from '../../src/lib/errors.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { ingestGithub } from '../../src/services/ingest-github.ts';
import { ingestPagerDuty } from '../../src/services/ingest-pagerduty.ts';
import { type FakePullRequest, generateRepo } from '../fakes/github-data.ts';
import { startFakeGithub } from '../fakes/fake-github.ts';
import {
  type FakePdData,
  PAGERDUTY_TEST_CONFIG,
  pagerDutyTestAccount,
  startFakePagerDuty,
} from '../fakes/fake-pagerduty.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { githubConfig, makeDeps, NOW as GH_NOW, recordingClock, TOKEN } from '../ingest/github-setup.ts';

type Json = Record<string, unknown>;
const PD_NOW = new Date('2026-11-23T10:00:00Z');

/** Row counts of every table an ingestion writes. */
async function counts(db: Db): Promise<Record<string, number>> {
  const tables = [
    'pdIncident',
    'pdLogEntry',
    'pdUser',
    'ingestCursor',
    'ghPullRequest',
    'ghCommit',
    'ghReview',
    'ghReviewComment',
    'ghWorkflowRun',
    'ghDeployment',
  ] as const;
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await db
      .selectFrom(t)
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

/** Corrupts one field of a payload record. */
const set = (o: unknown, key: string, value: unknown): void => {
  (o as Json)[key] = value;
};

type Outcome = { ok: true } | { ok: false; error: unknown };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

describe.each(backends())('hostile vendor payloads on %s', (backend) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** What the ingestion must do with each bad record. */
  type PdExpect =
    | { kind: 'skipped' }
    | { kind: 'stored'; check: (row: Json) => void }
    | { kind: 'failed'; message: string };
  const PD_CASES: Array<[string, (d: FakePdData) => void, PdExpect]> = [
    [
      'an incident without created_at',
      (d) => delete (d.incidents[2] as Json)['created_at'],
      { kind: 'skipped' },
    ],
    [
      'an incident whose created_at is not a date',
      (d) => set(d.incidents[2], 'created_at', 'yesterday'),
      { kind: 'skipped' },
    ],
    ['an incident without a service', (d) => delete (d.incidents[2] as Json)['service'], { kind: 'skipped' }],
    [
      'an incident whose id is a number',
      (d) => set(d.incidents[2], 'id', 42),
      { kind: 'failed', message: 'unexpected PagerDuty payload at incidents[0].id: missing id' },
    ],
    [
      'an incident whose number is text',
      (d) => set(d.incidents[2], 'incident_number', 'seven'),
      { kind: 'stored', check: (r) => expect(r['number']).toBeNull() },
    ],
    [
      'an incident whose title is an object',
      (d) => set(d.incidents[2], 'title', { a: 1 }),
      { kind: 'stored', check: (r) => expect(r['title']).toBe('{"a":1}') },
    ],
    [
      'an incident whose title is 1 MB',
      (d) => set(d.incidents[2], 'title', 'x'.repeat(1 << 20)),
      { kind: 'stored', check: (r) => expect(String(r['title']).length).toBe(1 << 20) },
    ],
    [
      'a log entry without created_at',
      (d) => delete ((d.logEntries['PINC003'] as Json[])[0] as Json)['created_at'],
      {
        kind: 'failed',
        message:
          'unexpected PagerDuty payload at incidents/PINC003/log_entries[0].created_at: expected a timestamp with an offset, got undefined',
      },
    ],
    [
      'a log entry whose agent is null',
      (d) => set((d.logEntries['PINC003'] as Json[])[0], 'agent', null),
      { kind: 'stored', check: () => {} },
    ],
    [
      'a log entry whose type is a number',
      (d) => set((d.logEntries['PINC003'] as Json[])[0], 'type', 12),
      { kind: 'stored', check: () => {} },
    ],
    [
      'a log entry whose assignees is a string',
      (d) => set((d.logEntries['PINC003'] as Json[])[0], 'assignees', 'PADA001'),
      { kind: 'stored', check: () => {} },
    ],
    [
      'a user without an email',
      (d) => delete (d.users[0] as Json)['email'],
      { kind: 'stored', check: () => {} },
    ],
    [
      'a user whose email is a number',
      (d) => set(d.users[0], 'email', 42),
      { kind: 'stored', check: () => {} },
    ],
  ];

  it.each(PD_CASES)('PagerDuty: %s', async (_name, corrupt, expected) => {
    h = await createTestDb(backend);
    const data = pagerDutyTestAccount();
    corrupt(data);
    const fake = await startFakePagerDuty({ data });
    const client = createPagerDutyClient({ token: fake.token, host: fake.host, sleep: async () => {} });
    const { config, hash } = parseConfigText(PAGERDUTY_TEST_CONFIG, 'finops.yml');
    const deps: ServiceDeps = {
      db: h.db,
      config,
      configHash: hash,
      logger: silentLogger,
      now: () => PD_NOW,
      env: {},
      dataDir: '/nonexistent',
    };
    try {
      const r = await outcome(() => ingestPagerDuty(deps, { client }));
      const incident = await h.db.selectFrom('pdIncident').selectAll().where('id', '=', 'PINC003').execute();
      const entries = await h.db
        .selectFrom('pdLogEntry')
        .selectAll()
        .where('incidentId', '=', 'PINC003')
        .execute();
      // The other service's incident is always stored: one bad record spoils nothing else.
      const other = await h.db
        .selectFrom('pdIncident')
        .select('id')
        .where('serviceId', '=', 'PSVC001')
        .execute();
      expect(other.map((o) => o.id).sort()).toEqual(['PINC001', 'PINC002']);
      if (expected.kind === 'failed') {
        expect(r.ok).toBe(false);
        const err = (r as { error: unknown }).error;
        expect(err).toBeInstanceOf(FinopsError);
        expect((err as Error).message).toBe(expected.message);
        // That service's window is all or nothing: none of it was written.
        expect(incident).toEqual([]);
        expect(entries).toEqual([]);
        return;
      }
      expect(r.ok).toBe(true);
      if (expected.kind === 'skipped') {
        expect(incident).toEqual([]);
        return;
      }
      expect(incident).toHaveLength(1);
      expected.check(incident[0] as unknown as Json);
      for (const e of entries) expect(Number.isNaN(new Date(e.createdAt).getTime())).toBe(false);
    } finally {
      client.close();
      await fake.close();
    }
  });

  type GhExpect = { kind: 'stored'; check: (row: Json) => void } | { kind: 'failed'; message: RegExp };
  const GH_CASES: Array<[string, (p: FakePullRequest) => void, GhExpect]> = [
    [
      'a pull request whose createdAt is not a date',
      (p) => set(p, 'createdAt', 'soon'),
      {
        kind: 'failed',
        message: /^unexpected GitHub payload at acme\/api#\d+ createdAt: expected a timestamp, got "soon"$/,
      },
    ],
    [
      'a pull request whose title is a number',
      (p) => set(p, 'title', 123),
      { kind: 'stored', check: (r) => expect(r['title']).toBe('123') },
    ],
    [
      'a pull request whose title is 1 MB',
      (p) => set(p, 'title', 'y'.repeat(1 << 20)),
      { kind: 'stored', check: (r) => expect(String(r['title']).length).toBe(1 << 20) },
    ],
    [
      'a pull request without an author',
      (p) => set(p, 'author', null),
      { kind: 'stored', check: (r) => expect(r['authorLogin']).toBeNull() },
    ],
    [
      'a file whose additions are text',
      (p) => set(p.files[0], 'additions', 'ten'),
      {
        kind: 'failed',
        message:
          /^unexpected GitHub payload at acme\/api#\d+ files ".+" additions: expected a count of lines, got "ten"$/,
      },
    ],
    [
      'a commit whose date is not a date',
      (p) => set(p.commits[0], 'authoredDate', 'n/a'),
      {
        kind: 'failed',
        message:
          /^unexpected GitHub payload at acme\/api#\d+ commit \w+ authoredDate: expected a timestamp, got "n\/a"$/,
      },
    ],
    [
      'a review whose submittedAt is a number',
      (p) => set(p.reviews[0], 'submittedAt', 5),
      {
        kind: 'failed',
        message:
          /^unexpected GitHub payload at acme\/api#\d+ review \d+ submittedAt: expected a timestamp, got 5$/,
      },
    ],
  ];

  it.each(GH_CASES)('GitHub: %s', async (_name, corrupt, expected) => {
    h = await createTestDb(backend);
    const repo = generateRepo({
      owner: 'acme',
      name: 'api',
      prs: 8,
      runs: 3,
      deployments: 1,
      now: GH_NOW,
      bigPrs: false,
    });
    // The most recently updated PR with files, commits and reviews: certainly in the ingestion window.
    const target = [...repo.prs]
      .filter((p) => p.files.length > 0 && p.commits.length > 0 && p.reviews.length > 0)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0] as FakePullRequest;
    corrupt(target);
    const fake = await startFakeGithub({ token: TOKEN, repos: [repo] });
    const deps = makeDeps(h.db, githubConfig({ checkout: ['acme/api'] }), fake.apiUrl, silentLogger);
    try {
      const before = await counts(h.db);
      const summary = await ingestGithub(deps, { clock: recordingClock(), graphqlIntervalMs: 0 });
      const rows = await h.db
        .selectFrom('ghPullRequest')
        .selectAll()
        .where('number', '=', target.number)
        .execute();
      if (expected.kind === 'failed') {
        // The repository is reported failed with the record and field; none of its pull requests
        // page was stored, and its cursor stays for the next run.
        expect(summary.status).toBe('partial');
        expect(summary.failed).toHaveLength(1);
        expect(summary.failed[0]?.message).toMatch(expected.message);
        expect(rows).toEqual([]);
        const after = await counts(h.db);
        for (const t of ['ghPullRequest', 'ghCommit', 'ghReview', 'ghReviewComment'])
          expect(after[t], t).toBe(before[t]);
        return;
      }
      expect(summary.status).toBe('succeeded');
      expect(rows).toHaveLength(1);
      expected.check(rows[0] as unknown as Json);
    } finally {
      await fake.close();
    }
  });
});
