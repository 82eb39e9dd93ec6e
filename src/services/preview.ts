/**
 * The local preview: what `finops start` does without Slack tokens (the README's first command).
 *
 * 1. Data: an empty database gets the demo organisation (deterministic seed); a database that
 *    already holds the demo is used as it is (never re-seeded); a database with ingested data is
 *    previewed with the config in use.
 * 2. The months' snapshots are built (open, as reports build them) and cost anomalies detected and
 *    recorded, as the daily job does. Both are idempotent: a second preview changes nothing.
 * 3. Scenes, run by the real services through a `PreviewMessenger` (records instead of posting)
 *    inside a sandbox transaction that is always rolled back (src/db/sandbox.ts), so nothing is
 *    recorded as posted, no snapshot is frozen and no job run is written, and the next preview
 *    shows the same thing again:
 *    - the cost anomaly (for the demo, its known spike) is alerted in the owning team's channel
 *      the morning after, acknowledged, turned into an action item (confirmed in the thread);
 *    - the owner gets the reminder DM two days before it is due, resolves the anomaly, closes
 *      the item;
 *    - on the 2nd of the next month the review thread is posted: the parent, the charts, one
 *      reply per product line, and the showback to each team.
 * 4. Printed readably from the very payloads the services built (blocks/terminal.ts), each
 *    payload written as JSON and each chart as PNG into `$FINOPS_DATA_DIR/preview/`, with an
 *    index.html and links.txt giving each payload's Block Kit Builder link; then how to connect a
 *    real workspace. With `watch`, it stays up and renders again on each reload (SIGHUP) until
 *    stopped.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { ActionItemUiIds } from '../blocks/action-items.ts';
import type { AnomalyAlertActionIds } from '../blocks/anomaly-alert.ts';
import type { ReplyIds } from '../blocks/review.ts';
import { blockKitBuilderUrl, blocksToTerminal } from '../blocks/terminal.ts';
import type { Db } from '../db/connect.ts';
import { type Anomaly, listAnomalies } from '../db/repos/anomalies.ts';
import { readSnapshots } from '../db/repos/snapshots.ts';
import { withRollback } from '../db/sandbox.ts';
import { addDays, addMonths, type Day, lastClosedMonth, type Month } from '../lib/dates.ts';
import { formatMoney } from '../lib/money.ts';
import { createProgress, type Progress } from '../lib/progress.ts';
import { allInCostOf, grossMarginPctOf, stageShareOf } from '../model/margin.ts';
import { isWeekend } from '../model/action-items.ts';
import { organisationFigures } from '../model/organisation.ts';
import type { Snapshot } from '../model/types.ts';
import { createActionItem, markActionItemDone } from './action-items.ts';
import { confirmActionItem, sendActionReminders } from './action-notify.ts';
import { alertAnomalies } from './alert-anomalies.ts';
import { acknowledgeAnomaly, resolveAnomaly } from './anomaly-triage.ts';
import { ensureSnapshot } from './build-snapshot.ts';
import { demoConfig } from './demo/config.ts';
import { type DemoSeedRow, demoDatabaseState, seedDemo } from './demo/seed.ts';
import { DEMO_DEFAULT_SEED, DEMO_SPIKE } from './demo/story.ts';
import type { ServiceDeps } from './deps.ts';
import { recordCostAnomalies } from './detect-anomalies.ts';
import { postMonthlyReview } from './post-monthly-review.ts';
import {
  createPreviewMessenger,
  type PreviewDirectory,
  type PreviewMessenger,
  type PreviewPost,
  PREVIEW_USER_ID,
  previewDirectory,
} from './preview-messenger.ts';

/** The Slack ids the renderers need (src/slack/ids.ts; services do not import slack/). */
export interface PreviewIds {
  reply: ReplyIds;
  anomaly: AnomalyAlertActionIds;
  actionItems: ActionItemUiIds;
}

