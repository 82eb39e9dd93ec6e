/**
 * The monthly review under faults, through real `finops jobs run monthly-review` processes on
 * Postgres (a SIGKILLed embedded PGlite is not a state the product promises to recover from):
 *
 * - SIGKILL between the thread and the showbacks (Slack holding its answer to chat.getPermalink):
 *   the re-run takes the dead owner's run over and posts exactly the rest;
 * - SIGKILL while Slack holds its answer to a reply it has already taken: that one reply is
 *   "uncertain" (Slack may or may not have it; the product never resends blindly), so the re-run
 *   doubles nothing, posts everything after it, and says once in the review channel which message
 *   to check — the one place where "exactly the uninterrupted run" gives way to "never twice";
 * - every database connection of the process terminated (pg_terminate_backend) while it waits for
 *   Slack: the run goes on on fresh connections and ends with exactly the uninterrupted messages.
 *
 * Each is compared with an uninterrupted run's Slack messages and posted_message rows.
 */
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { findJobRun } from '../../src/db/repos/job-runs.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import { type BotWorld, createBotWorld, reviewMonthNow, slackPicture } from '../support/bot-env.ts';
import { spawnFinops } from '../support/finops-process.ts';

const { month, slot } = reviewMonthNow();
const AT = ['jobs', 'run', 'monthly-review', '--at', slot.toISOString()];
const isReply = (c: RecordedCall) => typeof c.params['thread_ts'] === 'string';

async function postedRows(world: BotWorld) {
  const rows = await world.db?.db
    .selectFrom('postedMessage')
    .select(['scope', 'messageKey', 'channelId', 'ts'])
    .orderBy('messageKey')
    .execute();
  return (rows ?? []).map((r) => ({ ...r, ts: r.ts === null ? null : r.ts === '' ? '' : 'ts' }));
}

async function runReview(world: BotWorld) {
  const job = spawnFinops(AT, world.env);
  const exit = await job.exit;
  return { ...exit, stdout: job.stdout, stderr: job.stderr };
}

/** The SIGKILLed owner's lease, run out: what two minutes without a heartbeat would do. */
async function expireLease(world: BotWorld): Promise<void> {
  await world.db?.db
    .updateTable('jobRun')
    .set({ heartbeatAt: new Date(Date.now() - 3_600_000) })
    .where('job', '=', 'monthly-review')
    .execute();
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('the monthly review under faults (Postgres)', () => {
  let reference: string[];
  let referenceRows: Awaited<ReturnType<typeof postedRows>>;

  beforeAll(async () => {
    const world = await createBotWorld('postgres');
    try {
      const r = await runReview(world);
      expect(r.code, r.stderr).toBe(0);
      reference = slackPicture(world.fake);
      referenceRows = await postedRows(world);
    } finally {
      await world.close();
    }
  }, 60_000);

  it('SIGKILL between the thread and the showbacks: the re-run posts exactly the rest', {
    timeout: 60_000,
  }, async () => {
    expect(reference.filter((l) => l.includes('Your slice of the'))).toHaveLength(2);
    const world = await createBotWorld('postgres');
    try {
      const held = world.fake.holdNext('chat.getPermalink');
      const job = spawnFinops(AT, world.env);
      await held.arrived;
      job.proc.kill('SIGKILL');
      expect((await job.exit).signal).toBe('SIGKILL');
      held.release();
      const partial = slackPicture(world.fake);
      expect(partial.filter((l) => l.includes('Your slice of the'))).toEqual([]);
      expect(partial.length).toBe(reference.length - 2);
      expect(
        await findJobRun(world.db?.db as NonNullable<BotWorld['db']>['db'], 'monthly-review', month),
      ).toMatchObject({ status: 'running', attempt: 1 });

      await expireLease(world);
      const rerun = await runReview(world);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain(`monthly-review ${month}: succeeded (attempt 2)`);
      expect(slackPicture(world.fake)).toEqual(reference);
      expect(await postedRows(world)).toEqual(referenceRows);
    } finally {
      await world.close();
    }
  });

  it('SIGKILL while a reply is in flight: nothing twice, the rest posted, the uncertain one named once', {
    timeout: 60_000,
  }, async () => {
    const world = await createBotWorld('postgres');
    try {
      const held = world.fake.holdNext('chat.postMessage', isReply);
      const job = spawnFinops(AT, world.env);
      const call = await held.arrived;
      job.proc.kill('SIGKILL');
      await job.exit;
      held.release();
      const uncertain = String(call.params['text']);

      await expireLease(world);
      const first = await runReview(world);
      // The uncertain reply fails the run (it needs a person's look); everything else is posted.
      expect(first.code).toBe(1);
      expect(first.stdout).toContain(`monthly-review ${month}: failed (attempt 2)`);
      const second = await runReview(world);
      expect(second.code).toBe(1);
      const picture = slackPicture(world.fake);
      const notices = picture.filter((l) => l.includes('Some of the'));
      expect(notices).toHaveLength(1);
      expect(picture.filter((l) => !l.includes('Some of the'))).toEqual(reference);
      expect(new Set(picture).size).toBe(picture.length);
      // The reply Slack took while the process died is there once, not resent.
      expect(picture.filter((l) => l.endsWith(uncertain))).toHaveLength(1);
    } finally {
      await world.close();
    }
  });

  it('database connections dropped while Slack answers: the run goes on and posts exactly once', {
    timeout: 60_000,
  }, async () => {
    const world = await createBotWorld('postgres');
    const admin = new pg.Client({ connectionString: world.env['DATABASE_URL'] });
    await admin.connect();
    try {
      const held = world.fake.holdNext('chat.postMessage', isReply);
      // The job's sessions are the ones opened after this instant (this test's own pool is older).
      const since = (await admin.query<{ t: Date }>('select now() as t')).rows[0]?.t;
      const job = spawnFinops(AT, world.env);
      await held.arrived;
      const killed = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'finops-review'
            and backend_start >= $1`,
        [since],
      );
      const n = killed.rows[0]?.n ?? 0;
      expect(n).toBeGreaterThan(0);
      // pg_terminate_backend only signals the sessions: Slack answers once the job has seen every
      // one of them end (it logs each once), so the run resumes on connections it knows are gone.
      await job.waitFor(new RegExp(`(?:[\\s\\S]*?database connection lost){${n}}`));
      held.release();
      const exit = await job.exit;
      expect(exit.code, job.stderr).toBe(0);
      expect(job.stdout).toContain(`monthly-review ${month}: succeeded (attempt 1)`);
      expect(slackPicture(world.fake)).toEqual(reference);
      expect(await postedRows(world)).toEqual(referenceRows);
    } finally {
      await admin.end();
      await world.close();
    }
  });
});
