/**
 * Anomaly alerts and action reminders when Slack pushes back: 429s (waited out by the gateway for
 * Retry-After, through an injected sleep) and `ok:false` refusals (the item fails, the run is
 * recorded failed, the claim is released). The next run of the same period takes the failed run
 * over and sends only what is missing: Slack ends up with exactly the messages of a run that met no
 * fault, nothing twice. The real app, the fake Slack, both backends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { detectAnomaliesJob } from '../../src/jobs/detect-anomalies.ts';
import { actionRemindersJob } from '../../src/jobs/action-reminders.ts';
import { runJob } from '../../src/jobs/runner.ts';
import { createActionItem } from '../../src/services/action-items.ts';
import { type CostRowSpec, daily, insertCostRows } from '../support/anomaly-cost.ts';
import { slackPicture } from '../support/bot-env.ts';
import { backends } from '../support/db.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

/** October 1–15: four series with a spike on the 15th (three to a team channel, one unallocated). */
const COST: CostRowSpec[] = [
  ...daily(1, 15, { cost: 100, service: 'Amazon EC2' }, { 15: 400 }),
  ...daily(1, 15, { cost: 100, service: 'Amazon S3' }, { 15: 250 }),
  ...daily(1, 15, { cost: 100, productLine: 'search-ai', service: 'Amazon Bedrock' }, { 15: 600 }),
  ...daily(
    1,
    15,
    { cost: 50, productLine: null, service: 'AWS Data Transfer', subAccount: null, region: null },
    { 15: 130 },
  ),
];
const AT = new Date('2026-10-16T07:30:00Z'); // a Friday, 09:30 in Berlin

describe.each(backends())('Slack 429s and refusals on %s', (backend) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });

  /** The app with the anomaly data and two action items due today; `waits` records the gateway's 429 waits. */
  async function world() {
    const waits: number[] = [];
    const t = await startTestApp({
      backend,
      now: () => AT,
      gateway: {
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    });
    apps.push(t);
    await insertCostRows(t.db.db, COST);
    for (const [key, owner] of [
      ['a', 'U0GRACE001'],
      ['b', 'U0LINUS001'],
    ] as const) {
      await createActionItem(t.deps, {
        title: `Fault item ${key}`,
        ownerId: owner,
        dueDate: '2026-10-16',
        productLine: 'checkout',
        anomalyId: null,
        creatorId: 'U0ADA00001',
        source: null,
        reviewMonth: '2026-09',
        idempotencyKey: `faults:${key}`,
      });
    }
    const run = (job: typeof detectAnomaliesJob) =>
      runJob(job, { deps: t.deps, messenger: t.app.gateway, at: AT, dryRun: false });
    return { t, waits, run };
  }

  it('a run that met 429s and refusals, run again, leaves exactly the messages of a clean run', {
    timeout: 60_000,
  }, async () => {
    const clean = await world();
    expect((await clean.run(detectAnomaliesJob)).status).toBe('succeeded');
    expect((await clean.run(actionRemindersJob)).status).toBe('succeeded');
    const reference = slackPicture(clean.t.fake);
    expect(reference.filter((l) => l.includes('Fault item'))).toHaveLength(2);
    expect(clean.t.fake.callsTo('chat.postMessage').length).toBeGreaterThanOrEqual(5);

    const faulty = await world();
    const { fake } = faulty.t;
    // Alerts: two 429s in a row (waited out, then sent), then a refusal of the next alert.
    fake.queueRateLimit('chat.postMessage', 2, 2);
    fake.queueError('chat.postMessage', 'internal_error', { times: 1 });
    const alerts1 = await faulty.run(detectAnomaliesJob);
    expect(alerts1.status).toBe('failed');
    expect(alerts1.status === 'failed' && alerts1.error).toMatch(/alert failed/);
    expect(faulty.waits).toEqual([2000, 2000]);
    const alerts2 = await faulty.run(detectAnomaliesJob);
    expect(alerts2).toMatchObject({ status: 'succeeded', takeover: 'failed', run: { attempt: 2 } });

    // Reminders: the first DM's channel cannot be opened (429, then ok:false), the other goes out.
    fake.queueRateLimit('conversations.open', 1, 1);
    fake.queueError('conversations.open', 'fatal_error', { times: 1 });
    const reminders1 = await faulty.run(actionRemindersJob);
    expect(reminders1.status).toBe('failed');
    const reminders2 = await faulty.run(actionRemindersJob);
    expect(reminders2).toMatchObject({ status: 'succeeded', run: { attempt: 2 } });
    expect(reminders2.status === 'succeeded' && reminders2.result.stats).toMatchObject({
      sent: 1,
      alreadySent: 1,
    });

    const picture = slackPicture(fake);
    expect(picture).toEqual(reference);
    expect(new Set(picture.filter((l) => l.includes('Fault item'))).size).toBe(2);
    // A third run of either period changes nothing.
    expect((await faulty.run(detectAnomaliesJob)).status).toBe('skipped');
    expect((await faulty.run(actionRemindersJob)).status).toBe('skipped');
    expect(slackPicture(fake)).toEqual(reference);
  });
});
