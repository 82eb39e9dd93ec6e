/**
 * Cost anomaly messages: the alert (updated in place as people triage it), the thread reply for
 * each new day of an ongoing anomaly, the per-channel summary of alerts over the daily cap, and
 * the "Resolve" modal. Pure renderers; every text from outside (service, product and sub-account
 * names, regions, the cause someone typed) is escaped; action ids come in as arguments.
 */
import { escapeMrkdwn, mentionUser } from './escape.ts';
import {
  actions,
  type Block,
  button,
  type ButtonElement,
  context,
  fields,
  header,
  plain,
  type RenderedMessage,
  section,
} from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';

export type AnomalyAlertStatus = 'open' | 'acknowledged' | 'expected' | 'resolved' | 'suppressed';

export interface AnomalyAlertView {
  id: number;
  /** null = unallocated spend. */
  productLine: string | null;
  /** The product line's name from the config (its id when it has none). */
  productName: string | null;
  service: string;
  currency: string;
  firstDay: string;
  lastDay: string;
  /** Figures of the most recent anomalous day. */
  actual: number;
  expected: number;
  impact: number;
  impactPct: number | null;
  rootCause: ReadonlyArray<{ subAccount: string | null; region: string | null; increase: number }>;
  status: AnomalyAlertStatus;
  /** Why the alert is not in the owning team's channel (shown as a note). */
  routingNote: string | null;
  acknowledged: { by: string; at: Date } | null;
  markedExpected: { by: string; at: Date; suppressedUntil: string | null } | null;
  resolved: { by: string; at: Date; cause: string | null } | null;
  actionItems: ReadonlyArray<{ id: number; title: string; ownerId: string }>;
}

/** The four buttons' action ids (slack/ids.ts). */
export interface AnomalyAlertActionIds {
  acknowledge: string;
  expected: string;
  toAction: string;
  resolve: string;
}

export interface AnomalyDayFigures {
  day: string;
  actual: number;
  expected: number;
  impact: number;
}

/** `1,234.50 USD` */
export function money(amount: number, currency: string): string {
  const s = Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${amount < 0 ? '−' : ''}${s} ${currency}`;
}

function signedMoney(amount: number, currency: string): string {
  return amount >= 0 ? `+${money(amount, currency)}` : money(amount, currency);
}

function pct(p: number | null): string {
  return p === null ? 'new spend' : `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}

/** What the anomaly is about, unescaped: "Checkout · Amazon EC2", "Unallocated · AWS Data Transfer". */
export function anomalySubject(v: Pick<AnomalyAlertView, 'productName' | 'productLine' | 'service'>): string {
  return `${v.productName ?? v.productLine ?? 'Unallocated'} · ${v.service}`;
}

/** Slack shows the time in each reader's own time zone; the fallback is UTC. */
export function when(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000) + 1;
}

function rootCauseText(v: AnomalyAlertView): string {
  if (v.rootCause.length === 0)
    return `*Root cause*\nNo single sub-account × region stands out on ${v.lastDay}.`;
  const lines = v.rootCause.map(
    (r) =>
      `• \`${escapeMrkdwn(r.subAccount ?? 'no sub-account')}\` · ${escapeMrkdwn(r.region ?? 'no region')}: ` +
      `${signedMoney(r.increase, v.currency)}`,
  );
  return joinLinesWithin([`*Root cause* (sub-account × region, increase on ${v.lastDay})`, ...lines]);
}

