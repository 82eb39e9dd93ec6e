/**
 * Ingestion under faults, through real `finops ingest` processes on Postgres:
 * - `finops ingest pagerduty` SIGKILLed while the fake PagerDuty answers a log entry request, then
 *   run again: the stored incidents, log entries and users are exactly an uninterrupted run's;
 * - `finops ingest github` with every database connection of the process terminated
 *   (pg_terminate_backend) when the fake GitHub receives the third PR page, then run again: exactly
 *   an uninterrupted run's rows.
 * - `finops ingest github` and `finops ingest pagerduty` stopped by SIGTERM mid-way: exit 0, and
 *   run again the same rows.
 * (GitHub killed with SIGKILL: test/ingest/github-kill.test.ts; 5xx, 429 and timeouts of both
 * clients: test/ingest/github-client.test.ts, test/ingest/pagerduty-client.test.ts.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { PAGERDUTY_TEST_CONFIG, pagerDutyTestAccount, startFakePagerDuty } from '../fakes/fake-pagerduty.ts';
import { startFakeGithub } from '../fakes/fake-github.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { createTestDb } from '../support/db.ts';
import { spawnFinops } from '../support/finops-process.ts';
import { dumpGithub, githubConfig, NOW, TOKEN } from '../ingest/github-setup.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'finops-faults-ingest-'));

async function dumpPagerDuty(db: Db) {
  return {
    incidents: await db.selectFrom('pdIncident').selectAll().orderBy('id').execute(),
    logEntries: await db.selectFrom('pdLogEntry').selectAll().orderBy('id').execute(),
    users: await db.selectFrom('pdUser').selectAll().orderBy('id').execute(),
    cursors: await db
      .selectFrom('ingestCursor')
      .select(['source', 'scope', 'stream'])
      .orderBy('scope')
      .execute(),
  };
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('ingestion under faults (Postgres)', () => {
  /**
   * A PagerDuty world: an uninterrupted reference run's rows (its own database), and a second
   * database for the run the test interrupts. `ingest` runs `finops ingest pagerduty` on the latter.
   */
  async function pagerDutyWorld() {
    const config = path.join(dir, 'pd.yml');
    writeFileSync(config, PAGERDUTY_TEST_CONFIG);
    const fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
    const [ref, db] = [await createTestDb('postgres'), await createTestDb('postgres')];
    const env = (url: string) => ({
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'pd-data'),
      DATABASE_URL: url,
      PAGERDUTY_TOKEN: fake.token,
      PAGERDUTY_API_HOST: fake.host,
      NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'],
    });
    const args = ['ingest', 'pagerduty', '--since', '2026-06-01'];
    const close = async () => {
      await fake.close();
      await ref.close();
      await db.close();
    };
    try {
      const clean = spawnFinops(args, env(ref.url as string));
      expect((await clean.exit).code, clean.stderr).toBe(0);
      const expected = await dumpPagerDuty(ref.db);
      expect(expected.incidents.length).toBeGreaterThanOrEqual(3);
      return { fake, db, expected, close, ingest: () => spawnFinops(args, env(db.url as string)) };
    } catch (err) {
      await close();
      throw err;
    }
  }

  it('a SIGKILLed `finops ingest pagerduty`, run again, stores exactly an uninterrupted run’s rows', {
    timeout: 60_000,
  }, async () => {
    const w = await pagerDutyWorld();
    try {
      const first = w.ingest();
      let logReads = 0;
      w.fake.onRequest = (r) => {
        if (/\/log_entries$/.test(r.path) && ++logReads === 2) first.proc.kill('SIGKILL');
      };
      expect((await first.exit).signal).toBe('SIGKILL');
      w.fake.onRequest = null;
      const partial = await dumpPagerDuty(w.db.db);
      expect(partial.incidents.length).toBeLessThan(w.expected.incidents.length);

      const again = w.ingest();
      expect((await again.exit).code, again.stderr).toBe(0);
      expect(await dumpPagerDuty(w.db.db)).toEqual(w.expected);
    } finally {
      await w.close();
    }
  });

  it('`finops ingest pagerduty` stopped by SIGTERM mid-way exits 0 and says so; run again, an uninterrupted run’s rows', {
    timeout: 60_000,
  }, async () => {
    const w = await pagerDutyWorld();
    try {
      const first = w.ingest();
      let logReads = 0;
      w.fake.onRequest = (r) => {
        if (/\/log_entries$/.test(r.path) && ++logReads === 2) first.proc.kill('SIGTERM');
      };
      const exit = await first.exit;
      w.fake.onRequest = null;
      expect(exit, first.stderr).toEqual({ code: 0, signal: null });
      expect(first.stdout).toContain(
        'stopped by SIGTERM; what is stored stays and the next run reads on from the last complete window',
      );
      // Stopped at a window's end, before the rest was read.
      const partial = await dumpPagerDuty(w.db.db);
      expect(partial.incidents.length).toBeLessThan(w.expected.incidents.length);

      const again = w.ingest();
      expect((await again.exit).code, again.stderr).toBe(0);
      expect(await dumpPagerDuty(w.db.db)).toEqual(w.expected);
    } finally {
      await w.close();
    }
  });

  /**
   * A GitHub world: an uninterrupted reference run (its own fake and database), and a second fake
   * and database for the run the test interrupts. `ingest` runs `finops ingest github` on the latter.
   */
  async function githubWorld(seed: number) {
    const config = path.join(dir, `gh-${seed}.yml`);
    writeFileSync(config, JSON.stringify(githubConfig({ checkout: ['acme/checkout-api'] })));
    // Within the backfill window of the children's real clock, as in github-kill.test.ts.
    const repo = () => [
      generateRepo({
        owner: 'acme',
        name: 'checkout-api',
        prs: 160,
        runs: 20,
        deployments: 4,
        now: NOW,
        seed,
      }),
    ];
    const [refFake, fake] = [
      await startFakeGithub({ token: TOKEN, repos: repo() }),
      await startFakeGithub({ token: TOKEN, repos: repo() }),
    ];
    const [ref, db] = [await createTestDb('postgres'), await createTestDb('postgres')];
    const run = (url: string, apiUrl: string) =>
      spawnFinops(['ingest', 'github'], {
        FINOPS_CONFIG: config,
        FINOPS_DATA_DIR: path.join(dir, `gh-${seed}-data`),
        DATABASE_URL: url,
        GITHUB_API_URL: apiUrl,
        GITHUB_TOKEN: TOKEN,
      });
    const clean = run(ref.url as string, refFake.apiUrl);
    expect((await clean.exit).code, clean.stderr).toBe(0);
    return {
      fake,
      db,
      expected: await dumpGithub(ref.db, { etags: false }),
      ingest: () => run(db.url as string, fake.apiUrl),
      async close() {
        await refFake.close();
        await fake.close();
        await ref.close();
        await db.close();
      },
    };
  }

  it('`finops ingest github` losing its database connections mid-way, run again, ends with an uninterrupted run’s rows', {
    timeout: 60_000,
  }, async () => {
    const w = await githubWorld(21);
    const admin = new pg.Client({ connectionString: w.db.url as string });
    await admin.connect();
    try {
      let pages = 0;
      let dropped: Promise<unknown> | undefined;
      w.fake.onRequest = (r) => {
        if (r.operation === 'PullRequestsPage' && ++pages === 3)
          dropped = admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and application_name = 'finops-review'`,
          );
      };
      const first = w.ingest();
      const firstExit = await first.exit;
      await dropped;
      w.fake.onRequest = null;
      // Whether the run noticed (a statement in flight) or not (only idle connections), it never crashes.
      expect([0, 1], first.stderr).toContain(firstExit.code);
      expect(first.stderr).not.toMatch(/Unhandled|node:events/);

      const again = w.ingest();
      expect((await again.exit).code, again.stderr).toBe(0);
      expect(await dumpGithub(w.db.db, { etags: false })).toEqual(w.expected);
    } finally {
      await admin.end();
      await w.close();
    }
  });

  it('`finops ingest github` stopped by SIGTERM mid-way exits 0; run again, an uninterrupted run’s rows', {
    timeout: 60_000,
  }, async () => {
    const w = await githubWorld(22);
    try {
      const first = w.ingest();
      let pages = 0;
      w.fake.onRequest = (r) => {
        if (r.operation === 'PullRequestsPage' && ++pages === 2) first.proc.kill('SIGTERM');
      };
      const exit = await first.exit;
      w.fake.onRequest = null;
      expect(exit.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('stopped by SIGTERM; the next run resumes where this one stopped');
      const partial = await w.db.db.selectFrom('ghPullRequest').select('number').execute();
      expect(partial.length).toBeLessThan((w.expected['prs'] ?? []).length);

      const again = w.ingest();
      expect((await again.exit).code, again.stderr).toBe(0);
      expect(await dumpGithub(w.db.db, { etags: false })).toEqual(w.expected);
    } finally {
      await w.close();
    }
  });
});