export interface PreviewOptions {
  ids: PreviewIds;
  /** Keep running after the preview, rendering it again on each reload, until stopped. */
  watch?: boolean;
  /** With `watch`: resolves with the reason to stop (the CLI passes SIGINT/SIGTERM). */
  untilStopped?: Promise<string>;
  /** With `watch`: subscribes to "render again" (the CLI passes SIGHUP); returns the unsubscribe. */
  onReload?: (listener: () => void) => () => void;
}

export interface PreviewIo {
  stdout(text: string): void;
  /** Progress is redrawn in place on a terminal, logged as lines otherwise. */
  isTty?: boolean;
}

/** Where the payloads and charts go, under the data dir. */
export const PREVIEW_DIR = 'preview';

/** What one rendering produced (the tests read it too). */
export interface PreviewRun {
  month: Month;
  posts: PreviewPost[];
  files: Array<{ file: string; post: PreviewPost }>;
  dir: string;
}

/** Returns the exit status. */
export async function runLocalPreview(
  deps: ServiceDeps,
  io: PreviewIo,
  opts: PreviewOptions,
): Promise<number> {
  const progress = createProgress({ stdout: (t) => io.stdout(t), isTty: io.isTty === true });
  const database = deps.env['DATABASE_URL']
    ? 'Postgres (DATABASE_URL)'
    : `the embedded database (PGlite) in ${path.join(deps.dataDir, 'db')}`;
  io.stdout(
    [
      'finops-review: no SLACK_BOT_TOKEN set, so this is the local preview (nothing is posted to Slack).',
      `  database:  ${database}`,
      `  data dir:  ${deps.dataDir}`,
      '',
    ].join('\n'),
  );
  try {
    const data = await prepareData(deps, io, progress);
    if (!data) {
      io.stdout(connectText());
      return 0;
    }
    await renderPreview(data.deps, io, progress, opts.ids, data);
    io.stdout(connectText());
    if (!opts.watch) return 0;
    return await watch(io, opts, async () => {
      await renderPreview(data.deps, io, progress, opts.ids, data);
    });
  } finally {
    progress.close();
  }
}

async function watch(io: PreviewIo, opts: PreviewOptions, render: () => Promise<void>): Promise<number> {
  const stopped = opts.untilStopped ?? new Promise<string>(() => undefined);
  let wake: (() => void) | undefined;
  let pending = false;
  const off = opts.onReload?.(() => {
    pending = true;
    wake?.();
  });
  // Signal listeners do not keep Node running; this timer does, until the preview stops.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  // Said only once listening, so a reload sent as soon as it is read is not lost.
  io.stdout(
    `finops-review: watching (pid ${process.pid}): \`kill -HUP ${process.pid}\` renders the preview again ` +
      '(after an ingest, a config change…); Ctrl-C stops\n',
  );
  try {
    for (;;) {
      const reload = new Promise<'reload'>((resolve) => {
        wake = () => resolve('reload');
        if (pending) resolve('reload');
      });
      const what = await Promise.race([stopped, reload]);
      if (what !== 'reload') {
        io.stdout(`finops-review: ${what} received, stopping the preview\n`);
        return 0;
      }
      pending = false;
      io.stdout('\nfinops-review: rendering the preview again\n');
      await render();
      io.stdout('finops-review: watching again; Ctrl-C stops\n');
    }
  } finally {
    clearInterval(keepAlive);
    off?.();
  }
}

interface PreviewData {
  deps: ServiceDeps;
  month: Month;
  months: Month[];
  demo: DemoSeedRow | null;
}

