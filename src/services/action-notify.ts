/**
 * What the action log says in Slack, through the Messenger port, each message claimed in
 * `posted_message` before it is sent and confirmed after (so a re-run or a retry never sends it
 * twice, and a message Slack refused is sent by the next attempt):
 * - the confirmation in the thread where an item was raised (`action:<id>` / `confirmation`); a
 *   failure after the item was saved is reported to its creator by DM and retried by the daily
 *   reminder run, so the item is never lost and never silently unconfirmed;
 * - the reminder DM to the owner (`reminder:<id>:<day>` / `dm`: at most one per item per day),
 *   never on weekends, each recorded as a `reminded` event;
 * - the flag to the creator when the owner is deactivated (`action:<id>` / `owner-gone:<owner>`);
 * - the weekly digest of overdue items to review.channel (`action-digest:<week>` / `digest`).
 */
import {
  type ActionItemCard,
  type ActionItemUiIds,
  renderActionItemConfirmation,
  renderActionReminder,
  renderConfirmationFailed,
  renderOverdueDigest,
  renderOwnerFlag,
} from '../blocks/action-items.ts';
import type { RenderedMessage } from '../blocks/kit.ts';
import {
  type ActionItem,
  insertActionEvent,
  listOpenActionItems,
  listUnconfirmedActionItems,
} from '../db/repos/action-items.ts';
import {
  claimPostedMessage,
  confirmPostedMessage,
  type MessageRef,
  releasePostedMessage,
} from '../db/repos/posted-messages.ts';
import { dayOf } from '../lib/dates.ts';
import { errorLine } from '../lib/errors.ts';
import { isWeekend, type ReminderDue, reminderDueOn } from '../model/action-items.ts';
import { weekStartOf } from '../model/labor-spikes.ts';
import { summarize } from './action-items.ts';
import type { Messenger, ServiceDeps } from './deps.ts';

type NotifyDeps = Pick<ServiceDeps, 'db' | 'config' | 'logger'>;

/** The actor recorded on events the bot itself causes (reminders, flags). */
export const SYSTEM_ACTOR = 'finops-review';
/** How long the daily run keeps retrying an unconfirmed item's confirmation. */
export const CONFIRMATION_RETRY_DAYS = 7;

/** Slack's error code when the error carries one (SlackApiError), else the message. */
function reasonOf(err: unknown): string {
  const code = (err as { slackError?: unknown }).slackError;
  return typeof code === 'string' ? code : errorLine(err);
}

export function cardOf(deps: Pick<ServiceDeps, 'config'>, item: ActionItem, today: string): ActionItemCard {
  return summarize(deps, item, today);
}

export type Sent =
  | { state: 'sent'; channel: string; ts: string }
  | { state: 'already'; ts: string }
  | { state: 'uncertain' };

/**
 * Claims `ref`, sends with `send`, confirms with Slack's ts: every message the bot posts exactly
 * once goes through here (action items, reminders, digests, hygiene, forecasts, anomaly alerts,
 * the KPI review). A failure releases the claim (so the next attempt sends it) and is rethrown,
 * unless `keepClaimOn` says Slack may have acted on it anyway (a timeout): the claim then stays,
 * and the message is reported uncertain by later runs, never sent twice.
 */
export async function sendOnce(
  deps: Pick<ServiceDeps, 'db'>,
  ref: MessageRef,
  at: Date,
  threadTs: string | null,
  send: () => Promise<{ channel: string; ts: string }>,
  opts: { keepClaimOn?: (err: unknown) => boolean } = {},
): Promise<Sent> {
  const claim = await claimPostedMessage(deps.db, ref, at, threadTs);
  if (claim.state === 'posted') return { state: 'already', ts: claim.message.ts as string };
  if (claim.state === 'uncertain') return { state: 'uncertain' };
  let posted: { channel: string; ts: string };
  try {
    posted = await send();
  } catch (err) {
    if (!opts.keepClaimOn?.(err)) await releasePostedMessage(deps.db, ref);
    throw err;
  }
  await confirmPostedMessage(deps.db, ref, posted.ts, threadTs, at);
  return { state: 'sent', channel: posted.channel, ts: posted.ts };
}

// ── the confirmation ─────────────────────────────────────────────────────────

export type ConfirmOutcome =
  | { state: 'posted'; channel: string; ts: string }
  | { state: 'already' | 'uncertain' | 'no-source' }
  | { state: 'failed'; reason: string; reported: boolean };

/**
 * Posts the confirmation where the item was raised (in the thread when there is one; in the
 * channel when the thread is gone). On failure: the claim is released for the daily retry and,
 * with `reportToCreator`, the creator is told by DM that the item is saved.
 */
