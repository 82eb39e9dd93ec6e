/**
 * `/finops anomalies [PRODUCT] [open]`: the recorded anomalies, most recent first, with their
 * status and where their alert went, then the labour spikes (weekly incident hours over the
 * trailing median) in a section of their own. Pure renderer.
 */
import { type AnomalyAlertStatus, anomalySubject, money } from './anomaly-alert.ts';
import { escapeMrkdwn, mentionChannel } from './escape.ts';
import { context, type RenderedMessage, section } from './kit.ts';
import { hours, type LaborSpikeAlertView } from './labor-spike-alert.ts';
import { joinLinesWithin, LIMITS, moreText } from './limits.ts';

export interface LaborSpikeListItem
  extends Pick<LaborSpikeAlertView, 'productLine' | 'productName' | 'week' | 'hours' | 'median' | 'ratio'> {
  status: AnomalyAlertStatus;
  channelId: string | null;
}

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
  /** Labour spikes of the scope, most recent week first (the first `max` are shown). */
  laborSpikes?: readonly LaborSpikeListItem[];
}

/** The labour spikes' own section, or nothing when there are none. */
function laborSpikeSection(v: AnomalyListView): string | null {
  const items = v.laborSpikes ?? [];
  if (items.length === 0) return null;
  const shown = items.slice(0, v.max);
  const lines = shown.map((s) => {
    const ratio = s.ratio === null ? 'median 0' : `${s.ratio.toFixed(1)}×`;
    const where = s.channelId ? ` · ${mentionChannel(s.channelId)}` : '';
    return (
      `• *${escapeMrkdwn(s.productName ?? s.productLine ?? 'Unallocated')} · incident hours*, week of ${s.week}: ` +
      `${hours(s.hours)} against a median of ${hours(s.median)} (${ratio}) — _${s.status}_${where}`
    );
  });
  if (items.length > shown.length) lines.push(moreText(items.length - shown.length, 'spikes'));
  const what = `${v.openOnly ? 'Open labour spikes' : 'Labour spikes'} (weekly incident hours) — ${v.scope}`;
  return joinLinesWithin(
    [`*${escapeMrkdwn(what)}* (${items.length})`, ...lines],
    LIMITS.sectionText,
    'spikes',
  );
}

export function renderAnomalyList(v: AnomalyListView): RenderedMessage {
  const what = `${v.openOnly ? 'Open cost anomalies' : 'Cost anomalies'} — ${v.scope}`;
  const spikes = laborSpikeSection(v);
  const spikeCount = v.laborSpikes?.length ?? 0;
  const andSpikes = spikes
    ? `; ${spikeCount} ${v.openOnly ? 'open ' : ''}labour ${spikeCount === 1 ? 'spike' : 'spikes'}`
    : '';
  if (v.items.length === 0) {
    const text = `${what}: none${v.openOnly ? ' open' : ' recorded'}.`;
    const spikesText = spikes ? ` Labour spikes: ${spikeCount}${v.openOnly ? ' open' : ''}.` : '';
    return {
      text: escapeMrkdwn(text) + spikesText,
      blocks: [section(escapeMrkdwn(text)), ...(spikes ? [section(spikes)] : [])],
    };
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
    text: escapeMrkdwn(`${what}: ${v.items.length}`) + andSpikes,
    blocks: [
      section(
        joinLinesWithin(
          [`*${escapeMrkdwn(what)}* (${v.items.length})`, ...lines],
          LIMITS.sectionText,
          'anomalies',
        ),
      ),
      context([rate]),
      ...(spikes ? [section(spikes)] : []),
    ],
  };
}
