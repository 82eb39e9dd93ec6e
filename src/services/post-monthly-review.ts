/**
 * Posts a month's review (issue 7): the parent message in `review.channel`, the stage-mix chart
 * and the margin waterfall into its thread, one reply per product line (config order), the margin
 * follow-up to finance viewers (ephemeral, when margin is not shown in the channel), and the
 * showback to each team's channel with a link to the thread.
 *
 * Exactly once: every message is claimed in posted_message (scope `review:<month>`, message key,
 * channel) before it is sent and confirmed with its ts right after, before moving on (see
 * src/db/repos/posted-messages.ts). A re-run, after a crash or a failure part-way, sends exactly
 * what is missing. Slack's 429s are retried by the gateway; a channel that does not exist or
 * does not have the bot is reported in the review channel and in the result (the job records the
 * run failed, so the next run completes it). The month's snapshot is frozen once the parent is in
 * Slack: what the thread shows stays what the database says.
 */
import { createHash } from 'node:crypto';
import type { RenderedMessage } from '../blocks/kit.ts';
import {
  MIN_PEOPLE_FOR_BREAKDOWN,
  monthName,
  type ReplyIds,
  type ReviewProblem,
  renderMarginFollowUp,
  renderProductLineReply,
  renderReviewParent,
  renderReviewProblems,
  renderShowback,
  type StageMixMonth,
  stageMixAltText,
  waterfallAltText,
  waterfallSteps,
} from '../blocks/review.ts';
import { blocksToTerminal } from '../blocks/terminal.ts';
import type { StageMixPoint } from '../charts/render.ts';
import { STAGES } from '../config/schema.ts';
import {
  claimPostedMessage,
  confirmPostedMessage,
  listPostedMessages,
  type MessageRef,
  releasePostedMessage,
} from '../db/repos/posted-messages.ts';
import { freezeSnapshot, saveOpenSnapshot } from '../db/repos/snapshots.ts';
import { errorLine, FinopsError, InputError } from '../lib/errors.ts';
import { isMonth } from '../lib/dates.ts';
import type { Snapshot } from '../model/types.ts';
import type { Messenger, ServiceDeps } from './deps.ts';
import { buildReviewView, type ReviewData } from './review-view.ts';

/**
 * The chart renderer (vega, vega-lite, resvg: about 50 MB resident) is loaded when a review first
 * draws a chart, not when the bot starts, so an idle bot does not carry it.
 */
const loadCharts = () => import('../charts/render.ts');

/** Product lines charted next to the organisation (a 3 × 3 grid stays legible). */
export const CHARTED_PRODUCT_LINES = 8;

export interface PostReviewOptions {
  /** The reviewed month, `YYYY-MM`. */
  month: string;
  /** action_id of the "Add action item" button (ids live in src/slack/ids.ts). */
  replyIds: ReplyIds;
  /** Render and report what would be posted; claim and send nothing. */
  dryRun?: boolean;
  /** Checked between messages: a stopping process ends at the next safe point. */
  signal?: AbortSignal;
}

export type ItemOutcome =
  /** Sent now. */
  | 'posted'
  /** Sent by an earlier run. */
  | 'already'
  /** Dry run: would be sent. */
  | 'would-post'
  /** Not sent: Slack refused, or the channel could not be resolved. A re-run tries again. */
  | 'failed'
  /** An earlier attempt was interrupted after claiming it: may or may not be in Slack; not resent. */
  | 'uncertain'
  /** Deliberately not sent (an ephemeral to someone who is not in the channel). */
  | 'skipped';

export interface ReviewItem {
  key: string;
  /** Channel id (or the configured name when it could not be resolved). */
  channel: string;
  kind: 'message' | 'file' | 'ephemeral';
  outcome: ItemOutcome;
  /** Slack's error code or the reason. */
  error?: string;
}

export interface PostReviewResult {
  month: string;
  scope: string;
  dryRun: boolean;
  hasData: boolean;
  /** ts of the parent message, once it is in Slack. */
  threadTs: string | null;
  /** The snapshot is frozen (the parent is in Slack). */
  frozen: boolean;
  items: ReviewItem[];
  counts: Record<ItemOutcome, number>;
  problems: ReviewProblem[];
  /** Dry run: every message as it would read, for the terminal. */
  preview: string;
}

/** The posted_message scope of a month's review. */
export const reviewScope = (month: string): string => `review:${month}`;

interface SlackFailure {
  code: string;
  /** Slack answered (ok:false, 429, payload refused): nothing was posted, so it can be sent again. */
  definite: boolean;
}