export async function confirmActionItem(
  deps: NotifyDeps,
  messenger: Messenger,
  item: ActionItem,
  at: Date,
  opts: { reportToCreator: boolean },
): Promise<ConfirmOutcome> {
  if (!item.sourceChannel) return { state: 'no-source' };
  const channel = item.sourceChannel;
  const card = cardOf(deps, item, dayOf(at, deps.config.timezone));
  const msg = renderActionItemConfirmation(card, item.creatorId);
  const ref = { scope: `action:${item.id}`, key: 'confirmation', channelId: channel };
  try {
    const r = await sendOnce(deps, ref, at, item.sourceTs, async () => {
      try {
        return await messenger.post(channel, {
          ...msg,
          ...(item.sourceTs ? { threadTs: item.sourceTs } : {}),
        });
      } catch (err) {
        // The thread's parent was deleted: the channel still hears about the item.
        if (item.sourceTs && reasonOf(err) === 'thread_not_found') return messenger.post(channel, msg);
        throw err;
      }
    });
    return r.state === 'sent' ? { state: 'posted', channel: r.channel, ts: r.ts } : { state: r.state };
  } catch (err) {
    const reason = reasonOf(err);
    deps.logger.warn(`could not confirm action item #${item.id} in ${channel}; it is saved`, {
      error: reason,
    });
    let reported = false;
    if (opts.reportToCreator) {
      try {
        await messenger.dm(item.creatorId, renderConfirmationFailed(card, { channel, reason }));
        reported = true;
      } catch (dmErr) {
        deps.logger.error(`could not tell the creator of action item #${item.id} either`, { error: dmErr });
      }
    }
    return { state: 'failed', reason, reported };
  }
}

/** Retries the confirmations of recent items that never got one. */
export async function retryPendingConfirmations(
  deps: NotifyDeps,
  messenger: Messenger,
  at: Date,
): Promise<{ posted: number; failed: number; uncertain: number }> {
  const since = new Date(at.getTime() - CONFIRMATION_RETRY_DAYS * 86_400_000);
  const pending = await listUnconfirmedActionItems(deps.db, since);
  const out = { posted: 0, failed: 0, uncertain: 0 };
  for (const item of pending) {
    const r = await confirmActionItem(deps, messenger, item, at, { reportToCreator: false });
    if (r.state === 'posted') out.posted++;
    else if (r.state === 'failed') out.failed++;
    else if (r.state === 'uncertain') out.uncertain++;
  }
  return out;
}

// ── reminders ────────────────────────────────────────────────────────────────

export interface PlannedReminder {
  itemId: number;
  ownerId: string;
  reminder: ReminderDue;
  /** The DM, rendered (what a dry run or the preview prints). */
  message: RenderedMessage;
}

export interface ReminderRun {
  today: string;
  weekend: boolean;
  planned: PlannedReminder[];
  sent: number;
  /** Already sent today (a re-run), or sent with an unknown outcome (never resent blindly). */
  alreadySent: number;
  /** Owners deactivated (or unknown) in Slack: no DM, their creator is told. */
  ownersGone: number;
  flagged: number;
  failed: number;
  failures: string[];
  confirmations: { posted: number; failed: number; uncertain: number };
}

/** The reminders due on the day of `at` (none on a weekend), rendered. Reads only. */
export async function planActionReminders(
  deps: NotifyDeps,
  at: Date,
  ids: ActionItemUiIds,
): Promise<{ today: string; weekend: boolean; planned: PlannedReminder[]; open: ActionItem[] }> {
  const today = dayOf(at, deps.config.timezone);
  if (isWeekend(today)) return { today, weekend: true, planned: [], open: [] };
  const open = await listOpenActionItems(deps.db);
  const planned: PlannedReminder[] = [];
  for (const item of open) {
    const reminder = reminderDueOn(item.dueDate, today);
    if (!reminder) continue;
    planned.push({
      itemId: item.id,
      ownerId: item.ownerId,
      reminder,
      message: renderActionReminder(cardOf(deps, item, today), reminder, ids),
    });
  }
  return { today, weekend: false, planned, open };
}

/**
 * The daily reminder run as of `at`: each open item's owner is checked (users.info, once per
 * person); a deactivated owner's creator is flagged once; every reminder due today goes to its
 * owner by DM at most once per day. Each item is isolated: a failure is counted and the others go
 * on. Then recent unconfirmed items get their confirmation retried. Nothing is sent on a weekend,
 * in a dry run, or without Slack.
 */
