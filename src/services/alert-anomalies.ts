import { DateTime } from 'luxon';
import {
  type AnomalyAlertActionIds,
  type AnomalyDayFigures,
  renderAnomalyAlert,
  renderAnomalyDaysReply,
  renderAnomalySummary,
} from '../blocks/anomaly-alert.ts';
import type { Config } from '../config/schema.ts';
import {
  type Anomaly,
  countAlertsByChannel,
  listAnomalies,
  markAnomalyAlerted,
  setNotifiedLastDay,
} from '../db/repos/anomalies.ts';
import type { MessageRef } from '../db/repos/posted-messages.ts';
import { addDays } from '../lib/dates.ts';
import { errorLine, InputError } from '../lib/errors.ts';
import type { CostRange, DetectedAnomaly } from '../model/anomalies.ts';
import { sendOnce } from './action-notify.ts';
import { anomalyAlertView, productNameOf } from './anomaly-triage.ts';
import type { Messenger, ServiceDeps } from './deps.ts';

/**
 * Routes recorded cost anomalies to Slack after detection:
 * - a new anomaly gets an alert in its owning team's channel (unallocated spend, and a team
 *   without a channel, go to `review.channel`, the latter with a note saying so);
 * - an alerted anomaly that goes on gets a thread reply with the new day(s), and its alert is
 *   updated in place with the latest figures;
 * - noise control: at most one new alert per (product line, service, currency) series a day, at
 *   most `anomalies.max_alerts_per_channel_per_day` per channel a day (largest impact first; the
 *   rest are listed in one summary message), and nothing below `anomalies.min_impact`.
 * Each message is claimed in posted_message before it is sent, so a re-run never posts twice.
 */

/**
 * Anomalies whose most recent day is older than the last ingested day minus this are recorded
 * but not alerted: a first run over two years of history must not post two years of alerts.
 */
export const ALERT_LOOKBACK_DAYS = 2;

export interface AlertOptions {
  actionIds: AnomalyAlertActionIds;
  /** Report what would be posted; post and write nothing. */
  dryRun?: boolean;
  /** Per-day figures of the detection that just ran, for the thread replies. */
  detected?: readonly DetectedAnomaly[];
}

export interface AlertOutcome {
  alerted: Array<{ id: number; channel: string }>;
  replies: Array<{ id: number; channel: string; days: string[] }>;
  summaries: Array<{ channel: string; ids: number[] }>;
  skipped: { stale: number; belowMinImpact: number; seriesAlertedToday: number };
  failures: string[];
}

type AlertDeps = Pick<ServiceDeps, 'db' | 'config' | 'now' | 'logger'>;

export interface Route {
  /** A channel id, or `#name` to resolve. */
  channel: string;
  note: string | null;
}

/** Where an anomaly of `productLine` is alerted, and why when it is not the owning team's channel. */
export function routeAnomaly(config: Config, productLine: string | null): Route {
  const review = config.review.channel;
  if (productLine === null) {
    return {
      channel: review,
      note: 'Unallocated spend (no product line claims it) is alerted in the review channel.',
    };
  }
  const pl = config.product_lines.find((p) => p.id === productLine);
  if (!pl) {
    return {
      channel: review,
      note: `Product line "${productLine}" is not in finops.yml any more, so this alert is posted in the review channel.`,
    };
  }
  const team = config.teams.find((t) => t.id === pl.team);
  if (!team?.channel) {
    return {
      channel: review,
      note: `Team "${pl.team}" (owner of ${pl.name ?? pl.id}) has no channel in finops.yml, so this alert is posted here: add teams[].channel to route it to the team.`,
    };
  }
  return { channel: team.channel, note: null };
}

const seriesKey = (a: Pick<Anomaly, 'productLine' | 'service' | 'currency'>): string =>
  JSON.stringify([a.productLine, a.service, a.currency]);

