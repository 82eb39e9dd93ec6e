/**
 * The monthly review thread (SPEC §10, issue 7): the parent message, one reply per product
 * line, and the showback message to each team. Pure: view-model in, `{ text, blocks }` out.
 * Outside text (product names, action titles) is escaped; every payload stays within Block Kit
 * limits whatever the number of product lines or items.
 */
import { STAGES, type Stage } from '../config/schema.ts';
import { formatMoney, round1 } from '../lib/money.ts';
import type { Coverage, Drift, ProductLineReport, StageRecord } from '../model/types.ts';
import { escapeMrkdwn, link, mentionUser } from './escape.ts';
import { actions, button, context, divider, fields, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';

export interface ReviewActionItem {
  id: number;
  title: string;
  ownerId: string;
  dueDate: string;
  status: 'done' | 'open' | 'overdue';
  productLine: string | null;
  /** Raised in an earlier review and still open: carried over visibly. */
  carriedOver: boolean;
}

export interface AnomalyKpis {
  count: number;
  medianHoursToDetect: number | null;
  medianHoursToAcknowledge: number | null;
  medianHoursToResolve: number | null;
}

export interface OrgSummary {
  allInCost: number;
  labour: number;
  cloud: number;
  ai: number;
  ci: number;
  revenue: number | null;
  grossMarginPct: number | null;
  stageShare: StageRecord;
  hours: number;
  /** Against the prior month. */
  drift: Drift;
}

export interface ReviewView {
  month: string;
  priorMonth: string;
  currency: string;
  hasData: boolean;
  org: OrgSummary;
  productLines: ProductLineReport[];
  coverage: Coverage;
  /** Revenue and margin figures may appear (finance viewers, or `show_margin_in_channel`). */
  showMargin: boolean;
  actions: ReviewActionItem[];
  anomalyKpis: AnomalyKpis;
  modelVersion: string;
  configHash: string;
}

/** Below this many people, hours and labour are not broken down (SPEC §10 privacy). */
export const MIN_PEOPLE_FOR_BREAKDOWN = 3;

const STAGE_LABEL: Record<Stage, string> = {
  authoring: 'authoring',
  review: 'review',
  qa: 'qa',
  deploy: 'deploy',
  incident: 'incident',
  rework: 'rework',
};

const DRIVER_LABEL: Record<string, string> = {
  cloud: 'cloud',
  ai: 'AI',
  ci: 'CI',
  authoring: 'authoring labour',
  review: 'review labour',
  qa: 'qa labour',
  deploy: 'deploy labour',
  incident: 'incident labour',
  rework: 'rework labour',
};

export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const names = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  return `${names[(m ?? 1) - 1] ?? month} ${y}`;
}

