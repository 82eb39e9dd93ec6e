import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestGithub } from '../../src/services/ingest-github.ts';
import { startFakeGithub } from '../fakes/fake-github.ts';
import { type FakeRepo, generateRepo } from '../fakes/github-data.ts';
import { createTestDb } from '../support/db.ts';
import {
  captureLogger,
  dumpGithub,
  githubConfig,
  makeDeps,
  NOW,
  recordingClock,
  TOKEN,
} from './github-setup.ts';

/**
 * The real thing: `finops ingest github` in its own process, killed with SIGKILL in the middle of
 * the PR listing, then run again. Postgres only (a SIGKILLed embedded PGlite is not a state the
 * product promises to recover from). The data sit well inside the backfill window, so the child's
 * real clock and the reference run's fixed one select the same rows.
 */
const repos = (): FakeRepo[] => [
  generateRepo({
    owner: 'acme',
    name: 'checkout-api',
    prs: 260,
    runs: 60,
    deployments: 10,
    now: NOW,
    seed: 11,
  }),
  generateRepo({
    owner: 'acme',
    name: 'monorepo',
    prs: 60,
    runs: 20,
    deployments: 3,
    now: NOW,
    seed: 12,
    bigPrs: false,
  }),
];
const config = githubConfig({
  checkout: ['acme/checkout-api', 'acme/monorepo:services/checkout/**'],
  search: ['acme/monorepo:services/search/**'],
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function finops(env: Record<string, string>): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; out: string }>;
} {
  const child = spawn(process.execPath, [path.join(root, 'bin/finops.mjs'), 'ingest', 'github'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return {
    child,
    done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out }))),
  };
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('a SIGKILLed `finops ingest github` (Postgres)', () => {
  it('run again, ends with exactly the rows of an uninterrupted run', async () => {
    // Reference: one uninterrupted run.
    const refFake = await startFakeGithub({ token: TOKEN, repos: repos() });
    const refDb = await createTestDb('postgres');
    let expected: Record<string, unknown[]>;
    try {
      await ingestGithub(makeDeps(refDb.db, config, refFake.apiUrl, captureLogger().logger), {
        clock: recordingClock(),
        graphqlIntervalMs: 0,
      });
      expected = await dumpGithub(refDb.db, { etags: false });
    } finally {
      await refDb.close();
      await refFake.close();
    }

    const fake = await startFakeGithub({ token: TOKEN, repos: repos() });
    const db = await createTestDb('postgres');
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-kill-'));
    try {
      const configFile = path.join(dir, 'finops.yml');
      writeFileSync(configFile, JSON.stringify(config));
      const env = {
        FINOPS_CONFIG: configFile,
        FINOPS_DATA_DIR: dir,
        DATABASE_URL: db.url as string,
        GITHUB_API_URL: fake.apiUrl,
        GITHUB_TOKEN: TOKEN,
        LOG_LEVEL: 'warn',
      };
      const first = finops(env);
      let pages = 0;
      fake.onRequest = (r) => {
        if (r.operation === 'PullRequestsPage' && ++pages === 4) first.child.kill('SIGKILL');
      };
      const killed = await first.done;
      expect(killed.signal).toBe('SIGKILL');
      const stored = await db.db.selectFrom('ghPullRequest').select('number').execute();
      expect(stored).toHaveLength(150); // three complete pages of 50
      const cursor = await db.db
        .selectFrom('ingestCursor')
        .select('cursor')
        .where('scope', '=', 'acme/checkout-api')
        .where('stream', '=', 'pulls')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(cursor.cursor as string).pending).not.toBeNull();

      fake.onRequest = null;
      const second = await finops(env).done;
      expect(second.out).toMatch(/^repos: 2, PRs: \d+ new\/updated/);
      expect(second.code).toBe(0);
      expect(await dumpGithub(db.db, { etags: false })).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.close();
      await fake.close();
    }
  });
});
