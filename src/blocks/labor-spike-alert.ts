/**
 * Labour-side spike messages: the alert (updated in place as people triage it, with the same
 * Acknowledge / Create action item / Resolve buttons as a cost anomaly; "Expected" does not apply
 * to a week of incidents), the per-channel summary over the daily cap, and the Resolve modal's
 * summary line. Pure renderers. Incident titles and product names are escaped; no person is
 * named, and a head count under 3 is shown as "fewer than 3" (no breakdown of fewer than 3
 * people, SPEC §10).
 */
import {
  type AnomalyAlertActionIds,
  type AnomalyAlertView,
  historyLines,
  STATUS_LABEL,
} from './anomaly-alert.ts';
import { escapeMrkdwn } from './escape.ts';
import {
  actions,
  type Block,
  button,
  type ButtonElement,
  context,
  fields,
  header,
  type RenderedMessage,
  section,
} from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';

/** How many incidents the alert lists. */
export const LABOR_SPIKE_TOP_INCIDENTS = 5;

/** Below this many people a head count is not shown (SPEC §10: no breakdown of fewer than 3 people). */
export const MIN_PEOPLE_SHOWN = 3;

export interface LaborSpikeAlertView
  extends Pick<
    AnomalyAlertView,
    | 'id'
    | 'productLine'
    | 'productName'
    | 'status'
    | 'routingNote'
    | 'acknowledged'
    | 'resolved'
    | 'actionItems'
  > {
  /** Monday of the ISO week (config.timezone). */
  week: string;
  hours: number;
  /** Median of the trailing weeks' incident hours. */
  median: number;
  /** hours / median; null when the median is 0. */
  ratio: number | null;
  /** The rule: above `factor` × the median of `trailingWeeks` weeks. */
  factor: number;
  trailingWeeks: number;
  /** People with incident time that week (never named). */
  people: number;
  /** The week's incidents, most hours first; the renderer shows the top few. */
  incidents: ReadonlyArray<{ id: string; number: number | null; title: string; hours: number }>;
  /** The week is not over yet: the hours are so far. */
  inProgress: boolean;
}

export function hours(h: number): string {
  return `${h.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} h`;
}

function ratioText(ratio: number | null): string {
  return ratio === null ? 'no median (0 h)' : `${ratio.toFixed(1)}×`;
}

export function peopleText(n: number): string {
  return n >= MIN_PEOPLE_SHOWN ? String(n) : `fewer than ${MIN_PEOPLE_SHOWN}`;
}

/** "Checkout", "Unallocated" (a PagerDuty service no product line lists). Unescaped. */
function productOf(v: Pick<LaborSpikeAlertView, 'productName' | 'productLine'>): string {
  return v.productName ?? v.productLine ?? 'Unallocated';
}

/** Longest incident title shown (escaped), so the top incidents always fit their section. */
const TITLE_MAX = 200;

function incidentLabel(i: { number: number | null; title: string }): string {
  return `${i.number !== null ? `#${i.number} ` : ''}${truncateText(escapeMrkdwn(i.title.replace(/\s+/g, ' ')), TITLE_MAX)}`;
}

function buttonsFor(v: LaborSpikeAlertView, ids: AnomalyAlertActionIds): ButtonElement[] {
  const value = String(v.id);
  const ack = button('Acknowledge', ids.acknowledge, { value, style: 'primary' });
  const toAction = button('Create action item', ids.toAction, { value });
  const resolve = button('Resolve', ids.resolve, { value });
  switch (v.status) {
    case 'open':
      return [ack, toAction, resolve];
    case 'acknowledged':
      return [toAction, resolve];
    default:
      return [toAction];
  }
}