export async function sendActionReminders(
  deps: NotifyDeps,
  messenger: Messenger | undefined,
  at: Date,
  opts: { ids: ActionItemUiIds; dryRun: boolean },
): Promise<ReminderRun> {
  const plan = await planActionReminders(deps, at, opts.ids);
  const run: ReminderRun = {
    today: plan.today,
    weekend: plan.weekend,
    planned: plan.planned,
    sent: 0,
    alreadySent: 0,
    ownersGone: 0,
    flagged: 0,
    failed: 0,
    failures: [],
    confirmations: { posted: 0, failed: 0, uncertain: 0 },
  };
  if (plan.weekend || opts.dryRun || !messenger) return run;
  const fail = (item: ActionItem, what: string, err: unknown) => {
    run.failed++;
    run.failures.push(`#${item.id} ${what}: ${reasonOf(err)}`);
    deps.logger.warn(`action item #${item.id}: ${what} failed`, { error: reasonOf(err) });
  };

  const people = new Map<string, Promise<{ deleted: boolean } | null>>();
  const personOf = (id: string) => {
    let p = people.get(id);
    if (!p) {
      p = messenger.userInfo(id);
      people.set(id, p);
    }
    return p;
  };
  const gone = new Set<number>();
  for (const item of plan.open) {
    let owner: { deleted: boolean } | null;
    try {
      owner = await personOf(item.ownerId);
    } catch (err) {
      fail(item, 'checking the owner', err);
      gone.add(item.id);
      continue;
    }
    if (owner !== null && !owner.deleted) continue;
    gone.add(item.id);
    run.ownersGone++;
    try {
      const flagged = await flagOwnerGone(deps, messenger, item, at, opts.ids);
      if (flagged) run.flagged++;
    } catch (err) {
      fail(item, 'flagging the deactivated owner to the creator', err);
    }
  }

  const byId = new Map(plan.open.map((i) => [i.id, i]));
  for (const p of plan.planned) {
    const item = byId.get(p.itemId) as ActionItem;
    if (gone.has(item.id)) continue;
    try {
      const ref = { scope: `reminder:${item.id}:${plan.today}`, key: 'dm', channelId: item.ownerId };
      const r = await sendOnce(deps, ref, at, null, () => messenger.dm(item.ownerId, p.message));
      if (r.state !== 'sent') {
        run.alreadySent++;
        continue;
      }
      run.sent++;
      await insertActionEvent(deps.db, {
        actionItemId: item.id,
        actorId: SYSTEM_ACTOR,
        at,
        kind: 'reminded',
        before: null,
        after: {
          day: plan.today,
          kind: p.reminder.kind,
          days: p.reminder.days,
          channel: r.channel,
          ts: r.ts,
        },
      });
    } catch (err) {
      fail(item, 'the reminder DM', err);
    }
  }
  run.confirmations = await retryPendingConfirmations(deps, messenger, at);
  return run;
}

/** Tells the creator (once per item and owner) that the owner is deactivated. True when sent now. */
async function flagOwnerGone(
  deps: NotifyDeps,
  messenger: Messenger,
  item: ActionItem,
  at: Date,
  ids: ActionItemUiIds,
): Promise<boolean> {
  const card = cardOf(deps, item, dayOf(at, deps.config.timezone));
  const ref = { scope: `action:${item.id}`, key: `owner-gone:${item.ownerId}`, channelId: item.creatorId };
  const r = await sendOnce(deps, ref, at, null, () =>
    messenger.dm(item.creatorId, renderOwnerFlag(card, { kind: 'owner-deactivated' }, ids)),
  );
  if (r.state !== 'sent') return false;
  await insertActionEvent(deps.db, {
    actionItemId: item.id,
    actorId: SYSTEM_ACTOR,
    at,
    kind: 'flagged',
    before: null,
    after: { reason: 'owner-deactivated', ownerId: item.ownerId, notified: item.creatorId },
  });
  return true;
}

// ── the weekly digest ────────────────────────────────────────────────────────

export type DigestOutcome =
  | { state: 'posted'; channel: string; ts: string; overdue: number }
  | {
      state: 'already' | 'uncertain' | 'nothing' | 'dry-run' | 'no-slack';
      overdue: number;
      message?: RenderedMessage;
    };

/** The weekly digest of overdue items to review.channel (nothing is posted when none is overdue). */
export async function postOverdueDigest(
  deps: NotifyDeps,
  messenger: Messenger | undefined,
  at: Date,
  opts: { weekKey: string; dryRun: boolean },
): Promise<DigestOutcome> {
  const today = dayOf(at, deps.config.timezone);
  const open = await listOpenActionItems(deps.db);
  const overdue = open.map((i) => cardOf(deps, i, today)).filter((c) => c.state === 'overdue');
  const message = renderOverdueDigest({ weekOf: weekStartOf(today), today, items: overdue });
  if (overdue.length === 0) return { state: 'nothing', overdue: 0 };
  if (opts.dryRun) return { state: 'dry-run', overdue: overdue.length, message };
  if (!messenger) return { state: 'no-slack', overdue: overdue.length, message };
  const channel = await messenger.resolveChannel(deps.config.review.channel);
  const ref = { scope: `action-digest:${opts.weekKey}`, key: 'digest', channelId: channel };
  const r = await sendOnce(deps, ref, at, null, () => messenger.post(channel, message));
  return r.state === 'sent'
    ? { state: 'posted', channel: r.channel, ts: r.ts, overdue: overdue.length }
    : { state: r.state, overdue: overdue.length };
}
