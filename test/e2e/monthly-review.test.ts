/**
 * The monthly review end to end: the real app (Bolt, the gateway over Bolt's WebClient) against
 * the fake Slack and a fresh database per test, the job run through the runner as the scheduler
 * and `finops jobs run` do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.ts';
import { listPostedMessages } from '../../src/db/repos/posted-messages.ts';
import { readSnapshot } from '../../src/db/repos/snapshots.ts';
import { monthlyReviewJob } from '../../src/jobs/monthly-review.ts';
import { runJob } from '../../src/jobs/runner.ts';
import type { FakeMessage } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { seedReviewMonths } from '../support/review-seed.ts';
import { startTestApp, type TestApp, TEST_CONFIG } from '../support/slack.ts';

const REVIEW = 'C0REVIEW01';
const AT = new Date('2026-11-02T08:00:00Z'); // 09:00 on the 2nd in Berlin: the review of October
const MONTHS = ['2026-08', '2026-09', '2026-10'];
const DEFAULT_LINES = [
  { id: 'checkout', repo: 'acme/checkout-api' },
  { id: 'search-ai', repo: 'acme/search' },
];

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(
  backend: 'pglite' | 'postgres',
  config: Partial<ConfigInput> = {},
  lines: Array<{ id: string; repo: string }> = DEFAULT_LINES,
  sleep?: (ms: number) => Promise<void>,
): Promise<TestApp> {
  t = await startTestApp({ backend, config, now: () => AT, ...(sleep ? { gateway: { sleep } } : {}) });
  await seedReviewMonths(t.db.db, lines, MONTHS);
  return t;
}

const runReview = (app: TestApp, dryRun = false) =>
  runJob(monthlyReviewJob, { deps: app.deps, messenger: app.app.gateway, at: AT, dryRun });

const blocksText = (m: FakeMessage) => JSON.stringify(m.blocks ?? []);
const inThread = (app: TestApp, threadTs: string) =>
  app.fake.messages(REVIEW).filter((m) => m.threadTs === threadTs && m.ephemeralTo === undefined);

describe.each(backends())('monthly review on %s', (backend) => {
  it('posts the parent, the chart files and one reply per product line in thread order, then the showback', async () => {
    const app = await start(backend, { review: { channel: '#finops-review', show_margin_in_channel: true } });
    const outcome = await runReview(app);
    expect(outcome.status, outcome.message).toBe('succeeded');

    const top = app.fake.messages(REVIEW).filter((m) => m.threadTs === undefined);
    expect(top).toHaveLength(1);
    const parent = top[0] as FakeMessage;
    expect(parent.text).toContain('FinOps review — October 2026');
    expect(blocksText(parent)).toContain('Gross margin');

    const thread = inThread(app, parent.ts);
    expect(
      thread.map((m) =>
        m.via === 'files.completeUploadExternal' ? `file:${m.files[0]?.title}` : m.text?.split(':')[0],
      ),
    ).toEqual([
      'file:Stage mix, share of hours — August 2026 to October 2026',
      'file:Gross margin drift — September 2026 to October 2026',
      'Checkout',
      'Search AI',
    ]);
    // Charts carry alt text with the same facts as the text.
    const uploads = [...app.fake.uploads.values()];
    expect(uploads).toHaveLength(2);
    for (const u of uploads) {
      expect(u.completed).toBe(true);
      expect(u.bytes?.subarray(1, 4).toString()).toBe('PNG');
      expect(u.altText?.length).toBeGreaterThan(40);
    }
    expect(uploads.find((u) => u.filename.startsWith('margin'))?.altText).toMatch(
      /organisation gross margin [\d.]+% in September 2026, [\d.]+% in October 2026; margin fell/,
    );
    // The replies carry the "Add action item" button.
    expect(blocksText(thread[2] as FakeMessage)).toContain('"action_id":"action_item_add"');

    // Showback: each team's slice with the thread's permalink.
    const payments = app.fake.messages('C0PAYMENT1');
    expect(payments).toHaveLength(1);
    expect(blocksText(payments[0] as FakeMessage)).toContain('Checkout');
    expect(blocksText(payments[0] as FakeMessage)).not.toContain('Search AI');
    expect(blocksText(payments[0] as FakeMessage)).toContain(
      `/archives/${REVIEW}/p${parent.ts.replace('.', '')}|Open the review thread`,
    );
    expect(app.fake.messages('C0SEARCH01')).toHaveLength(1);

    // Recorded, and the month is frozen.
    const recorded = await listPostedMessages(app.db.db, 'review:2026-10');
    expect(recorded.map((r) => r.key)).toEqual([
      'parent',
      'chart:stage-mix',
      'chart:margin-waterfall',
      'reply:checkout',
      'reply:search-ai',
      'showback:payments',
      'showback:search',
    ]);
    expect(recorded.every((r) => r.ts !== null)).toBe(true);
    expect((await readSnapshot(app.db.db, '2026-10'))?.status).toBe('frozen');
  });

  it('posts nothing on a second run, whether the period guard or the message records stop it', async () => {
    const app = await start(backend);
    expect((await runReview(app)).status).toBe('succeeded');
    const before = app.fake.calls.length;
    const again = await runReview(app);
    expect(again.status).toBe('skipped');
    // Even past the period guard (an operator clearing the job run), the records hold.
    await app.db.db.deleteFrom('jobRun').execute();
    const third = await runReview(app);
    expect(third.status).toBe('succeeded');
    expect(third.status === 'succeeded' && third.result.stats).toMatchObject({ posted: 0, failed: 0 });
    const after = app.fake.calls.slice(before).map((c) => c.method);
    expect(
      after.filter((m) =>
        ['chat.postMessage', 'files.completeUploadExternal', 'chat.postEphemeral'].includes(m),
      ),
    ).toEqual([]);
  });

  it('a run that fails after 3 replies is re-run and posts exactly the missing ones, in order', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => ({ id: `pl-${i + 1}`, repo: `acme/pl-${i + 1}` }));
    const app = await start(
      backend,
      {
        product_lines: lines.map((l) => ({
          id: l.id,
          name: `Line ${l.id}`,
          team: 'payments',
          repos: [l.repo],
        })),
      },
      lines,
    );
    // The parent and three replies go through; Slack then fails the fourth reply.
    const queued = app.fake.waitForCount('chat.postMessage', 4).then(() => {
      app.fake.queueError('chat.postMessage', 'fatal_error');
    });
    const first = await runReview(app);
    await queued;
    expect(first.status).toBe('failed');
    expect(first.status === 'failed' && first.error).toContain('reply:pl-4');
    const parent = app.fake.messages(REVIEW).find((m) => m.threadTs === undefined) as FakeMessage;
    const replies = () =>
      inThread(app, parent.ts)
        .filter((m) => m.via === 'chat.postMessage')
        .map((m) => m.text?.split(':')[0]);
    expect(replies()).toEqual(['Line pl-1', 'Line pl-2', 'Line pl-3']);

    const postsBefore = app.fake.callsTo('chat.postMessage').length;
    const uploadsBefore = app.fake.callsTo('files.completeUploadExternal').length;
    const second = await runReview(app);
    expect(second.status, second.message).toBe('succeeded');
    expect(second.status === 'succeeded' && second.takeover).toBe('failed');
    const newPosts = app.fake.callsTo('chat.postMessage').slice(postsBefore);
    expect(newPosts.map((c) => [c.params['channel'], c.params['thread_ts']])).toEqual([
      [REVIEW, parent.ts],
      [REVIEW, parent.ts],
    ]);
    expect(replies()).toEqual(['Line pl-1', 'Line pl-2', 'Line pl-3', 'Line pl-4', 'Line pl-5']);
    expect(app.fake.callsTo('files.completeUploadExternal')).toHaveLength(uploadsBefore);
    expect(app.fake.messages('C0PAYMENT1')).toHaveLength(1);
    expect(app.fake.messages(REVIEW).filter((m) => m.threadTs === undefined)).toHaveLength(1);
  });
});

describe('monthly review: Slack errors and access', () => {
  it('reports a team channel the bot is not in, to the review channel and in the failed run', async () => {
    const app = await start('pglite');
    // The bot was removed from the search team's channel after start-up.
    app.fake.addChannel({ id: 'C0SEARCH01', name: 'team-search', isPrivate: true, isMember: false });
    const outcome = await runReview(app);
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.error).toContain(
      'showback:search in C0SEARCH01 (not_in_channel)',
    );
    const report = app.fake
      .messages(REVIEW)
      .find((m) => m.threadTs === undefined && m.text?.startsWith('Some of the October 2026 review'));
    expect(report).toBeDefined();
    expect(blocksText(report as FakeMessage)).toContain('invite it with /invite @finops');
    // A re-run with the problem unchanged completes nothing new and does not repeat the report.
    await runReview(app);
    expect(
      app.fake.messages(REVIEW).filter((m) => m.text?.startsWith('Some of the October 2026 review')),
    ).toHaveLength(1);
  });

  it('retries a 429 on a reply after Retry-After and posts it once', async () => {
    const waits: number[] = [];
    const app = await start('pglite', {}, DEFAULT_LINES, async (ms) => {
      waits.push(ms);
    });
    const queued = app.fake.waitForCount('chat.postMessage', 2).then(() => {
      app.fake.queueRateLimit('chat.postMessage', 1);
    });
    const outcome = await runReview(app);
    await queued;
    expect(outcome.status, outcome.message).toBe('succeeded');
    const parent = app.fake.messages(REVIEW).find((m) => m.threadTs === undefined) as FakeMessage;
    expect(inThread(app, parent.ts).filter((m) => m.via === 'chat.postMessage')).toHaveLength(2);
    expect(app.fake.callsTo('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(1);
    expect(waits).toEqual([1000]);
  });

  it('keeps margin out of the thread and sends it ephemerally to finance viewers (user groups expanded)', async () => {
    const app = await start('pglite', {
      access: { finance_viewers: ['S0FINANCE1', 'U0GRACE001'], admins: ['U0ADMIN001'] },
    });
    const outcome = await runReview(app);
    expect(outcome.status, outcome.message).toBe('succeeded');
    const visible = app.fake.messages().filter((m) => m.ephemeralTo === undefined);
    for (const m of visible) {
      expect(blocksText(m)).not.toMatch(/Gross margin \d|gross margin \d|\*Revenue\*/);
    }
    expect(app.fake.uploads.size).toBe(1); // no waterfall in the channel
    const parent = app.fake.messages(REVIEW).find((m) => m.threadTs === undefined) as FakeMessage;
    const ephemerals = app.fake.messages(REVIEW).filter((m) => m.ephemeralTo !== undefined);
    expect(ephemerals.map((m) => [m.ephemeralTo, m.threadTs])).toEqual([
      ['U0FINANCE1', parent.ts],
      ['U0GRACE001', parent.ts],
    ]);
    expect(blocksText(ephemerals[0] as FakeMessage)).toMatch(/Organisation: gross margin [\d.]+%/);
    expect(app.fake.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('stays within Block Kit limits with 80 product lines with hostile names', async () => {
    const hostile = ['<!channel>', '*bold*', '&amp;', '<https://evil.example|click>', 'ü'.repeat(300)];
    const lines = Array.from({ length: 80 }, (_, i) => ({ id: `pl-${i}`, repo: `acme/pl-${i}` }));
    const app = await start(
      'pglite',
      {
        review: { channel: '#finops-review', show_margin_in_channel: true },
        product_lines: lines.map((l, i) => ({
          id: l.id,
          name: `${hostile[i % hostile.length]} ${i}`,
          team: i % 2 === 0 ? 'payments' : 'search',
          repos: [l.repo],
        })),
      },
      lines,
    );
    const outcome = await runReview(app);
    expect(outcome.status, outcome.message).toBe('succeeded');
    const parent = app.fake.messages(REVIEW).find((m) => m.threadTs === undefined) as FakeMessage;
    const replies = inThread(app, parent.ts).filter((m) => m.via === 'chat.postMessage');
    expect(replies).toHaveLength(80);
    // The fake rejects over-limit payloads, so every call succeeding is the limit check; and nothing pings.
    expect(
      app.fake.calls.filter((c) => c.status !== 200 || (c.response as { ok?: boolean }).ok === false),
    ).toEqual([]);
    for (const m of app.fake.messages()) {
      const all = `${m.text ?? ''}${blocksText(m)}`;
      expect(all).not.toContain('<!channel>');
      expect(all).not.toContain('<https://evil');
    }
    const stageChart = [...app.fake.uploads.values()].find((u) => u.filename.startsWith('stage-mix'));
    expect(stageChart?.altText).toMatch(
      /^Stacked bars.*October 2026: Organisation: authoring [\d.]+%.*…and \d+ more product lines \(in their replies\)\.$/,
    );
    expect(stageChart?.altText?.length).toBeLessThanOrEqual(1000);
    expect(app.fake.messages('C0PAYMENT1')).toHaveLength(1);
  }, 60_000);

  it('dry run: renders what it would post and posts and records nothing', async () => {
    const app = await start('pglite');
    const outcome = await runReview(app, true);
    expect(outcome.status).toBe('dry-run');
    const summary = outcome.status === 'dry-run' ? (outcome.result?.summary ?? '') : '';
    expect(summary).toContain('would post 6 message(s)');
    expect(summary).toContain('parent → #finops-review: would post');
    expect(summary).toContain('reply:search-ai → #finops-review (thread): would post');
    expect(summary).toContain('showback:payments → #team-payments: would post');
    expect(app.fake.callsTo('chat.postMessage')).toEqual([]);
    expect(await listPostedMessages(app.db.db, 'review:2026-10')).toEqual([]);
    expect((await readSnapshot(app.db.db, '2026-10'))?.status).toBe('open');
  });
});

void TEST_CONFIG;
