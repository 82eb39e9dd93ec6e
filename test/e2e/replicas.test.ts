/**
 * Three `finops start` replicas (HTTP mode, tokens, the fake Slack) on one Postgres, started at
 * the same time: each one's start-up catch-up tries every scheduled job for its latest period
 * (FINOPS_CATCH_UP_HOURS reaches back past the monthly review's slot), and the claims in job_run
 * let exactly one of them run each period. The review is posted once, each reminder once, the
 * digest once; slash commands sent round-robin to the replicas all answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { previousRun } from '../../src/jobs/cron.ts';
import { dayKey } from '../../src/jobs/period.ts';
import { addDays } from '../../src/lib/dates.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createActionItem } from '../../src/services/action-items.ts';
import {
  BOT_CONFIG,
  type BotWorld,
  caughtUpJobs,
  createBotWorld,
  reviewMonthNow,
  slackPicture,
} from '../support/bot-env.ts';
import { type FinopsProcess, jobOutcomeLine, spawnFinops } from '../support/finops-process.ts';
import { slackSender } from '../support/slack.ts';

const TZ = 'Europe/Berlin';
const GRACE = 'U0GRACE001';
const LINUS = 'U0LINUS001';

describe.skipIf(!process.env['TEST_DATABASE_URL'])('three replicas on one Postgres', () => {
  let world: BotWorld;
  const replicas: Array<{ bot: FinopsProcess; port: string }> = [];
  const { month } = reviewMonthNow();
  const now = new Date();
  const reminderDay = dayKey(previousRun('0 9 * * 1-5', TZ, now) as Date, TZ);
  const digestMonday = dayKey(previousRun('0 9 * * 1', TZ, now) as Date, TZ);
  const JOBS = caughtUpJobs(now);

  beforeAll(async () => {
    world = await createBotWorld('postgres');
    const { config, hash } = parseConfigText(BOT_CONFIG, 'finops.yml');
    const deps = {
      db: world.db?.db as NonNullable<BotWorld['db']>['db'],
      config,
      configHash: hash,
      logger: createLogger({ level: 'silent' }),
      now: () => new Date(`${addDays(digestMonday, -7)}T08:00:00Z`),
      env: {},
      dataDir: '/nonexistent',
    };
    const item = (key: string, ownerId: string, dueDate: string) =>
      createActionItem(deps, {
        title: `Replica item ${key}`,
        ownerId,
        dueDate,
        productLine: 'checkout',
        anomalyId: null,
        creatorId: 'U0ADA00001',
        source: null,
        reviewMonth: month,
        idempotencyKey: `replicas:${key}`,
      });
    // Due on the reminders' catch-up day: one "due today" DM. Overdue on the digest's Monday.
    await item('due', GRACE, reminderDay);
    await item('overdue', LINUS, addDays(digestMonday, -2));
    const ready = Array.from({ length: 3 }, () => {
      const bot = spawnFinops(['start'], world.env);
      return bot
        .waitFor(/listening for Slack on http:\/\/0\.0\.0\.0:(\d+)\/slack\/events/)
        .then(([, port]) => ({ bot, port: port as string }));
    });
    replicas.push(...(await Promise.all(ready)));
    const settled = Promise.all([
      // Every replica has had its say on every job: ran it, or found it running or done…
      ...replicas.map((r) => r.bot.waitForAll(JOBS.map((j) => jobOutcomeLine(j.name)))),
      // …and the replicas that ran something have finished it.
      ...JOBS.map((j) =>
        Promise.race(
          replicas.map((r) => r.bot.waitFor(new RegExp(`${j.name} \\S+: (succeeded|failed) \\(attempt`))),
        ),
      ),
    ]);
    // On a timeout, say what each replica printed (the hook's own timeout would not).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(replicas.map((r, i) => `replica ${i}:\n${r.bot.stderr}`).join('\n'))),
        100_000,
      );
    });
    await Promise.race([settled, late]).finally(() => clearTimeout(timer));
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.bot.proc.kill('SIGTERM');
    const exits = await Promise.all(replicas.map((r) => r.bot.exit));
    await world?.close();
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  }, 30_000);

  it('runs every scheduled job once per period, in one of the replicas', async () => {
    const runs = await world.db?.db
      .selectFrom('jobRun')
      .select(['job', 'periodKey', 'status', 'attempt', 'owner'])
      .orderBy('job')
      .execute();
    expect(runs?.map((r) => r.job)).toEqual(JOBS.map((j) => j.name).sort());
    for (const r of runs ?? []) expect(r, r.job).toMatchObject({ status: 'succeeded', attempt: 1 });
    // Each replica says which jobs it left to another one.
    const skips = replicas.map((r) => (r.bot.stderr.match(/: already (ran|running)/g) ?? []).length);
    expect(skips.reduce((a, b) => a + b, 0)).toBe(2 * JOBS.length);
    const ran = replicas.map(
      (r) => (r.bot.stderr.match(/INFO \S+ \S+: succeeded \(attempt 1\)/g) ?? []).length,
    );
    expect(ran.reduce((a, b) => a + b, 0)).toBe(JOBS.length);
  });

  it('posts the monthly review once, each reminder once and the digest once; nothing twice', async () => {
    const picture = slackPicture(world.fake);
    expect(new Set(picture).size).toBe(picture.length);
    expect(picture.filter((l) => /C0REVIEW01 top: FinOps review/.test(l))).toHaveLength(1);
    expect(picture.filter((l) => l.includes('Your slice of the'))).toHaveLength(2);
    expect(world.fake.callsTo('files.completeUploadExternal').length).toBeGreaterThanOrEqual(1);
    const dms = world.fake
      .messages()
      .filter((m) => m.channel.startsWith('D') && m.text?.includes('Replica item'));
    expect(dms.filter((m) => m.text?.includes('Replica item due'))).toHaveLength(1);
    expect(
      picture.filter((l) =>
        /C0REVIEW01 top: \d+ action items? (is|are) overdue \(Overdue action items/.test(l),
      ),
    ).toHaveLength(1);
  });

  it('answers slash commands sent round-robin to the replicas', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const r = replicas[i % 3] as (typeof replicas)[number];
        const slack = slackSender({ url: `http://127.0.0.1:${r.port}/slack/events`, fake: world.fake });
        const { res, responseUrl } = await slack.slashCommand({ text: 'help' });
        expect(res.status).toBe(200);
        return world.fake.waitFor('response_url', (c) => responseUrl.endsWith(String(c.params['_key'])));
      }),
    );
    expect(answers.map((a) => String(a.params['text']).includes('Usage of /finops'))).toEqual(
      Array(6).fill(true),
    );
  });
});