/** [start, end) of the local day containing `at`. */
export function localDay(at: Date, timezone: string): { day: string; start: Date; end: Date } {
  const start = DateTime.fromJSDate(at, { zone: timezone }).startOf('day');
  return {
    day: start.toFormat('yyyy-MM-dd'),
    start: start.toJSDate(),
    end: start.plus({ days: 1 }).toJSDate(),
  };
}

export async function alertAnomalies(
  deps: AlertDeps,
  messenger: Messenger,
  range: CostRange | null,
  opts: AlertOptions,
): Promise<AlertOutcome> {
  const out: AlertOutcome = {
    alerted: [],
    replies: [],
    summaries: [],
    skipped: { stale: 0, belowMinImpact: 0, seriesAlertedToday: 0 },
    failures: [],
  };
  if (range === null) return out;
  const { config, db, logger } = deps;
  const now = deps.now();
  const dryRun = opts.dryRun ?? false;
  const today = localDay(now, config.timezone);
  const stored = await listAnomalies(db, { kind: 'cost' });
  const daysOf = detectionDays(opts.detected ?? []);

  const send = (ref: MessageRef, msg: { text: string; blocks: unknown[]; threadTs?: string }) =>
    postOnce(db, messenger, now, ref, msg, out.failures);

  // 1. Ongoing anomalies: one thread reply with the new day(s), and the alert updated in place.
  for (const a of stored) {
    if (!a.channelId || !a.messageTs || a.notifiedLastDay === null || a.lastDay <= a.notifiedLastDay)
      continue;
    if (a.status === 'expected' || a.status === 'suppressed') continue;
    const notified = a.notifiedLastDay;
    const fresh = (daysOf.get(`${seriesKey(a)}|${a.firstDay}`) ?? []).filter((d) => d.day > notified);
    const newDays: AnomalyDayFigures[] =
      fresh.length > 0
        ? fresh
        : [{ day: a.lastDay, actual: a.actual, expected: a.expected, impact: a.impact }];
    out.replies.push({ id: a.id, channel: a.channelId, days: newDays.map((d) => d.day) });
    if (dryRun) continue;
    try {
      const productName = productNameOf(config, a.productLine);
      await send(
        { scope: `anomaly:${a.id}`, key: `day:${a.lastDay}`, channelId: a.channelId },
        { ...renderAnomalyDaysReply({ ...a, productName }, newDays), threadTs: a.messageTs },
      );
      await messenger.update(
        a.channelId,
        a.messageTs,
        renderAnomalyAlert(await anomalyAlertView(deps, a), opts.actionIds),
      );
      await setNotifiedLastDay(db, a.id, a.lastDay);
    } catch (err) {
      out.failures.push(`anomaly ${a.id}: thread reply failed: ${errorLine(err)}`);
    }
  }

  // 2. New alerts, largest impact first, within the noise limits.
  const cutoff = addDays(range.lastDay, -ALERT_LOOKBACK_DAYS);
  const takeSlot = await alertSlots(deps, messenger);
  const seriesToday = new Set(
    stored.filter((a) => a.alertedAt && a.alertedAt >= today.start && a.alertedAt < today.end).map(seriesKey),
  );
  const over = new Map<string, Anomaly[]>();
  const candidates = stored
    .filter((a) => a.status === 'open' && a.alertedAt === null)
    .sort((x, y) => y.impact - x.impact || x.id - y.id);
  for (const a of candidates) {
    if (a.lastDay < cutoff) {
      out.skipped.stale++;
      continue;
    }
    if (a.impact < config.anomalies.min_impact) {
      out.skipped.belowMinImpact++;
      continue;
    }
    if (seriesToday.has(seriesKey(a))) {
      out.skipped.seriesAlertedToday++;
      continue;
    }
    try {
      await alertInTurn(deps, messenger, a, {
        takeSlot,
        held: a,
        over,
        out,
        dryRun,
        onAlerted: () => seriesToday.add(seriesKey(a)),
        render: async (routingNote) =>
          renderAnomalyAlert({ ...(await anomalyAlertView(deps, a)), routingNote }, opts.actionIds),
      });
    } catch (err) {
      out.failures.push(`anomaly ${a.id}: alert failed: ${errorLine(err)}`);
    }
  }

  // 3. One summary per channel for what the daily cap held back.
  await postCapSummaries(deps, messenger, over, {
    scope: `anomaly-summary:${today.day}`,
    dryRun,
    out,
    render: (items, max) =>
      renderAnomalySummary(
        items.map((a) => ({ ...a, productName: productNameOf(config, a.productLine) })),
        max,
      ),
  });
  logger.info('cost anomaly alerts', {
    alerted: out.alerted.length,
    replies: out.replies.length,
    summarised: summarisedCount(out),
    skipped: out.skipped,
    failures: out.failures.length,
  });
  return out;
}