/** Seeds the demo into an empty database; says which data and config the preview runs on. */
async function prepareData(
  deps: ServiceDeps,
  io: PreviewIo,
  progress: Progress,
): Promise<PreviewData | null> {
  const demo = demoConfig();
  const state = await demoDatabaseState(deps.db);
  const tz = deps.config.timezone;
  if (state.state === 'data') {
    const month = lastClosedMonth(deps.now(), tz);
    io.stdout(
      `  data:      what is ingested (${state.foreign.map((f) => `${f.table} ${f.rows}`).join(', ')}); ` +
        `previewing the review of ${month} with ${deps.config.product_lines.length} product line(s)\n\n`,
    );
    return { deps, month, months: [addMonths(month, -1), month], demo: null };
  }
  if (state.state === 'empty' && deps.configHash !== demo.hash) {
    io.stdout(
      '  data:      nothing ingested yet, and the config is not the demo organisation, so there is nothing to preview.\n' +
        '             Ingest your data (finops ingest github|pagerduty|focus|revenue) and run finops start again, or\n' +
        '             see the demo organisation: run it without a finops.yml (and FINOPS_CONFIG) on an empty FINOPS_DATA_DIR.\n\n',
    );
    return null;
  }
  // The demo's rows only make sense with the demo's config.
  const demoDeps: ServiceDeps = { ...deps, config: demo.config, configHash: demo.hash };
  if (deps.configHash !== demo.hash) {
    io.stdout(
      '  note:      the database holds the demo organisation, so the preview uses its config, not yours\n',
    );
  }
  let seed = state.seed;
  if (!seed) {
    const endMonth = lastClosedMonth(deps.now(), demo.config.timezone);
    const task = progress.start(`seeding the demo organisation (seed ${DEMO_DEFAULT_SEED})`, {
      unit: 'rows',
    });
    let rows = 0;
    try {
      const r = await seedDemo(
        { db: deps.db, now: deps.now },
        {
          seed: DEMO_DEFAULT_SEED,
          endMonth,
          onProgress: (p) => {
            if (p.step === 'generate') task.update(0, { total: p.rows, detail: 'generated' });
            if (p.step === 'insert') {
              rows += p.rows;
              task.update(rows, { detail: p.what });
            }
          },
        },
      );
      task.finish(
        `${r.people} engineers, ${r.teams} teams, ${r.productLines} product lines, ${r.firstMonth} … ${r.endMonth}, ` +
          `${r.totalRows.toLocaleString('en-US')} rows`,
      );
    } catch (err) {
      task.fail('nothing was written');
      throw err;
    }
    seed = await readSeed(deps.db);
  } else {
    io.stdout(
      `  data:      the demo organisation (seed ${seed.seed}, ${seed.firstMonth} … ${seed.endMonth}), seeded ` +
        `${seed.seededAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; not seeded again\n`,
    );
  }
  const months = Array.from({ length: seed.months }, (_, i) => addMonths(seed.firstMonth, i));
  return { deps: demoDeps, month: seed.endMonth, months, demo: seed };
}

async function readSeed(db: Db): Promise<DemoSeedRow> {
  const { seed } = await demoDatabaseState(db);
  if (!seed) throw new Error('the demo was seeded but its seed row is missing');
  return seed;
}

