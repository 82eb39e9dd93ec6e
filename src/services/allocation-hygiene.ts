/**
 * The weekly allocation hygiene (issue 13.1) as a use case: read last week's and the 7 weeks
 * before's cost from cost_daily (the configured metric), compute the unallocated share per
 * currency, its trend and the largest unallocated lines (model/allocation-hygiene.ts), render, and
 * post once per ISO week to `review.channel` (claimed in posted_message, so a re-run or a second
 * replica never posts it twice). A line's "Create action item" button opens the action-item modal
 * prefilled from the line (prefillFromUnallocated).
 */
import {
  type AllocationHygieneIds,
  type AllocationHygieneView,
  renderAllocationHygiene,
  type UnallocatedLineRef,
} from '../blocks/allocation-hygiene.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import { lastCostDayOnOrBefore, readAllocationByDay, readUnallocatedSpend } from '../db/repos/cost-daily.ts';
import { addDays, dayOf } from '../lib/dates.ts';
import { formatMoney } from '../lib/money.ts';
import { allocationHygiene, HYGIENE_WEEKS, lastWeekOf } from '../model/allocation-hygiene.ts';
import { ACTION_TITLE_MAX_LENGTH, type ActionItemDraft } from './action-items.ts';
import { sendOnce } from './action-notify.ts';
import type { Messenger, ServiceDeps } from './deps.ts';

type HygieneDeps = Pick<ServiceDeps, 'db' | 'config' | 'logger'>;

/** The hygiene figures of the week before the one `at` falls in (config.timezone), ready to render. */
export async function buildAllocationHygiene(deps: HygieneDeps, at: Date): Promise<AllocationHygieneView> {
  const { config } = deps;
  const weekFrom = lastWeekOf(dayOf(at, config.timezone));
  const weekTo = addDays(weekFrom, 6);
  const metric = config.model.cost_metric;
  const [days, unallocated, lastCostDay] = await Promise.all([
    readAllocationByDay(deps.db, { from: addDays(weekFrom, -7 * (HYGIENE_WEEKS - 1)), to: weekTo }, metric),
    readUnallocatedSpend(deps.db, { from: weekFrom, to: weekTo }, metric),
    lastCostDayOnOrBefore(deps.db, weekTo),
  ]);
  const figures = allocationHygiene({
    weekFrom,
    days,
    unallocated,
    targetPct: config.allocation.target_unallocated_pct,
    reportCurrency: config.currency,
  });
  return { ...figures, lastCostDay, costMetric: metric };
}

export type HygieneOutcome =
  | { state: 'posted'; channel: string; ts: string; view: AllocationHygieneView; message: RenderedMessage }
  | {
      state: 'already' | 'uncertain' | 'nothing' | 'dry-run' | 'no-slack';
      view: AllocationHygieneView;
      message: RenderedMessage;
    };

/**
 * Posts the week's hygiene to review.channel once (scope `allocation-hygiene:<week key>`).
 * Nothing is posted when no cost at all was ingested for the 8 weeks.
 */
export async function postAllocationHygiene(
  deps: HygieneDeps,
  messenger: Messenger | undefined,
  at: Date,
  opts: { weekKey: string; dryRun: boolean; ids: AllocationHygieneIds },
): Promise<HygieneOutcome> {
  const view = await buildAllocationHygiene(deps, at);
  const message = renderAllocationHygiene(view, opts.ids);
  if (view.currencies.length === 0) return { state: 'nothing', view, message };
  if (opts.dryRun) return { state: 'dry-run', view, message };
  if (!messenger) return { state: 'no-slack', view, message };
  const channel = await messenger.resolveChannel(deps.config.review.channel);
  const ref = { scope: `allocation-hygiene:${opts.weekKey}`, key: 'report', channelId: channel };
  const r = await sendOnce(deps, ref, at, null, () => messenger.post(channel, message));
  return r.state === 'sent'
    ? { state: 'posted', channel: r.channel, ts: r.ts, view, message }
    : { state: r.state, view, message };
}

/**
 * The action-item modal's prefill from a line of unallocated spend: a title saying what to tag,
 * no product line (the spend has none yet: whoever tags it decides), and the origin line shown in
 * the modal (mrkdwn, escaped here).
 */
export function prefillFromUnallocated(
  deps: Pick<ServiceDeps, 'config'>,
  ref: UnallocatedLineRef,
): { draft: ActionItemDraft; origin: string } {
  const account = ref.subAccount === null ? 'no sub-account' : `sub-account ${ref.subAccount}`;
  const amount = formatMoney(ref.cost, ref.currency);
  const title = `Allocate the ${ref.service} spend of ${ref.provider} ${account} (${amount} unallocated in the week of ${ref.week})`;
  const origin = `From the allocation hygiene of the week of ${ref.week}: ${escapeMrkdwn(ref.provider)} ${escapeMrkdwn(account)} · ${escapeMrkdwn(ref.service)}, ${amount} no rule allocates (target ≤ ${deps.config.allocation.target_unallocated_pct}% of cost).`;
  return {
    draft: { title: truncateTitle(title), productLine: null },
    origin,
  };
}

function truncateTitle(title: string): string {
  return title.length > ACTION_TITLE_MAX_LENGTH ? `${title.slice(0, ACTION_TITLE_MAX_LENGTH - 1)}…` : title;
}