/** `+1.8` / `−0.3` / `0.0` with a real minus sign. */
export function signed(v: number, decimals = 1): string {
  const r = Number(v.toFixed(decimals));
  if (r === 0) return (0).toFixed(decimals);
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(decimals)}`;
}

const pct = (v: number) => `${round1(v).toFixed(1)}%`;

/**
 * "margin fell 3.1 pts: review labour +1.8, AI +1.6, cloud −0.3". Each driver is shown as the
 * change of that cost as a share of revenue, in points (+ = it pushed margin down); the drivers
 * are the exact additive split of the drift (SPEC §6), largest first, at most `top`.
 */
export function driftSentence(drift: Drift, top = 3): string | null {
  if (drift.grossMarginPp === null) return null;
  const total = drift.grossMarginPp;
  const verb = Number(total.toFixed(1)) === 0 ? 'held steady' : total > 0 ? 'rose' : 'fell';
  const parts = Object.entries(drift.byDriverPp)
    .filter(([, v]) => Number(v.toFixed(1)) !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([k, v]) => `${DRIVER_LABEL[k] ?? k} ${signed(-v)}`);
  const head =
    verb === 'held steady' ? 'margin held steady' : `margin ${verb} ${Math.abs(total).toFixed(1)} pts`;
  return parts.length > 0 ? `${head}: ${parts.join(', ')}` : head;
}

function stageMixLine(share: StageRecord, drift: Drift, trailing: Drift | null): string[] {
  return STAGES.map((s) => {
    const d = drift.stageSharePp[s];
    const t = trailing?.stageSharePp[s];
    const flag = drift.flags.includes(s) ? ' ⚑' : '';
    const vsPrior = d !== undefined ? ` (${signed(d)} pts vs last month` : '';
    const vsTrailing = t !== undefined ? `${vsPrior ? ', ' : ' ('}${signed(t)} vs 3-month mean` : '';
    const close = vsPrior || vsTrailing ? ')' : '';
    return `• ${STAGE_LABEL[s]} ${pct(share[s])}${vsPrior}${vsTrailing}${close}${flag}`;
  });
}

function money(v: number, currency: string): string {
  return formatMoney(v, currency);
}

function statusIcon(s: ReviewActionItem['status']): string {
  return s === 'done' ? '✅' : s === 'overdue' ? '⏰' : '◻️';
}

export function renderReviewParent(v: ReviewView): RenderedMessage {
  const title = `FinOps review — ${monthName(v.month)}`;
  if (!v.hasData) {
    const text = `${title}: no cost or engineering activity was ingested for ${v.month}, so there is nothing to review.`;
    return { text, blocks: [header(title), section(escapeMrkdwn(text))] };
  }
  const c = v.currency;
  const blocks = [header(title)];

  // The action log is reviewed first.
  const done = v.actions.filter((a) => a.status === 'done').length;
  const overdue = v.actions.filter((a) => a.status === 'overdue').length;
  const open = v.actions.length - done - overdue;
  const actionLines = v.actions.map(
    (a) =>
      `${statusIcon(a.status)} ${escapeMrkdwn(a.title)} — ${mentionUser(a.ownerId)}, due ${a.dueDate}${a.carriedOver ? ' _(carried over)_' : ''}`,
  );
  blocks.push(
    section(
      joinLinesWithin(
        [
          v.actions.length === 0
            ? '*Last month’s action items:* none were raised.'
            : `*Last month’s action items:* ${done} done, ${open} open, ${overdue} overdue`,
          ...actionLines,
        ],
        LIMITS.sectionText,
        'items',
      ),
    ),
  );
  blocks.push(divider());

  blocks.push(
    fields([
      `*All-in cost*\n${money(v.org.allInCost, c)}`,
      `*Labour*\n${money(v.org.labour, c)}`,
      `*Cloud*\n${money(v.org.cloud, c)}`,
      `*AI*\n${money(v.org.ai, c)}`,
      `*CI*\n${money(v.org.ci, c)}`,
      `*Hours*\n${Math.round(v.org.hours).toLocaleString('en-US')}`,
    ]),
  );

  if (v.showMargin) {
    const m = v.org.grossMarginPct;
    const sentence = driftSentence(v.org.drift);
    blocks.push(
      section(
        m === null
          ? '*Gross margin:* no revenue reported for this month.'
          : `*Gross margin ${pct(m)}*${sentence ? ` — ${sentence} (vs ${monthName(v.priorMonth)})` : ''}`,
      ),
    );
  } else {
    blocks.push(context(['Revenue and margin are shared with finance viewers only.']));
  }

  const flagged = STAGES.filter((s) => v.org.drift.flags.includes(s));
  blocks.push(
    section(
      [
        `*Stage mix* (share of hours${flagged.length > 0 ? `; ⚑ = moved ≥ threshold` : ''})`,
        ...stageMixLine(v.org.stageShare, v.org.drift, null),
      ].join('\n'),
    ),
  );

  const k = v.anomalyKpis;
  const hrs = (x: number | null) => (x === null ? '—' : `${round1(x).toFixed(1)} h`);
  blocks.push(
    section(
      `*Anomalies:* ${k.count} this month · median time to detect ${hrs(k.medianHoursToDetect)}, to acknowledge ${hrs(k.medianHoursToAcknowledge)}, to resolve ${hrs(k.medianHoursToResolve)}`,
    ),
  );
  blocks.push(
    section(
      `*Allocation coverage:* cost ${pct(v.coverage.costAllocatedPct)} · hours ${pct(v.coverage.hoursAllocatedPct)} · people ${pct(v.coverage.peopleMappedPct)}`,
    ),
  );
  blocks.push(
    context([
      `${v.productLines.length} product lines in the thread below · model v${escapeMrkdwn(v.modelVersion)} · config ${escapeMrkdwn(v.configHash)}`,
    ]),
  );

  const text = [
    `${title}.`,
    `Action items: ${done} done, ${open} open, ${overdue} overdue.`,
    `All-in cost ${money(v.org.allInCost, c)} (labour ${money(v.org.labour, c)}, cloud ${money(v.org.cloud, c)}, AI ${money(v.org.ai, c)}, CI ${money(v.org.ci, c)}).`,
    v.showMargin && v.org.grossMarginPct !== null ? `Gross margin ${pct(v.org.grossMarginPct)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

export interface ReplyIds {
  /** action_id of the "Add action item" button. */
  addActionItem: string;
}

/** One product line's reply in the review thread. */
export function renderProductLineReply(v: ReviewView, pl: ProductLineReport, ids: ReplyIds): RenderedMessage {
  const c = v.currency;
  const name = escapeMrkdwn(pl.name);
  const blocks = [section(`*${name}* · team ${escapeMrkdwn(pl.team)}`)];
  const labour = STAGES.reduce((a, s) => a + pl.laborCost[s], 0);
  const broken = pl.people >= MIN_PEOPLE_FOR_BREAKDOWN;
  const f = [
    `*All-in cost*\n${money(pl.allInCost, c)}`,
    `*Labour*\n${broken ? money(labour, c) : '— (fewer than 3 people)'}`,
    `*Cloud*\n${money(pl.cloudCost, c)}`,
    `*AI*\n${money(pl.aiCost, c)}`,
    `*CI*\n${money(pl.ciCost, c)}`,
  ];
  if (v.showMargin) {
    f.push(`*Revenue*\n${pl.revenue === null ? '—' : money(pl.revenue, c)}`);
    f.push(`*Gross margin*\n${pl.grossMarginPct === null ? '—' : pct(pl.grossMarginPct)}`);
    if (pl.unitCost !== null) f.push(`*Unit cost*\n${money(pl.unitCost, c)}`);
  }
  blocks.push(fields(f));
  if (v.showMargin) {
    const sentence = driftSentence(pl.drift);
    if (sentence) blocks.push(section(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`));
  }
  if (broken) {
    blocks.push(
      section(
        [
          '*Stage mix*',
          ...stageMixLine(pl.stageShare, pl.drift, pl.driftVsTrailing3),
          `Senior share of review hours: ${pct(pl.seniorReviewSharePct)}${pl.drift.seniorReviewSharePp !== null ? ` (${signed(pl.drift.seniorReviewSharePp)} pts)` : ''}`,
        ].join('\n'),
      ),
    );
  } else {
    blocks.push(
      context(['Stage mix is not shown: fewer than 3 people worked on this product line this month.']),
    );
  }
  blocks.push(
    actions([
      button('Add action item', ids.addActionItem, {
        value: JSON.stringify({ productLine: pl.id, month: v.month }),
      }),
    ]),
  );
  const text = `${pl.name}: all-in cost ${money(pl.allInCost, c)} for ${monthName(v.month)}${
    v.showMargin && pl.grossMarginPct !== null ? `, gross margin ${pct(pl.grossMarginPct)}` : ''
  }.`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

/** The team channel's slice: its product lines, with a link to the review thread. */
export function renderShowback(
  v: ReviewView,
  team: { id: string; name: string },
  productLines: ProductLineReport[],
  threadPermalink: string | null,
): RenderedMessage {
  const c = v.currency;
  const title = `Your slice of the ${monthName(v.month)} FinOps review`;
  const lines = productLines.map((pl) => {
    const top = STAGES.reduce((a, s) => (pl.stageShare[s] > pl.stageShare[a] ? s : a), 'authoring' as Stage);
    const mix =
      pl.people >= MIN_PEOPLE_FOR_BREAKDOWN ? ` · most hours in ${top} (${pct(pl.stageShare[top])})` : '';
    return `• *${escapeMrkdwn(pl.name)}*: all-in ${money(pl.allInCost, c)} (cloud ${money(pl.cloudCost, c)}, AI ${money(pl.aiCost, c)}, CI ${money(pl.ciCost, c)})${mix}`;
  });
  const blocks = [
    header(title),
    section(
      joinLinesWithin(
        lines.length > 0 ? lines : ['No product lines of this team had activity or cost.'],
        LIMITS.sectionText,
        'product lines',
      ),
    ),
    context([
      threadPermalink
        ? link(threadPermalink, 'Open the review thread')
        : 'The review thread is in the review channel.',
      `team ${escapeMrkdwn(team.name)}`,
    ]),
  ];
  const text = `${title}: ${productLines.map((p) => p.name).join(', ') || 'no product lines'}.`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}