async function renderPreview(
  deps: ServiceDeps,
  io: PreviewIo,
  progress: Progress,
  ids: PreviewIds,
  data: PreviewData,
): Promise<PreviewRun> {
  const { config } = deps;
  const tz = config.timezone;
  const started = performance.now();

  // Snapshots of every month, oldest first, so each month's drift reads the stored month before.
  const snaps = progress.start('building the monthly snapshots', {
    unit: 'months',
    total: data.months.length,
  });
  for (const [i, m] of data.months.entries()) {
    await ensureSnapshot(deps, m);
    snaps.update(i + 1, { detail: m });
  }
  snaps.finish(`${data.months[0]} … ${data.month}`);

  const detect = progress.start('detecting cost anomalies');
  const recorded = await recordCostAnomalies(deps);
  detect.finish(
    recorded.range === null
      ? 'no cost ingested'
      : `${recorded.planned.length} in ${recorded.range.firstDay} … ${recorded.range.lastDay} ` +
          `(${recorded.created.length} new)`,
  );

  const scenes = progress.start('running the scenes through the real services');
  const directory = previewDirectory(config);
  let clock = deps.now();
  const messenger = createPreviewMessenger(directory, () => clock);
  const spike = pickAnomaly(await listAnomalies(deps.db, { kind: 'cost' }), data.demo);
  const story = await withRollback(deps.db, async (db) => {
    const at = (when: Date) => {
      clock = when;
      return { ...deps, db, now: () => when };
    };
    // The sandbox starts from a clean slate: whatever a real run posted is not the preview's.
    await db.deleteFrom('postedMessage').execute();
    const marks = { alert: 0, reminder: 0, review: 0 };
    let itemTitle: string | null = null;
    if (spike && recorded.range) {
      await db
        .updateTable('anomaly')
        .set({
          status: 'open',
          alertedAt: null,
          channelId: null,
          messageTs: null,
          notifiedLastDay: null,
          acknowledgedAt: null,
          acknowledgedBy: null,
          resolvedAt: null,
          resolvedBy: null,
          cause: null,
        })
        .where('id', '=', spike.id)
        .execute();
      const people = teamPeople(config, directory, spike.productLine);
      const alertDay = addDays(spike.lastDay, 1);
      await alertAnomalies(
        at(localTime(alertDay, '07:30', tz)),
        messenger,
        { firstDay: recorded.range.firstDay, lastDay: spike.lastDay },
        { actionIds: ids.anomaly },
      );
      marks.alert = messenger.posts.length;
      const alert = messenger.posts.find((p) => p.kind === 'message' && p.threadTs === null);
      await acknowledgeAnomaly(at(localTime(alertDay, '08:10', tz)), spike.id, people.lead);
      const due = dueDateAfter(addDays(alertDay, 7));
      itemTitle = `Find the cause of the ${spike.service} spike of ${spike.firstDay} and cap it`;
      const { item } = await createActionItem(at(localTime(alertDay, '08:25', tz)), {
        title: itemTitle,
        ownerId: people.owner,
        creatorId: people.lead,
        dueDate: due,
        productLine: spike.productLine,
        anomalyId: spike.id,
        source: alert
          ? {
              channel: alert.channel,
              threadTs: alert.ts,
              permalink: await messenger.permalink(alert.channel, alert.ts as string),
            }
          : null,
        reviewMonth: null,
        idempotencyKey: `preview:anomaly:${spike.id}`,
      });
      await confirmActionItem(at(localTime(alertDay, '08:25', tz)), messenger, item, clock, {
        reportToCreator: true,
      });
      marks.alert = messenger.posts.length;
      const remindAt = localTime(addDays(due, -2), '09:00', tz);
      await sendActionReminders(at(remindAt), messenger, remindAt, { ids: ids.actionItems, dryRun: false });
      marks.reminder = messenger.posts.length;
      const fixed = at(localTime(addDays(due, -1), '16:00', tz));
      await resolveAnomaly(
        fixed,
        spike.id,
        people.owner,
        'A re-index job ran without its concurrency cap; capped it and added a cost alarm',
      );
      await markActionItemDone(
        fixed,
        { canChangeActionItem: async () => true },
        { itemId: item.id, actorId: people.owner },
      );
    }
    marks.reminder = messenger.posts.length;
    const reviewAt = localTime(`${addMonths(data.month, 1)}-02`, '09:00', tz);
    await postMonthlyReview(at(reviewAt), messenger, { month: data.month, replyIds: ids.reply });
    marks.review = messenger.posts.length;
    return { marks, itemTitle, reviewAt };
  });
  const posts = [...messenger.posts];
  scenes.finish(`${posts.length} Slack calls recorded, nothing kept in the database`);

  const history = await readSnapshots(deps.db, data.months);
  const dir = path.join(deps.dataDir, PREVIEW_DIR);
  const alertPosts = posts.slice(0, story.marks.alert);
  const reminderPosts = posts.slice(story.marks.alert, story.marks.reminder);
  const reviewPosts = posts.slice(story.marks.reminder, story.marks.review);
  const ordered = [...reviewPosts, ...alertPosts, ...reminderPosts];
  const reviewParent = reviewPosts.find((p) => p.kind === 'message' && p.threadTs === null);
  const label = (p: PreviewPost): string => {
    if (reviewPosts.includes(p)) {
      if (p === reviewParent) return 'review-parent';
      if (reviewParent && p.threadTs === reviewParent.ts) return `review-reply-${firstBold(p)}`;
      if (p.kind === 'ephemeral') return 'review-finance-follow-up';
      return `showback-${messenger.channelName(p.channel)}`;
    }
    if (alertPosts.includes(p)) {
      if (p === alertPosts[0]) return `anomaly-alert-${spike?.productLine ?? 'unallocated'}`;
      return p.kind === 'update'
        ? 'anomaly-alert-updated'
        : `anomaly-thread-reply-${alertPosts.filter((x) => x.threadTs !== null).indexOf(p) + 1}`;
    }
    return `reminder-dm-${messenger.userName(p.user ?? '')}`;
  };
  const files = writePreviewFiles(dir, ordered, label);
  const fileOf = new Map(files.map((f) => [f.post.seq, f.file]));

  const out: string[] = [];
  const show = (p: PreviewPost) => {
    out.push(readable(p, messenger, io.isTty === true));
    const f = fileOf.get(p.seq);
    if (f) out.push(`  ↳ ${path.join(PREVIEW_DIR, f)}`);
    out.push('');
  };
  const when = (d: Date) => DateTime.fromJSDate(d, { zone: tz }).toFormat('ccc d LLL yyyy, HH:mm');

  // 1. The review thread.
  const parent = reviewPosts.find((p) => p.kind === 'message' && p.threadTs === null);
  out.push('');
  out.push(
    banner(
      `1 · The monthly review of ${monthTitle(data.month)} — ${parent?.where ?? config.review.channel}, ${when(story.reviewAt)} (${tz})`,
    ),
  );
  const thread = reviewPosts.filter((p) => parent && p.threadTs === parent.ts);
  if (parent) show(parent);
  else out.push('(no review parent: see the log above)', '');
  for (const p of thread) {
    out.push(p.kind === 'file' ? '  ┄ in the thread: a chart' : '  ┄ reply in the thread');
    show(p);
  }
  // 2. The showback to one team (the spike's team when there is one).
  const showbacks = reviewPosts.filter((p) => p !== parent && p.kind === 'message' && p.threadTs === null);
  const spikeTeamChannel = spike ? teamChannelOf(config, spike.productLine) : null;
  const showback =
    showbacks.find((p) => spikeTeamChannel !== null && p.where === spikeTeamChannel) ?? showbacks[0];
  if (showback) {
    out.push(banner(`2 · Showback — ${showback.where}, with the thread link`));
    show(showback);
    const others = showbacks.filter((p) => p !== showback);
    if (others.length > 0) {
      out.push(
        `  (and ${others.length} more showback(s): ${others
          .map((p) => `${p.where} → ${path.join(PREVIEW_DIR, fileOf.get(p.seq) ?? '')}`)
          .join(', ')})`,
        '',
      );
    }
  }
  // 3. The anomaly alert, and what happened in its thread.
  if (alertPosts.length > 0) {
    const first = alertPosts[0] as PreviewPost;
    out.push(banner(`3 · Cost anomaly alert — ${first.where}, ${when(first.at)} (the morning after)`));
    for (const p of alertPosts) {
      if (p !== first) out.push(`  ┄ ${p.threadTs ? 'in the thread' : p.kind}: ${p.where}, ${when(p.at)}`);
      show(p);
    }
  } else {
    out.push(banner('3 · Cost anomaly alert'), '(no cost anomaly in the data: nothing would be alerted)', '');
  }
  // 4. The reminder.
  if (reminderPosts.length > 0) {
    for (const p of reminderPosts) {
      out.push(banner(`4 · Action-item reminder — ${p.where}, ${when(p.at)}`));
      show(p);
    }
  } else if (story.itemTitle) {
    out.push(banner('4 · Action-item reminder'), '(none due on a weekday in the period)', '');
  }
  out.push(...storyLines(deps, data.months, history));
  const pngs = files.filter((f) => f.file.endsWith('.png')).length;
  out.push(
    `Wrote ${files.length - pngs} payloads (JSON) and ${pngs} chart(s) (PNG) to ${dir}`,
    `  open ${path.join(dir, 'index.html')} in a browser, or use ${path.join(dir, 'links.txt')}: each payload's Block Kit Builder link`,
    `  (the builder shows the message as Slack renders it; it needs you signed in to any workspace).`,
    `Rendered in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    '',
  );
  io.stdout(`${out.join('\n')}\n`);
  return { month: data.month, posts, files, dir };
}

function banner(title: string): string {
  return `━━ ${title} ${'━'.repeat(Math.max(3, 96 - title.length))}`;
}

function monthTitle(month: Month): string {
  return DateTime.fromISO(`${month}-01`).toFormat('LLLL yyyy');
}

/** The first bold phrase of a message (a reply's product line), for its file name. */
function firstBold(p: PreviewPost): string {
  const blocks = JSON.stringify(p.message?.blocks ?? []);
  return /\*([^*]+)\*/.exec(blocks)?.[1] ?? firstWords(p.message?.text ?? '');
}

/** Slack's emoji codes the renderers use, as the characters Slack shows. */
const EMOJI: Record<string, string> = {
  memo: '📝',
  bell: '🔔',
  white_check_mark: '✅',
  warning: '⚠️',
  rotating_light: '🚨',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  hourglass: '⏳',
  x: '❌',
};

/** A post as terminal text, mentions as names (as Slack shows them). */
function readable(p: PreviewPost, m: PreviewMessenger, tty: boolean): string {
  const names = (s: string) =>
    s
      .replace(/@(U[A-Z0-9]{4,})/g, (_x, id: string) => `@${m.userName(id)}`)
      .replace(/#(C[A-Z0-9]{4,})/g, (_x, id: string) => m.channelName(id))
      .replace(/:([a-z_]+):/g, (x, code: string) => EMOJI[code] ?? x)
      // *bold* as bold on a terminal, as plain words elsewhere.
      .replace(/(^|[\s(•])\*([^*\n]+)\*(?=$|[\s).,:;·])/gm, (_x, pre: string, t: string) =>
        tty ? `${pre}\x1b[1m${t}\x1b[22m` : `${pre}${t}`,
      );
  if (p.file) {
    return names(
      `[ image: ${p.file.title} ]  ${p.file.filename}, ${Math.round(p.file.data.length / 1024)} KB\n  alt text: ${truncate(p.file.altText, 240)}`,
    );
  }
  const blocks = p.message?.blocks ?? [];
  const body = blocks.length > 0 ? blocksToTerminal(blocks, 96) : (p.message?.text ?? '');
  const tag =
    p.kind === 'update' ? '(the alert, updated in place)\n' : p.kind === 'ephemeral' ? `(${p.where})\n` : '';
  return names(`${tag}${body}`);
}

const slug = (s: string) =>
  s
    .replace(/&amp;/g, 'and')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[øØ]/g, 'o')
    .replace(/[æÆ]/g, 'ae')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

/**
 * Each payload as the JSON chat.postMessage would take (channel, thread_ts, text, blocks), each
 * chart as its PNG, numbered in the printed order; index.html and links.txt give each payload's
 * Block Kit Builder link. The directory is the preview's own: emptied first.
 */
function writePreviewFiles(
  dir: string,
  posts: readonly PreviewPost[],
  label: (p: PreviewPost) => string,
): Array<{ file: string; post: PreviewPost }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: Array<{ file: string; post: PreviewPost }> = [];
  const links: string[] = [];
  const html: string[] = [];
  posts.forEach((p, i) => {
    const n = String(i + 1).padStart(2, '0');
    if (p.file) {
      const file = `${n}-${p.file.filename}`;
      writeFileSync(path.join(dir, file), p.file.data);
      files.push({ file, post: p });
      html.push(
        `<li><b>${n}</b> ${esc(p.where)}: chart <a href="${esc(file)}">${esc(file)}</a><br><img src="${esc(file)}" alt="${esc(p.file.altText)}" width="640"></li>`,
      );
      return;
    }
    if (!p.message) return;
    const file = `${n}-${slug(label(p))}.json`;
    const payload = {
      channel: p.channel,
      ...(p.threadTs ? { thread_ts: p.threadTs } : {}),
      ...(p.kind === 'ephemeral' && p.user ? { user: p.user } : {}),
      ...(p.kind === 'update' && p.ts ? { ts: p.ts } : {}),
      text: p.message.text,
      blocks: p.message.blocks ?? [],
    };
    writeFileSync(path.join(dir, file), `${JSON.stringify(payload, null, 2)}\n`);
    files.push({ file, post: p });
    const url = blockKitBuilderUrl(payload.blocks);
    links.push(`${file}\t${url}`);
    html.push(
      `<li><b>${n}</b> ${esc(p.where)}${p.threadTs ? ' (in the thread)' : ''}: <a href="${esc(file)}">${esc(file)}</a> · <a href="${esc(url)}">open in Block Kit Builder</a><br><small>${esc(p.message.text.slice(0, 200))}</small></li>`,
    );
  });
  writeFileSync(path.join(dir, 'links.txt'), `${links.join('\n')}\n`);
  writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>finops-review preview</title>
<h1>What finops-review would post</h1>
<p>Generated by <code>finops start</code> without Slack tokens. Each payload is the JSON the bot would send; the links open it in Slack's Block Kit Builder.</p>
<ol style="list-style:none">${html.join('\n')}</ol>\n`,
  );
  return files;
}

const truncate = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function firstWords(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/[*_~`]/g, '')
    .split(/\s+/)
    .slice(0, 5)
    .join(' ');
}

/** The anomaly the preview alerts: the demo's known spike, else the most recent largest one. */
function pickAnomaly(all: readonly Anomaly[], demo: DemoSeedRow | null): Anomaly | null {
  if (demo) {
    const spike = all.find(
      (a) =>
        a.productLine === DEMO_SPIKE.productLine &&
        a.service === DEMO_SPIKE.serviceName &&
        a.firstDay === demo.spikeDays[0],
    );
    if (spike) return spike;
  }
  return [...all].sort((a, b) => b.lastDay.localeCompare(a.lastDay) || b.impact - a.impact)[0] ?? null;
}

function teamChannelOf(config: ServiceDeps['config'], productLine: string | null): string | null {
  const pl = config.product_lines.find((p) => p.id === productLine);
  return config.teams.find((t) => t.id === pl?.team)?.channel ?? null;
}

/** Who triages the anomaly (the team's most senior person) and who owns the fix (the next one). */
function teamPeople(
  config: ServiceDeps['config'],
  directory: PreviewDirectory,
  productLine: string | null,
): { lead: string; owner: string } {
  const team = config.product_lines.find((p) => p.id === productLine)?.team;
  const senior = new Set(config.senior_levels);
  const ids = config.people
    .filter((p) => p.team === team)
    .sort((a, b) => Number(senior.has(b.level ?? '')) - Number(senior.has(a.level ?? '')))
    .map((p) => directory.idOf(p))
    .filter((id): id is string => id !== undefined);
  const fallback = config.access.admins.find((a) => !a.startsWith('S')) ?? PREVIEW_USER_ID;
  return { lead: ids[0] ?? fallback, owner: ids[1] ?? ids[0] ?? fallback };
}

/** A weekday whose reminder day (two days before) is a weekday too, on or after `from`. */
function dueDateAfter(from: Day): Day {
  let d = from;
  while (isWeekend(d) || isWeekend(addDays(d, -2))) d = addDays(d, 1);
  return d;
}

function localTime(day: Day, hhmm: string, tz: string): Date {
  return DateTime.fromISO(`${day}T${hhmm}`, { zone: tz }).toJSDate();
}

/**
 * The months side by side, from the stored snapshots (what the stage-mix chart draws): the story
 * a reader should see at a glance in the terminal, where the PNG does not show.
 */
function storyLines(
  deps: ServiceDeps,
  months: readonly Month[],
  history: ReadonlyMap<string, Snapshot>,
): string[] {
  const { config } = deps;
  const rows = months.flatMap((m) => {
    const s = history.get(m);
    if (!s?.hasData) return [];
    const org = organisationFigures(s);
    const share = stageShareOf(org.hours);
    const seniorReview = org.hours.review > 0 ? (100 * org.seniorReviewHours) / org.hours.review : 0;
    return [{ m, s, org, share, seniorReview }];
  });
  if (rows.length < 2) return [];
  const last = rows.at(-1) as (typeof rows)[number];
  // The product line whose margin is lowest in the last month.
  const low = [...last.s.productLines]
    .filter((p) => p.grossMarginPct !== null)
    .sort((a, b) => (a.grossMarginPct as number) - (b.grossMarginPct as number))[0];
  const cur = config.currency;
  const money = (v: number) => formatMoney(v, cur).replace(/\.\d\d$/, '');
  const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} %`);
  const head = ['month', 'authoring', 'review', 'incident', 'senior review', 'AI cost', 'cloud cost'];
  if (low) head.push(`${low.name} margin`);
  const table = rows.map((r) => {
    const line = [
      r.m,
      pct(r.share.authoring),
      pct(r.share.review),
      pct(r.share.incident),
      pct(r.seniorReview),
      money(r.org.aiCost),
      money(r.org.cloudCost),
    ];
    if (low) {
      const p = r.s.productLines.find((x) => x.id === low.id);
      line.push(p ? pct(grossMarginPctOf(p, config.model.cogs_stages)) : '—');
    }
    return line;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  const allIn = rows.map((r) => allInCostOf(r.org));
  return [
    banner('The months side by side (from the stored snapshots; the stage-mix chart draws the same)'),
    fmt(head),
    ...table.map(fmt),
    `  all-in cost ${money(allIn[0] ?? 0)} → ${money(allIn.at(-1) ?? 0)}; hours are shares of all estimated engineering hours.`,
    '',
  ];
}

function connectText(): string {
  return [
    'To connect a real Slack workspace:',
    '  1. api.slack.com/apps → Create New App → From a manifest → paste manifest.yml; install it to the workspace.',
    '     (It asks for the scopes listed there, each with the reason; docs/slack.md lists what each surface needs.)',
    '  2. Pick how Slack reaches the bot:',
    '     - Socket Mode (no public URL; behind a firewall, on a laptop): set settings.socket_mode_enabled: true in',
    '       the manifest, create an app-level token with connections:write, and set SLACK_BOT_TOKEN (xoxb-…) and',
    '       SLACK_APP_TOKEN (xapp-…).',
    '     - HTTP (a public HTTPS address, several replicas behind a load balancer): set SLACK_BOT_TOKEN and',
    "       SLACK_SIGNING_SECRET, and point the manifest's request URLs at https://<your host>/slack/events (PORT,",
    '       default 3000).',
    '  3. Write finops.yml (examples/finops.example.yml; docs/configuration.md), invite the bot to private channels,',
    '     and run finops start again.',
    '',
  ].join('\n');
}
