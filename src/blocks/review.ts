/**
 * The monthly review thread (SPEC §10, issue 7): the parent message, one reply per product
 * line, and the showback message to each team. Pure: view-model in, `{ text, blocks }` out.
 * Outside text (product names, action titles) is escaped; every payload stays within Block Kit
 * limits whatever the number of product lines or items.
 */
import { STAGES, type Stage } from '../config/schema.ts';
import { formatMoney, round1 } from '../lib/money.ts';
import type { CommitmentFigures } from '../model/commitments.ts';
import type { Coverage, Drift, ProductLineReport, StageRecord } from '../model/types.ts';
import { commitmentsText } from './commitments.ts';
import { escapeMrkdwn, link, mentionUser } from './escape.ts';
import { actions, button, context, divider, fields, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, moreText, truncateText } from './limits.ts';

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
  /** Distinct people with hours; below MIN_PEOPLE_FOR_BREAKDOWN the stage mix is not shown. */
  people?: number;
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
  /** The mid-month forecast of this month against its actual (issue 13 §3); absent: none was stored. */
  forecastAccuracy?: ReviewForecastAccuracy;
  /** Commitment coverage and utilisation per provider (issue 13 §2); absent: not shown. */
  commitments?: CommitmentFigures[];
  modelVersion: string;
  configHash: string;
}

/** A forecast against the month's actual cloud + AI cost. */
export interface ForecastVariance {
  forecast: number;
  actual: number;
  /** actual − forecast. */
  variance: number;
  variancePct: number | null;
}

