/**
 * `/finops anomalies [PRODUCT] [open]`: the recorded anomalies, most recent first, with their
 * status and where their alert went. Pure renderer.
 */
import { type AnomalyAlertStatus, anomalySubject, money } from './anomaly-alert.ts';
import { escapeMrkdwn, mentionChannel } from './escape.ts';
import { context, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, moreText } from './limits.ts';

export interface AnomalyListItem {
  productName: string | null;
  productLine: string | null;
  service: string;
  currency: string;
  firstDay: string;
  lastDay: string;
  actual: number;
  expected: number;
  impact: number;
  impactPct: number | null;
  status: AnomalyAlertStatus;
  channelId: string | null;
}

export interface AnomalyListView {
  /** "Checkout", or "every product line". */
  scope: string;
  openOnly: boolean;
  /** Most recent first; the renderer shows the first `max`. */
  items: readonly AnomalyListItem[];
  /** How many items one answer shows. */
  max: number;
  /** Alerted anomalies of the scope, and how many of them were marked Expected. */
  falsePositives: { alerted: number; expected: number };
}

export function renderAnomalyList(v: AnomalyListView): RenderedMessage {
  const what = `${v.openOnly ? 'Open cost anomalies' : 'Cost anomalies'} — ${v.scope}`;
  if (v.items.length === 0) {
    const text = `${what}: none${v.openOnly ? ' open' : ' recorded'}.`;
    return { text: escapeMrkdwn(text), blocks: [section(escapeMrkdwn(text))] };
  }
  const shown = v.items.slice(0, v.max);
  const lines = shown.map((a) => {
    const days = a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay} → ${a.lastDay}`;
    const pct =
      a.impactPct === null
        ? 'new spend'
        : `${a.impactPct >= 0 ? '+' : '−'}${Math.abs(a.impactPct).toFixed(1)}%`;
    const where = a.channelId ? ` · ${mentionChannel(a.channelId)}` : '';
    return (
      `• *${escapeMrkdwn(anomalySubject(a))}* ${days}: ${money(a.actual, a.currency)} against ` +
      `${money(a.expected, a.currency)} (+${money(a.impact, a.currency)}, ${pct}) — _${a.status}_${where}`
    );
  });
  if (v.items.length > shown.length) lines.push(moreText(v.items.length - shown.length, 'anomalies'));
  const fp = v.falsePositives;
  const rate =
    fp.alerted === 0
      ? 'no alert sent yet'
      : `${fp.expected} of ${fp.alerted} alerted marked Expected (${((fp.expected / fp.alerted) * 100).toFixed(1)}% false positives)`;
  return {
    text: escapeMrkdwn(`${what}: ${v.items.length}`),
    blocks: [
      section(
        joinLinesWithin(
          [`*${escapeMrkdwn(what)}* (${v.items.length})`, ...lines],
          LIMITS.sectionText,
          'anomalies',
        ),
      ),
      context([rate]),
    ],
  };
}