/** Who did what and when, oldest first (cost anomalies and labour spikes alike). */
export function historyLines(
  v: Pick<AnomalyAlertView, 'acknowledged' | 'markedExpected' | 'resolved' | 'actionItems'>,
): string[] {
  const out: string[] = [];
  if (v.acknowledged)
    out.push(`:eyes: Acknowledged by ${mentionUser(v.acknowledged.by)} ${when(v.acknowledged.at)}`);
  if (v.markedExpected) {
    const until = v.markedExpected.suppressedUntil
      ? `; alerts for this service paused until ${v.markedExpected.suppressedUntil}`
      : '';
    out.push(
      `:see_no_evil: Marked expected (a false positive) by ${mentionUser(v.markedExpected.by)} ${when(v.markedExpected.at)}${until}`,
    );
  }
  if (v.resolved) {
    const cause = v.resolved.cause ? `: _${escapeMrkdwn(v.resolved.cause)}_` : '';
    out.push(`:white_check_mark: Resolved by ${mentionUser(v.resolved.by)} ${when(v.resolved.at)}${cause}`);
  }
  for (const a of v.actionItems) {
    out.push(`:memo: Action item #${a.id} for ${mentionUser(a.ownerId)}: ${escapeMrkdwn(a.title)}`);
  }
  return out;
}

function buttonsFor(v: AnomalyAlertView, ids: AnomalyAlertActionIds): ButtonElement[] {
  const value = String(v.id);
  const ack = button('Acknowledge', ids.acknowledge, { value, style: 'primary' });
  const expected = button('Expected', ids.expected, { value });
  const toAction = button('Create action item', ids.toAction, { value });
  const resolve = button('Resolve', ids.resolve, { value });
  switch (v.status) {
    case 'open':
      return [ack, expected, toAction, resolve];
    case 'acknowledged':
      return [expected, toAction, resolve];
    default:
      // expected / resolved / suppressed: the triage is over; follow-up work can still be logged
      return [toAction];
  }
}

export const STATUS_LABEL: Record<AnomalyAlertStatus, string> = {
  open: 'open',
  acknowledged: 'acknowledged',
  expected: 'expected (false positive)',
  resolved: 'resolved',
  suppressed: 'suppressed',
};

/** The alert, as first posted and as updated in place after each click. */
export function renderAnomalyAlert(v: AnomalyAlertView, ids: AnomalyAlertActionIds): RenderedMessage {
  const subject = anomalySubject(v);
  const days = daysBetween(v.firstDay, v.lastDay);
  const since = days === 1 ? v.firstDay : `${v.firstDay} (${days} days)`;
  const expectedText =
    v.impactPct === null && v.expected === 0 ? 'nothing (new spend)' : money(v.expected, v.currency);
  const blocks: Block[] = [
    header(`Cost anomaly: ${subject}`),
    section(
      `*${escapeMrkdwn(v.service)}* in *${escapeMrkdwn(v.productName ?? v.productLine ?? 'unallocated spend')}* ` +
        `cost *${money(v.actual, v.currency)}* on ${v.lastDay}, against ${expectedText} expected.`,
    ),
    fields([
      `*Actual (${v.lastDay})*\n${money(v.actual, v.currency)}`,
      `*Expected*\n${expectedText}`,
      `*Impact*\n${signedMoney(v.impact, v.currency)} (${pct(v.impactPct)})`,
      `*Since*\n${since}`,
    ]),
    section(rootCauseText(v)),
  ];
  const notes: string[] = [`Status: *${STATUS_LABEL[v.status]}*`];
  if (v.routingNote) notes.push(`:information_source: ${escapeMrkdwn(v.routingNote)}`);
  blocks.push(context(notes));
  const history = historyLines(v);
  if (history.length > 0) blocks.push(section(joinLinesWithin(history)));
  blocks.push(actions(buttonsFor(v, ids), `anomaly_${v.id}`));
  const text = truncateText(
    escapeMrkdwn(
      `Cost anomaly: ${subject} cost ${money(v.actual, v.currency)} on ${v.lastDay} ` +
        `(expected ${money(v.expected, v.currency)}, ${signedMoney(v.impact, v.currency)}, ${pct(v.impactPct)}) — ${STATUS_LABEL[v.status]}`,
    ),
    LIMITS.recommendedText,
  );
  return { text, blocks };
}