export interface ReviewForecastAccuracy {
  /** Day the forecast was made. */
  madeOn: string;
  org: ForecastVariance | null;
  productLines: Array<ForecastVariance & { id: string }>;
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

export const pct = (v: number): string => `${round1(v).toFixed(1)}%`;

/** `+$1,200 (+24.0%)` / `−$300 (−5.0%)`, with a real minus sign; the percent only when there is one. */
export function changeText(change: number, changePct: number | null, currency: string): string {
  const money = `${change > 0 ? '+' : ''}${formatMoney(change, currency)}`;
  return changePct === null ? money : `${money} (${signed(changePct)}%)`;
}

/** "forecast $X (made 2026-11-15) · actual $Y · variance +$Z (+4.0%)". */
export function forecastVarianceText(f: ForecastVariance, madeOn: string, currency: string): string {
  return `forecast ${formatMoney(f.forecast, currency)} (made ${madeOn}) · actual ${formatMoney(f.actual, currency)} · variance ${changeText(f.variance, f.variancePct, currency)}`;
}

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

export function stageMixLine(share: StageRecord, drift: Drift, trailing: Drift | null): string[] {
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
  if (v.org.people === undefined || v.org.people >= MIN_PEOPLE_FOR_BREAKDOWN) {
    blocks.push(
      section(
        [
          `*Stage mix* (share of hours${flagged.length > 0 ? `; ⚑ = moved ≥ threshold` : ''})`,
          ...stageMixLine(v.org.stageShare, v.org.drift, null),
        ].join('\n'),
      ),
    );
  } else {
    blocks.push(context(['Stage mix is not shown: fewer than 3 people had engineering hours this month.']));
  }

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
  if (v.commitments && v.commitments.length > 0)
    blocks.push(section(commitmentsText('Commitments', v.commitments)));
  const fa = v.forecastAccuracy;
  if (fa?.org)
    blocks.push(section(`*Forecast accuracy (cloud + AI):* ${forecastVarianceText(fa.org, fa.madeOn, c)}`));
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
  // A cost like the others (not revenue or margin), so everyone sees it; an inference costs cents
  // or less, so below one currency unit it keeps four decimals.
  const ai = pl.aiUnitCost;
  if (ai !== null) f.push(`*AI cost per unit*\n${formatMoney(ai, c, Math.abs(ai) < 1 ? 4 : undefined)}`);
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
  const fa = v.forecastAccuracy?.productLines.find((f) => f.id === pl.id);
  if (fa && v.forecastAccuracy)
    blocks.push(
      section(`*Forecast accuracy (cloud + AI):* ${forecastVarianceText(fa, v.forecastAccuracy.madeOn, c)}`),
    );
  blocks.push(
    actions([
      button('Add action item', ids.addActionItem, {
        value: JSON.stringify({ productLine: pl.id, month: v.month }),
      }),
    ]),
  );
  const text = `${escapeMrkdwn(pl.name)}: all-in cost ${money(pl.allInCost, c)} for ${monthName(v.month)}${
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
  const text = `${title}: ${productLines.map((p) => escapeMrkdwn(p.name)).join(', ') || 'no product lines'}.`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

// ── finance follow-up, problems, charts' text ───────────────────────────────────────────────

/** Packs lines into as few sections as fit, at most `maxBlocks`; what does not fit becomes "…and N more". */
export function linesToSections(lines: readonly string[], maxBlocks: number, noun: string) {
  const out = [];
  let i = 0;
  while (i < lines.length && out.length < maxBlocks) {
    const last = out.length === maxBlocks - 1;
    const chunk: string[] = [];
    let used = 0;
    while (i < lines.length) {
      const line = truncateText(lines[i] as string, LIMITS.sectionText);
      if (used + line.length + (chunk.length > 0 ? 1 : 0) > LIMITS.sectionText && chunk.length > 0) break;
      chunk.push(line);
      used += line.length + (chunk.length > 1 ? 1 : 0);
      i++;
    }
    if (last && i < lines.length) {
      // The last block available: let joinLinesWithin make room for the "…and N more" line.
      out.push(section(joinLinesWithin([...chunk, ...lines.slice(i)], LIMITS.sectionText, noun)));
      i = lines.length;
      break;
    }
    out.push(section(chunk.join('\n')));
  }
  return out;
}

/**
 * The margin figures of the review, sent ephemerally in the thread to each finance viewer when
 * `review.show_margin_in_channel` is false: the organisation's gross margin and drift, then each
 * product line's revenue, gross margin, drift by driver and unit cost.
 */
export function renderMarginFollowUp(v: ReviewView): RenderedMessage {
  const c = v.currency;
  const title = `Margin for finance viewers — ${monthName(v.month)}`;
  const m = v.org.grossMarginPct;
  const sentence = driftSentence(v.org.drift);
  const orgLine =
    m === null
      ? '*Organisation:* no revenue reported for this month.'
      : `*Organisation: gross margin ${pct(m)}*${v.org.revenue !== null ? ` on revenue ${money(v.org.revenue, c)}` : ''}${sentence ? ` — ${sentence} (vs ${monthName(v.priorMonth)})` : ''}`;
  const lines = v.productLines.map((pl) => {
    const parts = [
      `revenue ${pl.revenue === null ? '—' : money(pl.revenue, c)}`,
      `gross margin ${pl.grossMarginPct === null ? '—' : pct(pl.grossMarginPct)}`,
    ];
    if (pl.unitCost !== null) parts.push(`unit cost ${money(pl.unitCost, c)}`);
    const s = driftSentence(pl.drift);
    return `• *${escapeMrkdwn(pl.name)}*: ${parts.join(' · ')}${s ? ` — ${s}` : ''}`;
  });
  const blocks = [
    section(`*${title}* (only you can see this)`),
    section(orgLine),
    ...linesToSections(lines, LIMITS.messageBlocks - 3, 'product lines'),
    context(['Drivers: each cost as a share of revenue, change in points (+ pushed margin down).']),
  ];
  const text = `${title}: ${m === null ? 'no revenue reported' : `organisation gross margin ${pct(m)}`}.`;
  return { text, blocks };
}

export interface ReviewProblem {
  /** What could not be posted: "the showback for team payments". */
  what: string;
  /** The channel as configured (`#team-payments`) or its id. */
  channel: string;
  /** Slack's error code, or a short reason. */
  error: string;
}

const PROBLEM_HINTS: Record<string, string> = {
  channel_not_found:
    'the channel does not exist (or is private and the bot was never invited): fix the config or create it',
  not_in_channel: 'the bot is not a member: invite it with /invite @finops',
  is_archived: 'the channel is archived: unarchive it or point the config at another channel',
  ratelimited: 'Slack kept rate limiting: the next run of the job sends it',
  uncertain:
    'an earlier run was interrupted while sending it, so it may already be in Slack: check, and ask an admin to re-send it if it is missing',
};

/** Posted in the review channel when parts of the review could not be delivered. */
export function renderReviewProblems(month: string, problems: readonly ReviewProblem[]): RenderedMessage {
  const title = `Some of the ${monthName(month)} review could not be posted`;
  const lines = problems.map(
    (p) =>
      `• ${escapeMrkdwn(p.what)} in ${escapeMrkdwn(p.channel)}: \`${escapeMrkdwn(p.error)}\` — ${PROBLEM_HINTS[p.error] ?? 'see the job run record (finops jobs list)'}`,
  );
  const blocks = [
    section(`:warning: *${escapeMrkdwn(title)}*`),
    ...linesToSections(lines, LIMITS.messageBlocks - 2, 'problems'),
    context([
      'Fix these, then re-run the job: only what is missing is posted (finops jobs run monthly-review).',
    ]),
  ];
  return { text: truncateText(`${title}: ${problems.length} problem(s).`, LIMITS.recommendedText), blocks };
}

/** One month of the stage-mix chart: each group's share of hours by stage. */
export interface StageMixMonth {
  month: string;
  /** Per product line (config order), then the organisation (`id` null). */
  groups: Array<{ id: string | null; name: string; stageShare: StageRecord; hours: number; people: number }>;
}

/** Alt text limit of files.getUploadURLExternal. */
export const FILE_ALT_TEXT_MAX = 1000;

const shortMonth = (m: string) => monthName(m).replace(/^(\w{3})\w*/, '$1');

/**
 * The stage-mix chart's facts as text: the reviewed month's mix of the organisation, then of each
 * charted product line while they fit, then how many are left to their replies.
 */
export function stageMixAltText(history: readonly StageMixMonth[], hiddenGroups: number): string {
  const first = history[0];
  const last = history.at(-1);
  if (!first || !last) return 'Stage mix chart: no engineering hours in these months.';
  const mix = (g: StageMixMonth['groups'][number]) =>
    `${g.name}: ${STAGES.map((s) => `${s} ${round1(g.stageShare[s]).toFixed(1)}%`).join(', ')}`;
  const ordered = [...last.groups.filter((g) => g.id === null), ...last.groups.filter((g) => g.id !== null)];
  const head = `Stacked bars of the share of engineering hours by stage, ${shortMonth(first.month)} to ${shortMonth(last.month)}. ${monthName(last.month)}: `;
  const parts: string[] = [];
  let used = head.length;
  for (const [i, g] of ordered.entries()) {
    const left = ordered.length - i - 1 + hiddenGroups;
    const tail = left > 0 ? `; ${moreText(left, 'product lines')} (in their replies).` : '.';
    const part = truncateText(mix(g), 300);
    if (used + part.length + 2 + tail.length > FILE_ALT_TEXT_MAX && parts.length > 0) {
      return `${head}${parts.join('; ')}; ${moreText(ordered.length - i + hiddenGroups, 'product lines')} (in their replies).`;
    }
    parts.push(part);
    used += part.length + 2;
  }
  const more = hiddenGroups > 0 ? `; ${moreText(hiddenGroups, 'product lines')} (in their replies)` : '';
  return `${head}${parts.join('; ')}${more}.`;
}

/** The waterfall's facts as text. */
export function waterfallAltText(
  month: string,
  priorMonth: string,
  priorPct: number,
  currentPct: number,
  drift: Drift,
): string {
  const s = driftSentence(drift, 9);
  return truncateText(
    `Margin waterfall: organisation gross margin ${pct(priorPct)} in ${monthName(priorMonth)}, ${pct(currentPct)} in ${monthName(month)}${s ? `; ${s} (each cost as a share of revenue, + pushed margin down)` : ''}.`,
    FILE_ALT_TEXT_MAX,
  );
}

/** Waterfall bars: each driver's contribution to margin (positive raises it), in driver order. */
export function waterfallSteps(drift: Drift): Array<{ label: string; valuePp: number }> {
  return Object.entries(drift.byDriverPp)
    .filter(([, v]) => Number(v.toFixed(1)) !== 0)
    .map(([k, v]) => ({ label: DRIVER_LABEL[k] ?? k, valuePp: v }));
}