/** What went wrong, told apart without importing the gateway (services never import slack/). */
export function slackFailureOf(err: unknown): SlackFailure {
  const e = err as { slackError?: unknown; code?: unknown };
  if (typeof e.slackError === 'string') {
    const code = e.slackError;
    // No answer, or a 5xx: Slack may have acted on the request.
    return { code, definite: code !== 'request_failed' && !code.startsWith('http_5') };
  }
  if (e.code === 'slack_ratelimited') return { code: 'ratelimited', definite: true };
  if (err instanceof FinopsError) return { code: err.code, definite: true };
  return { code: errorLine(err), definite: true };
}

const PROBLEM_CODES = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);

/** Every finance viewer as a user id: user ids as listed, user groups expanded (a failing group is skipped). */
async function financeViewerIds(deps: ServiceDeps, messenger: Messenger): Promise<string[]> {
  const ids = new Set<string>();
  for (const v of deps.config.access.finance_viewers) {
    if (!v.startsWith('S')) {
      ids.add(v);
      continue;
    }
    try {
      for (const u of await messenger.usergroupMembers(v)) ids.add(u);
    } catch (err) {
      deps.logger.warn(`cannot read the members of user group ${v}; its members get no margin follow-up`, {
        error: errorLine(err),
      });
    }
  }
  return [...ids].sort();
}

function stageMixPoints(history: readonly StageMixMonth[], chartedIds: ReadonlySet<string | null>) {
  const points: StageMixPoint[] = [];
  for (const m of history) {
    for (const g of m.groups) {
      // Privacy: no breakdown of fewer than 3 people, in the chart as anywhere.
      if (!chartedIds.has(g.id) || g.people < MIN_PEOPLE_FOR_BREAKDOWN || g.hours <= 0) continue;
      for (const s of STAGES)
        points.push({ month: m.month, group: g.name, stage: s, sharePct: g.stageShare[s] });
    }
  }
  return points;
}

/** The organisation and the product lines with most hours this month (config order kept). */
function chartedGroups(history: readonly StageMixMonth[]): { ids: Set<string | null>; hidden: number } {
  const last = history.at(-1);
  if (!last) return { ids: new Set(), hidden: 0 };
  const eligible = last.groups.filter(
    (g) => g.id !== null && g.people >= MIN_PEOPLE_FOR_BREAKDOWN && g.hours > 0,
  );
  const top = new Set(
    [...eligible]
      .sort((a, b) => b.hours - a.hours)
      .slice(0, CHARTED_PRODUCT_LINES)
      .map((g) => g.id),
  );
  return { ids: new Set([...top, null]), hidden: eligible.length - top.size };
}

interface Planned {
  ref: MessageRef;
  /** The configured name, for people. */
  channelLabel: string;
  kind: ReviewItem['kind'];
  what: string;
  thread: boolean;
  /** For messages and ephemerals. */
  message?: RenderedMessage;
  user?: string;
  file?: () => Promise<{ filename: string; data: Buffer; title: string; altText: string }>;
}

