import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { connect } from '../../src/db/connect.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import { type FakeGithub, startFakeGithub } from '../fakes/fake-github.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { NOW, TOKEN } from './github-setup.ts';

/** `finops ingest github` end to end: config file, environment, database, fake GitHub, exit status. */

function writeConfig(dir: string, repos: string[], extra = ''): string {
  const file = path.join(dir, 'finops.yml');
  writeFileSync(
    file,
    `timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: { mid: 95, senior: 125, staff: 150, principal: 180 }
teams: [{ id: payments }]
people:
  - { github: ada }
  - { github: grace }
  - { github: linus }
  - { github: margaret }
product_lines:
  - id: checkout
    team: payments
    repos: ${JSON.stringify(repos)}
${extra}`,
  );
  return file;
}

async function cli(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['ingest', 'github'],
    env,
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false },
    () => new Date(NOW),
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

let fake: FakeGithub;
let dir: string;
const logged: string[] = [];
beforeAll(async () => {
  fake = await startFakeGithub({
    token: TOKEN,
    repos: [
      generateRepo({
        owner: 'acme',
        name: 'api',
        prs: 120,
        runs: 40,
        deployments: 6,
        now: NOW,
        bigPrs: false,
      }),
    ],
  });
  // The logger writes to the process's stderr: collect it to prove the token never appears there.
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await fake.close();
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const baseEnv = (configFile: string, dataDir: string) => ({
  FINOPS_CONFIG: configFile,
  FINOPS_DATA_DIR: dataDir,
  GITHUB_API_URL: fake.apiUrl,
  GITHUB_TOKEN: TOKEN,
  LOG_LEVEL: 'debug',
});

describe.each(backends())('finops ingest github on %s', (backend) => {
  let db: TestDb | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('prints the summary and the unmapped logins; a second run is all 304s; the token is never printed', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const env: Record<string, string> = baseEnv(writeConfig(dir, ['acme/api']), path.join(dir, 'data'));
    if (backend === 'postgres') {
      db = await createTestDb('postgres');
      env['DATABASE_URL'] = db.url as string;
    }
    fake.reset();
    logged.length = 0;
    const first = await cli(env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^repos: 1, PRs: 117 new\/updated, requests: \d+ \(304: 0\), rate limit left: [\d,]+$/,
    );
    expect(lines[1]).toMatch(
      /^reviews: [\d,]+, review comments: [\d,]+, commits: [\d,]+, workflow runs: 40, deployments: 6; GraphQL requests: 4 \(GraphQL rate limit left: [\d,]+\)$/,
    );
    expect(lines[2]).toMatch(
      /^unmapped logins \(add them to people in the config\): \S+ \(\d+\)(, \S+ \(\d+\))+$/,
    );
    for (const mapped of ['ada', 'grace', 'linus', 'margaret', 'dependabot[bot]', 'github-actions[bot]']) {
      expect(lines[2]).not.toMatch(new RegExp(`[:,] ${mapped.replace(/[[\]]/g, '\\$&')} \\(`));
    }
    expect(lines[2]).toContain('contractor-zed');

    const second = await cli(env);
    expect(second.code).toBe(0);
    expect(second.stdout.split('\n')[0]).toMatch(
      /^repos: 1, PRs: 0 new\/updated, requests: 3 \(304: 3\), rate limit left: [\d,]+$/,
    );
    expect(logged.join('')).toContain('github: acme/api done');
    expect(`${first.stdout}${second.stdout}${logged.join('')}`).not.toContain(TOKEN);
  });
});

describe('finops ingest github: bad input and failures', () => {
  // One embedded database for the runs that get as far as opening it (each PGlite start costs seconds).
  let shared: string;
  beforeAll(() => {
    shared = mkdtempSync(path.join(tmpdir(), 'finops-gh-db-'));
  });
  afterAll(() => rmSync(shared, { recursive: true, force: true }));
  it('a missing token is exit 2, named, before the database is touched', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const env: Record<string, string | undefined> = {
      ...baseEnv(writeConfig(dir, ['acme/api']), path.join(dir, 'data')),
    };
    env['GITHUB_TOKEN'] = undefined;
    const r = await cli(env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: GITHUB_TOKEN is not set: export a GitHub token that can read the configured repositories (sources.github.token_env names the variable)\n',
    );
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('reads the token from the variable sources.github.token_env names', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const env = baseEnv(
      writeConfig(dir, ['acme/api'], 'sources:\n  github: { token_env: GH_READ_TOKEN }\n'),
      path.join(dir, 'data'),
    );
    const r = await cli(env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^finops ingest: GH_READ_TOKEN is not set/);
  });

  it('a malformed owner/name:glob is exit 2 naming the entry, before the database is touched', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const r = await cli(
      baseEnv(writeConfig(dir, ['acme/api', 'acme/mono:services/[checkout']), path.join(dir, 'data')),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^finops ingest: product_lines\[0\]\.repos\[1\]: "acme\/mono:services\/\[checkout": invalid glob "services\/\[checkout" \(Missing closing: "\]".*\): fix the entry in the config file\n$/,
    );
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('an unknown repository is exit 2 naming it and its config entry; the other repository is ingested', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const dataDir = shared;
    fake.reset();
    const r = await cli(baseEnv(writeConfig(dir, ['acme/gone', 'acme/api']), dataDir));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops ingest: repository acme/gone not found (404), or the token cannot see it: fix product_lines[0].repos[0] in the config, or give the token read access to it\n',
    );
    expect(r.stdout).toMatch(/^repos: 2, PRs: 117 new\/updated/);
    const h = await connect({ pgliteDir: path.join(dataDir, 'db') });
    try {
      const repos = await h.db.selectFrom('ghPullRequest').select('repo').distinct().execute();
      expect(repos).toEqual([{ repo: 'acme/api' }]);
    } finally {
      await h.close();
    }
  });

  it('a rejected token is exit 2', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const env = {
      ...baseEnv(writeConfig(dir, ['acme/api']), shared),
      GITHUB_TOKEN: 'ghp_revoked_token_123456',
    };
    const r = await cli(env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^finops ingest: GitHub rejected the token \(401 Bad credentials\): create a new token/,
    );
    expect(r.stderr).not.toContain('ghp_revoked');
  });

  it('a rate limit that resets beyond the wait budget is exit 1, saying when it resets; nothing is waited', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-gh-'));
    const reset = Math.floor(Date.now() / 1000) + 7200;
    fake.reset();
    fake.inject({ match: /pulls$/, kind: 'primary', reset });
    const started = Date.now();
    // A repository not ingested yet in the shared database, so its first request is the one limited.
    fake.repos.set(
      'acme/fresh',
      generateRepo({ owner: 'acme', name: 'fresh', prs: 5, now: NOW, bigPrs: false }),
    );
    const r = await cli(baseEnv(writeConfig(dir, ['acme/fresh']), shared));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `it resets at ${new Date(reset * 1000).toISOString()}; the next run resumes where this one stopped`,
    );
    expect(Date.now() - started).toBeLessThan(60_000); // it gave up instead of sleeping two hours
  });
});

describe('the hourly job', () => {
  it('is registered once, hourly, one run per UTC hour', () => {
    const job = JOBS.find((j) => j.name === 'ingest-github');
    expect(job?.schedule({} as never)).toBe('7 * * * *');
    expect(job?.periodKey(new Date('2026-11-20T12:59:59Z'), {} as never)).toBe('2026-11-20T12');
    expect(JOBS.filter((j) => j.name === 'ingest-github')).toHaveLength(1);
  });
});
