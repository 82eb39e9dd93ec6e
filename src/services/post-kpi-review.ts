/**
 * Posts a quarter's KPI review (issue 13 §4) in `review.channel`: the parent (each capability's
 * stage and the suggested focus), then one reply per capability in its thread. Exactly once, as
 * the monthly review: each message is claimed in posted_message (scope `kpi-review:<quarter>`)
 * before it is sent and confirmed with its ts after, so a re-run after a failure part-way sends
 * only what is missing, and a message whose fate is unknown is reported, never sent twice.
 */
import type { RenderedMessage } from '../blocks/kit.ts';
import {
  type KpiReviewView,
  quarterLabel,
  renderCapabilityReply,
  renderKpiReviewParent,
} from '../blocks/kpi-review.ts';
import { blocksToTerminal } from '../blocks/terminal.ts';
import type { MessageRef } from '../db/repos/posted-messages.ts';
import { errorLine } from '../lib/errors.ts';
import type { Quarter } from '../model/kpi-review.ts';
import { sendOnce } from './action-notify.ts';
import type { Messenger, ServiceDeps } from './deps.ts';
import { quarterKpis } from './kpis.ts';
import { slackFailureOf } from './post-monthly-review.ts';

export type KpiReviewItemOutcome = 'posted' | 'already' | 'failed' | 'uncertain' | 'would-post';

export interface PostKpiReviewResult {
  quarter: Quarter;
  dryRun: boolean;
  items: Array<{ key: string; outcome: KpiReviewItemOutcome; error?: string }>;
  /** What would be posted (dry run, or no Slack connection), as terminal text. */
  preview: string;
}

/** The view the renderers take: the quarter's KPI set plus product line names. */
export async function kpiReviewView(deps: ServiceDeps, quarter: Quarter): Promise<KpiReviewView> {
  const kpis = await quarterKpis(deps, quarter);
  return {
    ...kpis,
    productLineNames: Object.fromEntries(deps.config.product_lines.map((p) => [p.id, p.name ?? p.id])),
  };
}

/** The messages of the thread, in order: the parent, then one reply per capability. */
export function kpiReviewMessages(view: KpiReviewView): Array<{ key: string; message: RenderedMessage }> {
  return [
    { key: 'parent', message: renderKpiReviewParent(view) },
    ...view.capabilities.map((c) => ({ key: `capability:${c.id}`, message: renderCapabilityReply(view, c) })),
  ];
}

export async function postKpiReview(
  deps: ServiceDeps,
  messenger: Messenger | undefined,
  opts: { quarter: Quarter; dryRun: boolean; signal?: AbortSignal },
): Promise<PostKpiReviewResult> {
  const view = await kpiReviewView(deps, opts.quarter);
  const messages = kpiReviewMessages(view);
  const preview = messages
    .map(
      (m, i) =>
        `── ${i === 0 ? `${quarterLabel(opts.quarter)} KPI review → ${deps.config.review.channel}` : `reply ${m.key}`}\n${blocksToTerminal(m.message.blocks)}\n`,
    )
    .join('\n');
  if (opts.dryRun || !messenger) {
    return {
      quarter: opts.quarter,
      dryRun: true,
      items: messages.map((m) => ({ key: m.key, outcome: 'would-post' })),
      preview,
    };
  }
  const channel = await messenger.resolveChannel(deps.config.review.channel);
  const scope = `kpi-review:${opts.quarter}`;
  const items: PostKpiReviewResult['items'] = [];

  /** Sent exactly once (action-notify's sendOnce); the ts of the message (now or from an earlier run), or null. */
  const deliver = async (key: string, message: RenderedMessage, threadTs: string | null) => {
    const ref: MessageRef = { scope, key, channelId: channel };
    try {
      const r = await sendOnce(
        deps,
        ref,
        deps.now(),
        threadTs,
        () => messenger.post(channel, { ...message, ...(threadTs ? { threadTs } : {}) }),
        // A failure Slack may have acted on keeps the claim: reported uncertain, never resent.
        { keepClaimOn: (err) => !slackFailureOf(err).definite },
      );
      if (r.state === 'uncertain') {
        items.push({ key, outcome: 'uncertain', error: 'uncertain' });
        return null;
      }
      items.push({ key, outcome: r.state === 'sent' ? 'posted' : 'already' });
      return r.ts;
    } catch (err) {
      const f = slackFailureOf(err);
      items.push({ key, outcome: f.definite ? 'failed' : 'uncertain', error: f.code });
      deps.logger.warn(`${scope}: could not send ${key} to ${channel}: ${f.code}`, { error: errorLine(err) });
      return null;
    }
  };

  const [parent, ...replies] = messages;
  const parentTs = await deliver('parent', (parent as (typeof messages)[number]).message, null);
  if (parentTs) {
    for (const r of replies) {
      if (opts.signal?.aborted) break;
      await deliver(r.key, r.message, parentTs);
      // Replies keep their order: after a refusal the rest wait for the next run, which resumes here.
      if (items.at(-1)?.outcome === 'failed') break;
    }
  }
  return { quarter: opts.quarter, dryRun: false, items, preview };
}