export async function postMonthlyReview(
  deps: ServiceDeps,
  messenger: Messenger | undefined,
  opts: PostReviewOptions,
): Promise<PostReviewResult> {
  const { month } = opts;
  if (!isMonth(month)) throw new InputError('bad_month', `invalid month "${month}": expected YYYY-MM`);
  const dryRun = opts.dryRun === true;
  if (!messenger && !dryRun) {
    throw new FinopsError(
      'slack_not_configured',
      'cannot post the review: Slack is not configured (set SLACK_BOT_TOKEN), or use --dry-run to see it',
    );
  }
  const { config, db, logger } = deps;
  const scope = reviewScope(month);
  const now = deps.now();
  const showMargin = config.review.show_margin_in_channel;
  const data = await buildReviewView(deps, month, { now, showMargin });
  const { view } = data;

  const items: ReviewItem[] = [];
  const problems: ReviewProblem[] = [];
  const previews: string[] = [];
  const result = (threadTs: string | null, frozen: boolean): PostReviewResult => {
    const counts = { posted: 0, already: 0, 'would-post': 0, failed: 0, uncertain: 0, skipped: 0 };
    for (const i of items) counts[i.outcome]++;
    return {
      month,
      scope,
      dryRun,
      hasData: view.hasData,
      threadTs,
      frozen,
      items,
      counts,
      problems,
      preview: previews.join('\n'),
    };
  };

  // Channels: a dry run without Slack shows the configured names.
  const resolve = async (ref: string): Promise<{ id: string } | { error: string }> => {
    if (!messenger) return { id: ref };
    try {
      return { id: await messenger.resolveChannel(ref) };
    } catch (err) {
      return { error: slackFailureOf(err).code };
    }
  };
  const review = await resolve(config.review.channel);
  if ('error' in review) {
    items.push({
      key: 'parent',
      channel: config.review.channel,
      kind: 'message',
      outcome: 'failed',
      error: review.error,
    });
    problems.push({ what: 'the review', channel: config.review.channel, error: review.error });
    return result(null, false);
  }
  const reviewChannel = review.id;

  const plan = buildPlan(deps, data, {
    scope,
    reviewChannel,
    replyIds: opts.replyIds,
  });

  if (dryRun) {
    const done = new Map(
      (await listPostedMessages(db, scope)).map(
        (m) => [`${m.key}@${m.channelId}`, m.ts === null ? 'uncertain' : 'already'] as const,
      ),
    );
    const parent = plan.parent;
    const all = [parent, ...plan.thread];
    for (const p of all) previews.push(await previewOf(p, done, items));
    for (const s of plan.showbacks) {
      const ch = await resolve(s.channelRef);
      const ref = { ...s.planned.ref, channelId: 'id' in ch ? ch.id : s.channelRef };
      previews.push(await previewOf({ ...s.planned, ref, message: s.render(null) }, done, items));
    }
    if (!showMargin && view.hasData) {
      previews.push(
        `── margin follow-up → each finance viewer, ephemeral in the thread\n${blocksToTerminal(renderMarginFollowUp(view).blocks)}\n`,
      );
    }
    return result(null, false);
  }
  const slack = messenger as Messenger;

  const stopped = () => opts.signal?.aborted === true;

  /** Claim → send → confirm, one message. */
  const deliver = async (p: Planned, threadTs: string | null): Promise<string | null> => {
    const item: ReviewItem = { key: p.ref.key, channel: p.ref.channelId, kind: p.kind, outcome: 'failed' };
    items.push(item);
    const claim = await claimPostedMessage(db, p.ref, deps.now(), threadTs);
    if (claim.state === 'posted') {
      item.outcome = 'already';
      return claim.message.ts;
    }
    if (claim.state === 'uncertain') {
      item.outcome = 'uncertain';
      item.error = 'uncertain';
      problems.push({ what: p.what, channel: p.channelLabel, error: 'uncertain' });
      return null;
    }
    try {
      let ts = '';
      if (p.kind === 'message') {
        const sent = await slack.post(p.ref.channelId, {
          ...(p.message as RenderedMessage),
          ...(threadTs ? { threadTs } : {}),
        });
        ts = sent.ts;
      } else if (p.kind === 'ephemeral') {
        await slack.postEphemeral(p.ref.channelId, p.user as string, {
          ...(p.message as RenderedMessage),
          ...(threadTs ? { threadTs } : {}),
        });
      } else {
        const file = await (p.file as NonNullable<Planned['file']>)();
        await slack.uploadFile(p.ref.channelId, { ...file, ...(threadTs ? { threadTs } : {}) });
      }
      await confirmPostedMessage(db, p.ref, ts, threadTs, deps.now());
      item.outcome = 'posted';
      return ts;
    } catch (err) {
      const f = slackFailureOf(err);
      item.error = f.code;
      if (f.definite) await releasePostedMessage(db, p.ref);
      else item.outcome = 'uncertain';
      if (p.kind === 'ephemeral' && ['user_not_in_channel', 'user_not_found'].includes(f.code)) {
        item.outcome = 'skipped';
        logger.warn(`${scope}: no margin follow-up for ${p.user}: ${f.code}`);
        return null;
      }
      logger.warn(`${scope}: could not send ${p.ref.key} to ${p.ref.channelId}: ${f.code}`, {
        error: errorLine(err),
      });
      problems.push({ what: p.what, channel: p.channelLabel, error: f.definite ? f.code : 'uncertain' });
      return null;
    }
  };

  // 1. The parent. Nothing can be threaded without it.
  const parentTs = await deliver(plan.parent, null);
  if (parentTs === null) {
    await reportProblems(deps, slack, scope, month, reviewChannel, problems, items);
    return result(null, false);
  }
  const frozen = await freezeReviewed(deps, data.snapshot);

  // 2. The thread: charts, then one reply per product line, then the finance follow-ups.
  for (const p of plan.thread) {
    if (stopped()) break;
    await deliver(p, parentTs);
    // Keep the thread in order: after a failure the rest waits for the re-run. Not after an
    // uncertain message (the send was cut off: a process killed, a connection dropped): Slack most
    // likely has it, it is never resent, and waiting behind it would hold the rest of the thread
    // back for good; the problem notice names it for a person to check.
    const last = items.at(-1)?.outcome;
    if (last === 'failed') {
      const waiting = plan.thread.length - plan.thread.indexOf(p) - 1;
      if (waiting > 0) logger.warn(`${scope}: ${waiting} thread message(s) wait for the next run`);
      for (const rest of plan.thread.slice(plan.thread.indexOf(p) + 1))
        items.push({
          key: rest.ref.key,
          channel: rest.ref.channelId,
          kind: rest.kind,
          outcome: 'failed',
          error: 'waiting',
        });
      break;
    }
  }
  if (!showMargin && view.hasData && !stopped()) {
    const followUp = renderMarginFollowUp(view);
    for (const user of await financeViewerIds(deps, slack)) {
      if (stopped()) break;
      await deliver(
        {
          ref: { scope, key: `margin:${user}`, channelId: reviewChannel },
          channelLabel: config.review.channel,
          kind: 'ephemeral',
          what: `the margin follow-up for <@${user}>`,
          thread: true,
          message: followUp,
          user,
        },
        parentTs,
      );
    }
  }

  // 3. Showback to each team, linking the thread.
  if (plan.showbacks.length > 0 && !stopped()) {
    const permalink = await slack.permalink(reviewChannel, parentTs).catch((err: unknown) => {
      logger.warn(`${scope}: no permalink for the thread: ${errorLine(err)}`);
      return null;
    });
    for (const s of plan.showbacks) {
      if (stopped()) break;
      const ch = await resolve(s.channelRef);
      if ('error' in ch) {
        items.push({
          key: s.planned.ref.key,
          channel: s.channelRef,
          kind: 'message',
          outcome: 'failed',
          error: ch.error,
        });
        problems.push({ what: s.planned.what, channel: s.channelRef, error: ch.error });
        continue;
      }
      await deliver(
        {
          ...s.planned,
          ref: { ...s.planned.ref, channelId: ch.id },
          message: s.render(permalink),
        },
        null,
      );
    }
  }

  if (stopped()) {
    items.push({
      key: '(rest)',
      channel: reviewChannel,
      kind: 'message',
      outcome: 'failed',
      error: 'stopped',
    });
  }
  await reportProblems(deps, slack, scope, month, reviewChannel, problems, items);
  return result(parentTs, frozen);
}

