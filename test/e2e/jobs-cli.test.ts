import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, createCliContext } from '../../src/cli/context.ts';
import { parseAt, runJobsCommand } from '../../src/cli/jobs.ts';
import { findJobRun } from '../../src/db/repos/job-runs.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import { InputError } from '../../src/lib/errors.ts';
import { runFinops } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { deferred, JOBS_TEST_CONFIG, testJob } from '../support/jobs.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'finops-jobs-'));
const config = path.join(dir, 'finops.yml');
writeFileSync(config, JOBS_TEST_CONFIG);

function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTty: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

describe('finops jobs through the real binary', () => {
  const env = { FINOPS_CONFIG: config, FINOPS_DATA_DIR: path.join(dir, 'data-bin') };

  it('lists the registered jobs with cron, timezone, last and next run', async () => {
    const r = await runFinops(['jobs', 'list'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (JOBS.length === 0) {
      expect(r.stdout).toBe('no scheduled jobs are registered\n');
    } else {
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^NAME +SCHEDULE +TIMEZONE +LAST RUN +NEXT RUN$/);
      for (const job of JOBS) {
        expect(lines.find((l) => l.startsWith(`${job.name} `))).toMatch(
          / Europe\/Berlin +never +\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d$/,
        );
      }
    }
  });

  it('refuses an unknown job with exit 2, naming the valid ones', async () => {
    const r = await runFinops(['jobs', 'run', 'no-such-job'], env);
    expect(r.code).toBe(2);
    const valid = JOBS.length > 0 ? `jobs: ${JOBS.map((j) => j.name).join(', ')}` : 'no jobs are registered';
    expect(r.stderr).toBe(`finops jobs: unknown job "no-such-job" (${valid})\n`);
    expect(r.stdout).toBe('');
  });

  it('refuses a missing subcommand, a missing name and an unknown option with exit 2', async () => {
    const results = await Promise.all([
      runFinops(['jobs'], env),
      runFinops(['jobs', 'frobnicate'], env),
      runFinops(['jobs', 'run'], env),
      runFinops(['jobs', 'run', 'x', '--when', 'now'], env),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results.map((r) => r.stderr.trim().split('\n').length)).toEqual([1, 1, 1, 1]);
    expect(results[0]?.stderr).toContain(
      'missing subcommand (usage: finops jobs list | finops jobs run NAME',
    );
    expect(results[1]?.stderr).toContain('unknown subcommand "frobnicate"');
    expect(results[2]?.stderr).toContain('expected exactly one job name, got 0');
    expect(results[3]?.stderr).toContain("Unknown option '--when'");
  });
});

describe('finops jobs over a job list (in process, embedded database)', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const env = { FINOPS_CONFIG: config, FINOPS_DATA_DIR: path.join(dir, 'data-inproc') };
  let calls = 0;
  const review = testJob('review-test', async (ctx) => {
    calls++;
    return ctx.dryRun
      ? {
          stats: { wouldPost: 3 },
          summary: 'would post: parent\nwould post: reply checkout\nwould post: showback',
        }
      : { stats: { posted: 3 }, summary: 'posted 3 messages' };
  });
  const jobs = [review, testJob('first-monday', async () => ({ stats: {}, summary: '' }), '0 9 1 * 1')];

  async function jobsCli(argv: string[]) {
    const io = captureIo();
    const ctx = createCliContext(env, io, () => now);
    try {
      const code = await runJobsCommand(ctx, argv, jobs);
      return { code, out: io.out.join(''), err: io.err.join('') };
    } finally {
      await ctx.close();
    }
  }

  it('lists never-run jobs with their next tick, and notes the AND rule', async () => {
    const r = await jobsCli(['list']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'NAME          SCHEDULE   TIMEZONE       LAST RUN  NEXT RUN',
      'review-test   0 9 2 * *  Europe/Berlin  never     2026-12-02 09:00 +01:00',
      'first-monday  0 9 1 * 1  Europe/Berlin  never     2027-02-01 09:00 +01:00',
      'note: first-monday: "0 9 1 * 1" runs only on days matching BOTH its day-of-month and its day-of-week (node-cron ANDs them; standard cron ORs them)',
      '',
    ]);
  });

  it('dry-runs without claiming, runs once with --at, and refuses to run the period twice', async () => {
    const dry = await jobsCli(['run', 'review-test', '--at', '2026-12-02T09:00', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toBe(
      'review-test 2026-11: dry run (nothing claimed, nothing posted)\nwould post: parent\nwould post: reply checkout\nwould post: showback\nstats: wouldPost=3\n',
    );

    const first = await jobsCli(['run', 'review-test', '--at', '2026-12-02T09:00']);
    expect(first.code).toBe(0);
    expect(first.out).toBe(
      'review-test 2026-11: succeeded (attempt 1): posted 3 messages\nstats: posted=3\n',
    );

    const again = await jobsCli(['run', 'review-test', '--at', '2026-12-20T09:00:00+01:00']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /^review-test 2026-11: already ran \(succeeded at \S+, attempt 1\); nothing to do\n$/,
    );
    const dryAgain = await jobsCli(['run', 'review-test', '--at', '2026-12-02T09:00', '--dry-run']);
    expect(dryAgain.out).toMatch(/^review-test 2026-11: already ran/);
    expect(calls).toBe(2);

    const list = await jobsCli(['list']);
    expect(list.out.split('\n')[1]).toMatch(
      /^review-test {3}0 9 2 \* \* {2}Europe\/Berlin {2}2026-11 succeeded \d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d {2}2026-12-02 09:00 \+01:00$/,
    );
  });

  it('refuses a bad --at and a bad lease setting as bad input', async () => {
    await expect(jobsCli(['run', 'review-test', '--at', 'next tuesday'])).rejects.toThrow(InputError);
    await expect(jobsCli(['run', 'review-test', '--at', '2026-13-02'])).rejects.toThrow(
      /^--at: "2026-13-02" is not an ISO time \(.+\); use e\.g\. 2026-12-02T09:00 \(in Europe\/Berlin\) or 2026-12-02T08:00:00Z$/,
    );
    const io = captureIo();
    const ctx = createCliContext({ ...env, FINOPS_JOB_LEASE_SECONDS: 'soon' }, io, () => now);
    await expect(runJobsCommand(ctx, ['run', 'review-test'], jobs)).rejects.toThrow(
      /FINOPS_JOB_LEASE_SECONDS/,
    );
    await ctx.close();
  });

  it('reads --at as a wall time in config.timezone unless it carries an offset', () => {
    expect(parseAt('2026-12-02T09:00', 'Europe/Berlin').toISOString()).toBe('2026-12-02T08:00:00.000Z');
    expect(parseAt('2026-07-02T09:00', 'Europe/Berlin').toISOString()).toBe('2026-07-02T07:00:00.000Z');
    expect(parseAt('2026-12-02T09:00:00Z', 'Europe/Berlin').toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(parseAt('2026-12-02', 'Europe/Berlin').toISOString()).toBe('2026-12-01T23:00:00.000Z');
  });
});

const CHILD = path.resolve('test/support/jobs-cli-child.ts');

interface Child {
  proc: ChildProcessWithoutNullStreams;
  out: string;
  err: string;
  exit: Promise<number | null>;
}

function spawnJobsCli(args: string[], env: Record<string, string>, onLine: (line: string) => void): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const child: Child = {
    proc,
    out: '',
    err: '',
    exit: new Promise((resolve, reject) => {
      proc.on('error', reject);
      proc.on('close', (code) => resolve(code));
    }),
  };
  let partial = '';
  proc.stdout.on('data', (d: Buffer) => {
    child.out += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  proc.stderr.on('data', (d: Buffer) => {
    child.err += d.toString();
  });
  return child;
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('two `finops jobs run` processes on one Postgres', () => {
  let h: TestDb;
  beforeAll(async () => {
    h = await createTestDb('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs the period in exactly one of them', async () => {
    const url = h.url as string;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('create table probe_effect (pid int not null)');
      // Held until the loser has answered: the winner's run stays `running` while the loser claims.
      await admin.query('select pg_advisory_lock(4242)');
      let ready = 0;
      let entered = 0;
      const allReady = deferred();
      const released = { done: false };
      const release = async () => {
        if (released.done) return;
        released.done = true;
        await admin.query('select pg_advisory_unlock(4242)');
      };
      const onLine = (line: string) => {
        if (line === 'ready' && ++ready === 2) allReady.resolve();
        // Two entries would be the bug under test: let both finish so the assertions report it.
        if (line === 'entered' && ++entered === 2) void release();
      };
      const env = { DATABASE_URL: url, FINOPS_CONFIG: config, FINOPS_DATA_DIR: path.join(dir, 'data-pg') };
      const args = ['run', 'probe', '--at', '2026-12-02T09:00'];
      const children = [spawnJobsCli(args, env, onLine), spawnJobsCli(args, env, onLine)];
      await Promise.race([allReady.promise, ...children.map((c) => c.exit.then(() => allReady.promise))]);
      for (const c of children) c.proc.stdin.end('go\n');

      const firstDone = await Promise.race(children.map((c, i) => c.exit.then(() => i)));
      await release();
      const codes = await Promise.all(children.map((c) => c.exit));

      const loser = children[firstDone] as Child;
      const winner = children[1 - firstDone] as Child;
      expect(codes, `stderr: ${children.map((c) => c.err).join(' | ')}`).toEqual([0, 0]);
      expect(entered).toBe(1);
      expect(loser.out).toMatch(
        /^ready\nprobe 2026-11: already running \(owner [^)]+, started \S+\); nothing to do\n$/,
      );
      expect(winner.out).toBe(
        `ready\nentered\nprobe 2026-11: succeeded (attempt 1): probe ran\nstats: pid=${winner.proc.pid}\n`,
      );
      const effects = await admin.query<{ pid: number }>('select pid from probe_effect');
      expect(effects.rows).toEqual([{ pid: winner.proc.pid }]);
      const run = await findJobRun(h.db, 'probe', '2026-11');
      expect(run).toMatchObject({ status: 'succeeded', attempt: 1, stats: { pid: winner.proc.pid } });
      expect(run?.owner).toContain(`:${winner.proc.pid}:`);
    } finally {
      await admin.end();
    }
  });
});
