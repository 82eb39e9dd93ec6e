/**
 * Graceful shutdown with real processes. `finops start` (HTTP mode, against the fake Slack) is
 * sent SIGTERM while its start-up catch-up is posting the monthly review, Slack holding the answer
 * to a thread reply: it stops accepting HTTP at once, the review stops after that reply, the run is
 * recorded failed (taken over by the next run), and it exits 0. The next start completes the review,
 * and Slack then holds exactly what an uninterrupted start posted. The same for `finops jobs run`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findJobRun } from '../../src/db/repos/job-runs.ts';
import type { RecordedCall } from '../fakes/fake-slack.ts';
import {
  type BotWorld,
  caughtUpJobs,
  createBotWorld,
  reviewMonthNow,
  slackPicture,
} from '../support/bot-env.ts';
import { backends } from '../support/db.ts';
import { type FinopsProcess, jobOutcomeLine, spawnFinops } from '../support/finops-process.ts';

const everyJobDone = caughtUpJobs().map((j) => jobOutcomeLine(j.name));
const isReply = (c: RecordedCall) => typeof c.params['thread_ts'] === 'string';

/** Starts the bot, waits until it listens; returns the process and its port. */
async function startBot(env: Record<string, string>): Promise<{ bot: FinopsProcess; port: string }> {
  const bot = spawnFinops(['start'], env);
  const [, port] = await bot.waitFor(/listening for Slack on http:\/\/0\.0\.0\.0:(\d+)\/slack\/events/);
  return { bot, port: port as string };
}

/** A start that runs every job's catch-up to its end, then is stopped with SIGTERM. */
async function uninterruptedStart(world: BotWorld): Promise<void> {
  const { bot } = await startBot(world.env);
  await bot.waitForAll(everyJobDone);
  bot.proc.kill('SIGTERM');
  const exit = await bot.exit;
  expect(exit.code, bot.stderr).toBe(0);
}

describe.each(backends())('SIGTERM on %s', (backend) => {
  const { month } = reviewMonthNow();
  let reference: string[];

  beforeAll(async () => {
    const world = await createBotWorld(backend);
    try {
      await uninterruptedStart(world);
      reference = slackPicture(world.fake);
    } finally {
      await world.close();
    }
  }, 60_000);

  it('finops start: stops accepting, ends the review at a safe point, exits 0; the next start completes it', {
    timeout: 60_000,
  }, async () => {
    expect(reference.filter((l) => l.includes('in thread of')).length).toBeGreaterThanOrEqual(4);
    const world = await createBotWorld(backend);
    try {
      // The first product line's reply: Slack has it, the bot waits for the answer.
      const held = world.fake.holdNext('chat.postMessage', isReply);
      const { bot, port } = await startBot(world.env);
      await held.arrived;
      bot.proc.kill('SIGTERM');
      await bot.waitFor(/finops-review: stopping…/);
      // The HTTP receiver is closed while the job is still finishing its reply.
      await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).rejects.toThrow();
      held.release();
      const exit = await bot.exit;
      expect(exit.code, bot.stderr).toBe(0);
      expect(bot.stdout).toContain('finops-review: SIGTERM received, shutting down');
      expect(bot.stdout).toMatch(/finops-review: stopped\n$/);
      expect(bot.stderr).toMatch(
        new RegExp(`ERROR monthly-review ${month}: failed \\(attempt 1\\): .*stopped`),
      );
      const afterStop = slackPicture(world.fake);
      expect(afterStop.length).toBeLessThan(reference.length);
      const run = await world.withDb((db) => findJobRun(db, 'monthly-review', month));
      expect(run).toMatchObject({ status: 'failed', attempt: 1 });
      expect(run?.finishedAt).not.toBeNull();

      await uninterruptedStart(world);
      expect(slackPicture(world.fake)).toEqual(reference);
      const again = await world.withDb((db) => findJobRun(db, 'monthly-review', month));
      expect(again).toMatchObject({ status: 'succeeded', attempt: 2 });
    } finally {
      await world.close();
    }
  });

  it('finops jobs run: stops after the reply in flight, exits 0; a re-run posts only the rest', {
    timeout: 60_000,
  }, async () => {
    const world = await createBotWorld(backend);
    try {
      const at = ['--at', reviewMonthNow().slot.toISOString()];
      const held = world.fake.holdNext('chat.postMessage', isReply);
      const job = spawnFinops(['jobs', 'run', 'monthly-review', ...at], world.env);
      await held.arrived;
      job.proc.kill('SIGTERM');
      held.release();
      const exit = await job.exit;
      expect(exit.code, job.stderr).toBe(0);
      expect(job.stdout).toContain(`monthly-review ${month}: failed (attempt 1)`);
      expect(job.stdout).toContain(
        `monthly-review ${month}: stopped by SIGTERM; the next run of the period takes it over`,
      );
      const run = await world.withDb((db) => findJobRun(db, 'monthly-review', month));
      expect(run).toMatchObject({ status: 'failed', attempt: 1 });

      const rerun = spawnFinops(['jobs', 'run', 'monthly-review', ...at], world.env);
      expect((await rerun.exit).code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain(`monthly-review ${month}: succeeded (attempt 2)`);
      // Only the review's own messages (the thread, its parent, the showbacks): `jobs run` runs one job.
      const reviewOnly = reference.filter((l) =>
        /in thread of "FinOps review|top: FinOps review|top: Your slice of the/.test(l),
      );
      expect(reviewOnly.length).toBeGreaterThanOrEqual(6);
      expect(slackPicture(world.fake)).toEqual(reviewOnly);
    } finally {
      await world.close();
    }
  });
});