/** The thread reply of an ongoing anomaly: the new day(s), newest last. */
export function renderAnomalyDaysReply(
  v: Pick<AnomalyAlertView, 'productName' | 'productLine' | 'service' | 'currency' | 'firstDay'>,
  newDays: readonly AnomalyDayFigures[],
): RenderedMessage {
  const lines = newDays.map(
    (d) =>
      `• ${d.day}: *${money(d.actual, v.currency)}* against ${money(d.expected, v.currency)} expected ` +
      `(${signedMoney(d.impact, v.currency)})`,
  );
  const last = newDays[newDays.length - 1];
  const head = `Still anomalous${last ? ` on ${last.day}` : ''}, since ${v.firstDay}:`;
  const text = escapeMrkdwn(
    `${anomalySubject(v)} is still anomalous${last ? ` on ${last.day}: ${money(last.actual, v.currency)} against ${money(last.expected, v.currency)} expected` : ''}`,
  );
  return {
    text: truncateText(text, LIMITS.recommendedText),
    blocks: [section(joinLinesWithin([head, ...lines]))],
  };
}

export interface SummarisedAnomaly {
  productName: string | null;
  productLine: string | null;
  service: string;
  currency: string;
  firstDay: string;
  actual: number;
  expected: number;
  impact: number;
}

/** One message for the anomalies over a channel's daily alert cap, largest impact first. */
export function renderAnomalySummary(
  items: readonly SummarisedAnomaly[],
  maxPerDay: number,
): RenderedMessage {
  const n = items.length;
  const lines = items.map(
    (a) =>
      `• *${escapeMrkdwn(anomalySubject(a))}*: ${money(a.actual, a.currency)} against ${money(a.expected, a.currency)} ` +
      `expected (${signedMoney(a.impact, a.currency)}), since ${a.firstDay}`,
  );
  const head = `*${n} more cost ${n === 1 ? 'anomaly' : 'anomalies'} today* (this channel gets at most ${maxPerDay} alerts a day):`;
  return {
    text: `${n} more cost ${n === 1 ? 'anomaly' : 'anomalies'} today, over this channel's ${maxPerDay} alerts a day`,
    blocks: [
      section(joinLinesWithin([head, ...lines], LIMITS.sectionText, 'anomalies')),
      context([
        '`/finops anomalies open` lists them all; each gets its own alert on a later day if it goes on.',
      ]),
    ],
  };
}

/**
 * The "Resolve" modal: one line of cause. A cost anomaly is summarised from its figures; another
 * kind (a labour spike) passes its own summary line (mrkdwn, already escaped) and placeholder.
 */
export function renderResolveModal(
  v:
    | Pick<
        AnomalyAlertView,
        'productName' | 'productLine' | 'service' | 'currency' | 'firstDay' | 'lastDay' | 'impact'
      >
    | { summary: string; placeholder: string },
  ids: { callbackId: string; blockId: string; actionId: string; privateMetadata: string; maxLength: number },
) {
  const summary =
    'summary' in v
      ? v.summary
      : `*${escapeMrkdwn(anomalySubject(v))}*: ${signedMoney(v.impact, v.currency)} on ${v.lastDay} (since ${v.firstDay}).`;
  const placeholder = 'summary' in v ? v.placeholder : 'e.g. a load test left running in us-east-1';
  return {
    type: 'modal' as const,
    callback_id: ids.callbackId,
    private_metadata: ids.privateMetadata,
    title: plain('Resolve anomaly'),
    submit: plain('Resolve'),
    close: plain('Cancel'),
    blocks: [
      section(summary),
      {
        type: 'input',
        block_id: ids.blockId,
        label: plain('What caused it? (one line)'),
        element: {
          type: 'plain_text_input',
          action_id: ids.actionId,
          multiline: false,
          max_length: ids.maxLength,
          placeholder: plain(placeholder),
        },
      },
    ],
  };
}