/** How many alerts the per-channel summaries stood for (held back by the daily cap). */
export function summarisedCount(out: { summaries: ReadonlyArray<{ ids: readonly number[] }> }): number {
  return out.summaries.reduce((n, s) => n + s.ids.length, 0);
}

/** `, N failed` for a run's summary line when some alerts failed, else nothing. */
export function failedNote(out: { failures: readonly string[] }): string {
  return out.failures.length > 0 ? `, ${out.failures.length} failed` : '';
}

/** A routed alert: where it goes, why there, and whether the channel's daily cap holds it back. */
export interface AlertSlot extends Route {
  over: boolean;
}

/**
 * Noise control shared by every kind of alert (cost anomalies, labour spikes): routes an alert and
 * counts it against its channel's `anomalies.max_alerts_per_channel_per_day`, starting from the
 * alerts already sent today (local day). An alert over the cap is not counted (`over`).
 */
export async function alertSlots(
  deps: AlertDeps,
  messenger: Messenger,
): Promise<(productLine: string | null) => Promise<AlertSlot>> {
  const { config } = deps;
  const today = localDay(deps.now(), config.timezone);
  const perChannel = await countAlertsByChannel(deps.db, today.start, today.end);
  const resolve = channelResolver(messenger);
  const max = config.anomalies.max_alerts_per_channel_per_day;
  return async (productLine) => {
    const route = await routeTo(config, productLine, resolve);
    const n = perChannel.get(route.channel) ?? 0;
    if (n >= max) return { ...route, over: true };
    perChannel.set(route.channel, n + 1);
    return { ...route, over: false };
  };
}

/** Posts an anomaly's alert once (posted_message) and records where and when it went. */
export async function postAlert(
  deps: AlertDeps,
  messenger: Messenger,
  a: Anomaly,
  route: Route,
  msg: { text: string; blocks: unknown[] },
  failures: string[],
): Promise<void> {
  const now = deps.now();
  const ref = { scope: `anomaly:${a.id}`, key: 'alert', channelId: route.channel };
  const ts = await postOnce(deps.db, messenger, now, ref, msg, failures);
  if (ts === null) return;
  await markAnomalyAlerted(deps.db, a.id, {
    channelId: route.channel,
    messageTs: ts,
    alertedAt: now,
    notifiedLastDay: a.lastDay,
    routingNote: route.note,
  });
}

/**
 * A new alert in its turn: routed and counted against its channel's daily cap. Over the cap it is
 * held back (`held`, listed in the channel's summary); otherwise it is listed as alerted,
 * `onAlerted` runs, and unless this is a dry run it is posted, its view carrying the routing note.
 */