/** The alert, as first posted and as updated in place after each click or restatement. */
export function renderLaborSpikeAlert(v: LaborSpikeAlertView, ids: AnomalyAlertActionIds): RenderedMessage {
  const product = productOf(v);
  const rule = `above ${v.factor}× the trailing ${v.trailingWeeks}-week median is a spike`;
  const sofar = v.inProgress ? ' so far' : '';
  const against =
    v.ratio === null
      ? `while its trailing ${v.trailingWeeks}-week median is 0 h`
      : `*${ratioText(v.ratio)}* its trailing ${v.trailingWeeks}-week median of ${hours(v.median)}`;
  const blocks: Block[] = [
    header(`Labour spike: ${product} · incident hours, week of ${v.week}`),
    section(
      `*${escapeMrkdwn(product)}* spent *${hours(v.hours)}* on incidents${sofar} in the week of ${v.week}, ` +
        `${against} (${rule}).`,
    ),
    fields([
      `*Incident hours (week of ${v.week})*\n${hours(v.hours)}${v.inProgress ? ' so far' : ''}`,
      `*Trailing ${v.trailingWeeks}-week median*\n${hours(v.median)}`,
      `*Ratio*\n${ratioText(v.ratio)}`,
      `*People responding*\n${peopleText(v.people)}`,
    ]),
  ];
  const top = v.incidents.slice(0, LABOR_SPIKE_TOP_INCIDENTS);
  const others = v.incidents.length - top.length;
  const incidentLines = top.map((i) => `• ${incidentLabel(i)}: ${hours(i.hours)}`);
  if (others > 0) incidentLines.push(`…and ${others} more ${others === 1 ? 'incident' : 'incidents'}`);
  blocks.push(
    section(
      incidentLines.length > 0
        ? joinLinesWithin(['*Top incidents by hours*', ...incidentLines])
        : '*Top incidents by hours*\nNo incident is left in the stored PagerDuty data for this week.',
    ),
  );
  const notes: string[] = [`Status: *${STATUS_LABEL[v.status]}*`];
  if (v.routingNote) notes.push(`:information_source: ${escapeMrkdwn(v.routingNote)}`);
  blocks.push(context(notes));
  const history = historyLines({ ...v, markedExpected: null });
  if (history.length > 0) blocks.push(section(joinLinesWithin(history)));
  blocks.push(actions(buttonsFor(v, ids), `labor_spike_${v.id}`));
  const text = truncateText(
    escapeMrkdwn(
      `Labour spike: ${product} spent ${hours(v.hours)} on incidents${sofar} in the week of ${v.week} ` +
        `(trailing ${v.trailingWeeks}-week median ${hours(v.median)}, ${ratioText(v.ratio)}) — ${STATUS_LABEL[v.status]}`,
    ),
    LIMITS.recommendedText,
  );
  return { text, blocks };
}

/** The Resolve modal's line about the spike (mrkdwn, escaped) and its placeholder. */
export function laborSpikeResolveSubject(
  v: Pick<LaborSpikeAlertView, 'productName' | 'productLine' | 'week' | 'hours' | 'median'>,
): { summary: string; placeholder: string } {
  return {
    summary: `*${escapeMrkdwn(productOf(v))} · incident hours*: ${hours(v.hours)} in the week of ${v.week} (median ${hours(v.median)}).`,
    placeholder: 'e.g. a bad deploy paged the on-call three nights running',
  };
}

export type SummarisedLaborSpike = Pick<
  LaborSpikeAlertView,
  'productName' | 'productLine' | 'week' | 'hours' | 'median' | 'ratio'
>;

/** One message for the labour spikes over a channel's daily alert cap. */
export function renderLaborSpikeSummary(
  items: readonly SummarisedLaborSpike[],
  maxPerDay: number,
): RenderedMessage {
  const n = items.length;
  const what = `${n} more labour ${n === 1 ? 'spike' : 'spikes'} today`;
  const lines = items.map(
    (s) =>
      `• *${escapeMrkdwn(productOf(s))} · incident hours*, week of ${s.week}: ${hours(s.hours)} against a median of ` +
      `${hours(s.median)} (${ratioText(s.ratio)})`,
  );
  return {
    text: `${what}, over this channel's ${maxPerDay} alerts a day`,
    blocks: [
      section(
        joinLinesWithin(
          [`*${what}* (this channel gets at most ${maxPerDay} alerts a day):`, ...lines],
          LIMITS.sectionText,
          'spikes',
        ),
      ),
      context(['`/finops anomalies open` lists them with the cost anomalies.']),
    ],
  };
}