/** Posts the problems once per distinct set (a re-run with the same problems does not repeat them). */
async function reportProblems(
  deps: ServiceDeps,
  slack: Messenger,
  scope: string,
  month: string,
  reviewChannel: string,
  problems: readonly ReviewProblem[],
  items: ReviewItem[],
): Promise<void> {
  const reportable = problems.filter((p) => PROBLEM_CODES.has(p.error) || p.error === 'uncertain');
  // The review channel itself failing cannot be reported there.
  if (reportable.length === 0 || items.some((i) => i.key === 'parent' && i.outcome === 'failed')) return;
  const digest = createHash('sha256')
    .update(reportable.map((p) => `${p.what}|${p.channel}|${p.error}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const ref = { scope, key: `problems:${digest}`, channelId: reviewChannel };
  const claim = await claimPostedMessage(deps.db, ref, deps.now());
  if (claim.state !== 'claimed') return;
  try {
    const sent = await slack.post(reviewChannel, renderReviewProblems(month, reportable));
    await confirmPostedMessage(deps.db, ref, sent.ts, null, deps.now());
  } catch (err) {
    await releasePostedMessage(deps.db, ref);
    deps.logger.warn(`${scope}: could not report the problems in the review channel: ${errorLine(err)}`);
  }
}

/** Stores exactly the snapshot the thread shows, then freezes it. */
async function freezeReviewed(deps: ServiceDeps, snapshot: Snapshot): Promise<boolean> {
  await deps.db.transaction().execute(async (trx) => {
    const { status: _s, builtAt, frozenAt: _f, ...data } = snapshot;
    await saveOpenSnapshot(trx, data, builtAt);
    await freezeSnapshot(trx, snapshot.month, deps.now());
  });
  return true;
}

interface Plan {
  parent: Planned;
  /** In thread order: charts, then replies. */
  thread: Planned[];
  showbacks: Array<{
    channelRef: string;
    planned: Planned;
    render: (permalink: string | null) => RenderedMessage;
  }>;
}

function buildPlan(
  deps: ServiceDeps,
  data: ReviewData,
  o: { scope: string; reviewChannel: string; replyIds: ReplyIds },
): Plan {
  const { config } = deps;
  const { view } = data;
  const at = (key: string, channelId = o.reviewChannel): MessageRef => ({ scope: o.scope, key, channelId });
  const label = config.review.channel;
  const parent: Planned = {
    ref: at('parent'),
    channelLabel: label,
    kind: 'message',
    what: 'the review parent message',
    thread: false,
    message: renderReviewParent(view),
  };
  const thread: Planned[] = [];
  const showbacks: Plan['showbacks'] = [];
  if (!view.hasData) return { parent, thread, showbacks };

  const charted = chartedGroups(data.stageMixHistory);
  const points = stageMixPoints(data.stageMixHistory, charted.ids);
  if (points.length > 0) {
    const first = data.stageMixHistory[0]?.month ?? view.month;
    const title = `Stage mix, share of hours — ${monthName(first)} to ${monthName(view.month)}`;
    const history = data.stageMixHistory.map((m) => ({
      ...m,
      groups: m.groups.filter((g) => charted.ids.has(g.id) && g.people >= MIN_PEOPLE_FOR_BREAKDOWN),
    }));
    thread.push({
      ref: at('chart:stage-mix'),
      channelLabel: label,
      kind: 'file',
      what: 'the stage-mix chart',
      thread: true,
      file: async () => ({
        filename: `stage-mix-${view.month}.png`,
        data: await (await loadCharts()).renderStageMixChart(points, title),
        title,
        altText: stageMixAltText(history, charted.hidden),
      }),
    });
  }
  const orgMargin = view.org.grossMarginPct;
  if (
    view.showMargin &&
    orgMargin !== null &&
    data.priorGrossMarginPct !== null &&
    view.org.drift.grossMarginPp !== null
  ) {
    const prior = data.priorGrossMarginPct;
    const title = `Gross margin drift — ${monthName(view.priorMonth)} to ${monthName(view.month)}`;
    thread.push({
      ref: at('chart:margin-waterfall'),
      channelLabel: label,
      kind: 'file',
      what: 'the margin waterfall',
      thread: true,
      file: async () => ({
        filename: `margin-drift-${view.month}.png`,
        data: await (await loadCharts()).renderMarginWaterfall(
          monthName(view.priorMonth),
          prior,
          waterfallSteps(view.org.drift),
          monthName(view.month),
          title,
        ),
        title,
        altText: waterfallAltText(view.month, view.priorMonth, prior, orgMargin, view.org.drift),
      }),
    });
  }
  const byId = new Map(view.productLines.map((p) => [p.id, p]));
  for (const pl of config.product_lines) {
    const report = byId.get(pl.id);
    if (!report) continue;
    thread.push({
      ref: at(`reply:${pl.id}`),
      channelLabel: label,
      kind: 'message',
      what: `the reply for ${pl.name ?? pl.id}`,
      thread: true,
      message: renderProductLineReply(view, report, o.replyIds),
    });
  }
  for (const team of config.teams) {
    const lines = view.productLines.filter((p) => p.team === team.id);
    // A team that owns no product line has no slice to show.
    if (!team.channel || lines.length === 0) continue;
    const channelRef = team.channel;
    showbacks.push({
      channelRef,
      planned: {
        ref: at(`showback:${team.id}`, channelRef),
        channelLabel: channelRef,
        kind: 'message',
        what: `the showback for team ${team.name ?? team.id}`,
        thread: false,
      },
      render: (permalink) =>
        renderShowback(view, { id: team.id, name: team.name ?? team.id }, lines, permalink),
    });
  }
  return { parent, thread, showbacks };
}

async function previewOf(
  p: Planned,
  done: ReadonlyMap<string, string>,
  items: ReviewItem[],
): Promise<string> {
  const state = done.get(`${p.ref.key}@${p.ref.channelId}`);
  const outcome: ItemOutcome =
    state === 'already' ? 'already' : state === 'uncertain' ? 'uncertain' : 'would-post';
  items.push({ key: p.ref.key, channel: p.ref.channelId, kind: p.kind, outcome });
  const where = `${p.ref.key} → ${p.channelLabel}${p.thread ? ' (thread)' : ''}`;
  const status =
    outcome === 'would-post'
      ? 'would post'
      : outcome === 'already'
        ? 'already posted'
        : 'claimed by an interrupted run';
  if (p.kind === 'file' && p.file) {
    const f = await p.file();
    return `── ${where}: ${status}: ${f.filename} (${f.data.length} bytes PNG)\n   alt text: ${f.altText}\n`;
  }
  const blocks = p.message?.blocks ?? [];
  return `── ${where}: ${status}\n${blocksToTerminal(blocks)}\n`;
}