export async function alertInTurn<T>(
  deps: AlertDeps,
  messenger: Messenger,
  a: Anomaly,
  opts: {
    takeSlot: (productLine: string | null) => Promise<AlertSlot>;
    held: T;
    over: Map<string, T[]>;
    out: { alerted: Array<{ id: number; channel: string }>; failures: string[] };
    dryRun: boolean;
    onAlerted: () => void;
    render: (routingNote: string | null) => Promise<{ text: string; blocks: unknown[] }>;
  },
): Promise<void> {
  const slot = await opts.takeSlot(a.productLine);
  if (slot.over) {
    opts.over.set(slot.channel, [...(opts.over.get(slot.channel) ?? []), opts.held]);
    return;
  }
  opts.onAlerted();
  opts.out.alerted.push({ id: a.id, channel: slot.channel });
  if (opts.dryRun) return;
  await postAlert(deps, messenger, a, slot, await opts.render(slot.note), opts.out.failures);
}

/** One summary message per channel for the alerts its daily cap held back (once per `scope`). */
export async function postCapSummaries<T extends { id: number }>(
  deps: AlertDeps,
  messenger: Messenger,
  over: ReadonlyMap<string, T[]>,
  opts: {
    scope: string;
    dryRun: boolean;
    out: { summaries: Array<{ channel: string; ids: number[] }>; failures: string[] };
    render: (items: T[], max: number) => { text: string; blocks: unknown[] };
  },
): Promise<void> {
  const max = deps.config.anomalies.max_alerts_per_channel_per_day;
  for (const [channel, items] of over) {
    opts.out.summaries.push({ channel, ids: items.map((x) => x.id) });
    if (opts.dryRun) continue;
    try {
      const ref = { scope: opts.scope, key: 'summary', channelId: channel };
      await postOnce(deps.db, messenger, deps.now(), ref, opts.render(items, max), opts.out.failures);
    } catch (err) {
      opts.out.failures.push(`summary for ${channel}: ${errorLine(err)}`);
    }
  }
}

/** `#name` or id → channel id, each asked of Slack once per run. */
export function channelResolver(messenger: Messenger): (ref: string) => Promise<string> {
  const channelIds = new Map<string, Promise<string>>();
  return (ref) => {
    let p = channelIds.get(ref);
    if (!p) {
      p = messenger.resolveChannel(ref);
      channelIds.set(ref, p);
    }
    return p;
  };
}

/**
 * Posts `msg` in `ref`'s channel exactly once (action-notify's sendOnce). Returns the message ts
 * (also when an earlier run posted it), or null when an earlier attempt may have posted it (noted
 * in `failures`, never sent twice). A refusal is rethrown and the next run sends it.
 */
export async function postOnce(
  db: AlertDeps['db'],
  messenger: Messenger,
  now: Date,
  ref: MessageRef,
  msg: { text: string; blocks: unknown[]; threadTs?: string },
  failures: string[],
): Promise<string | null> {
  const r = await sendOnce({ db }, ref, now, msg.threadTs ?? null, () => messenger.post(ref.channelId, msg));
  if (r.state !== 'uncertain') return r.ts;
  failures.push(`${ref.scope} ${ref.key}: an earlier attempt may have posted it; not sending again`);
  return null;
}

/** The route with its channel resolved; a configured channel that no longer exists falls back to review. */
export async function routeTo(
  config: Config,
  productLine: string | null,
  resolve: (ref: string) => Promise<string>,
): Promise<{ channel: string; note: string | null }> {
  const route = routeAnomaly(config, productLine);
  try {
    return { channel: await resolve(route.channel), note: route.note };
  } catch (err) {
    if (!(err instanceof InputError) || route.channel === config.review.channel) throw err;
    return {
      channel: await resolve(config.review.channel),
      note: `Channel ${route.channel} was not found, so this alert is posted in the review channel.`,
    };
  }
}

function detectionDays(detected: readonly DetectedAnomaly[]): Map<string, AnomalyDayFigures[]> {
  const out = new Map<string, AnomalyDayFigures[]>();
  for (const d of detected) {
    out.set(
      `${seriesKey({ productLine: d.productLine, service: d.service, currency: d.currency })}|${d.firstDay}`,
      d.days.map((x) => ({ day: x.day, actual: x.actual, expected: x.expected, impact: x.impact })),
    );
  }
  return out;
}
