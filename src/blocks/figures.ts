/**
 * Answers of the read-only `/finops` commands: `margin`, `stages`, `kpis`, `sync`. Pure: a
 * view-model in, `{ text, blocks }` out. Revenue, gross margin and unit cost appear only when the
 * view says the reader is a finance viewer; no per-person numbers anywhere, and no stage or labour
 * breakdown of fewer than 3 people.
 */
import { STAGES } from '../config/schema.ts';
import { formatMoney, round1 } from '../lib/money.ts';
import type { CommitmentFigures } from '../model/commitments.ts';
import type { ProductLineReport } from '../model/types.ts';
import { COMMITMENTS_NOTE, commitmentsText } from './commitments.ts';
import { escapeMrkdwn } from './escape.ts';
import { context, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';
import {
  type AnomalyKpis,
  driftSentence,
  linesToSections,
  MIN_PEOPLE_FOR_BREAKDOWN,
  monthName,
  type OrgSummary,
  pct,
  signed,
  stageMixLine,
} from './review.ts';

export type FiguresScope =
  | { kind: 'product'; id: string; name: string }
  | { kind: 'team'; id: string; name: string }
  | { kind: 'organisation' };

export interface FiguresView {
  month: string;
  currency: string;
  scope: FiguresScope;
  hasData: boolean;
  /** The month has not ended yet: its numbers still move. */
  inProgress: boolean;
  /** Frozen: the numbers as the review posted them. */
  frozen: boolean;
  productLines: ProductLineReport[];
  /** The organisation's totals (organisation scope only). */
  org: OrgSummary | null;
  /** The reader may see revenue, gross margin and unit cost. */
  finance: boolean;
}

/** Product lines listed one section each up to this many; beyond, one line each. */
const DETAILED_MAX = 5;

const RESTRICTED = 'Revenue, gross margin and unit cost are shown to finance viewers only.';

function statusNote(v: FiguresView): string {
  if (v.inProgress)
    return `${monthName(v.month)} is still in progress: these figures change until it closes.`;
  return v.frozen
    ? 'As posted in the monthly review (frozen).'
    : 'Not yet reviewed: figures may still be restated.';
}

const money = (v: number, c: string) => formatMoney(v, c);

function costBreakdown(pl: ProductLineReport, c: string): string {
  const labour = STAGES.reduce((a, s) => a + pl.laborCost[s], 0);
  const parts = [`cloud ${money(pl.cloudCost, c)}`, `AI ${money(pl.aiCost, c)}`, `CI ${money(pl.ciCost, c)}`];
  if (pl.people >= MIN_PEOPLE_FOR_BREAKDOWN) parts.unshift(`labour ${money(labour, c)}`);
  return `all-in ${money(pl.allInCost, c)} (${parts.join(', ')}${pl.people >= MIN_PEOPLE_FOR_BREAKDOWN ? '' : '; labour not broken out: fewer than 3 people'})`;
}

function financeParts(pl: ProductLineReport, c: string): string {
  const parts = [
    `revenue ${pl.revenue === null ? '—' : money(pl.revenue, c)}`,
    `gross margin ${pl.grossMarginPct === null ? '—' : pct(pl.grossMarginPct)}`,
  ];
  if (pl.unitCost !== null) parts.push(`unit cost ${money(pl.unitCost, c)}`);
  return parts.join(' · ');
}

function noData(v: FiguresView, title: string): RenderedMessage {
  const text = `${title}: no cost or engineering activity was ingested for ${v.month}.`;
  return { text, blocks: [header(title), section(escapeMrkdwn(text))] };
}

/** `/finops margin`: costs for everyone; revenue, margin, drift by driver and unit cost for finance viewers. */
export function renderMarginAnswer(v: FiguresView): RenderedMessage {
  const c = v.currency;
  const title = truncateText(
    `Margin — ${v.scope.kind === 'organisation' ? '' : `${plainScope(v.scope)}, `}${monthName(v.month)}`,
    LIMITS.headerText,
  );
  if (!v.hasData) return noData(v, title);
  const blocks = [header(title)];
  if (v.org) {
    const o = v.org;
    let line = `*Organisation:* all-in ${money(o.allInCost, c)} (labour ${money(o.labour, c)}, cloud ${money(o.cloud, c)}, AI ${money(o.ai, c)}, CI ${money(o.ci, c)})`;
    if (v.finance) {
      const s = driftSentence(o.drift);
      line +=
        o.grossMarginPct === null
          ? ' · no revenue reported'
          : ` · revenue ${money(o.revenue ?? 0, c)} · gross margin ${pct(o.grossMarginPct)}${s ? ` — ${s}` : ''}`;
    }
    blocks.push(section(line));
  }
  const detailed = v.productLines.length <= DETAILED_MAX;
  const lines = v.productLines.map((pl) => {
    const name = `*${escapeMrkdwn(pl.name)}*`;
    let line = `• ${name}: ${costBreakdown(pl, c)}`;
    if (v.finance) {
      line += ` · ${financeParts(pl, c)}`;
      const s = driftSentence(pl.drift, detailed ? 9 : 3);
      if (s) line += ` — ${s}`;
    }
    return line;
  });
  blocks.push(...linesToSections(lines, LIMITS.messageBlocks - blocks.length - 2, 'product lines'));
  blocks.push(
    context([
      v.finance
        ? 'Drivers: each cost as a share of revenue, change in points vs last month (+ pushed margin down).'
        : RESTRICTED,
    ]),
  );
  blocks.push(context([statusNote(v)]));
  const text = `${title}: ${v.productLines.length} product line(s)${v.finance ? '' : `. ${RESTRICTED}`}`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

/** `/finops stages`: the stage mix with its drift vs last month and the trailing 3-month mean. */
export function renderStagesAnswer(v: FiguresView): RenderedMessage {
  const title = truncateText(
    `Stage mix — ${v.scope.kind === 'organisation' ? '' : `${plainScope(v.scope)}, `}${monthName(v.month)}`,
    LIMITS.headerText,
  );
  if (!v.hasData) return noData(v, title);
  const blocks = [header(title)];
  const hours = (h: number) => `${round1(h).toLocaleString('en-US', { minimumFractionDigits: 1 })} h`;
  if (v.org) {
    blocks.push(
      section(
        v.org.people === undefined || v.org.people >= MIN_PEOPLE_FOR_BREAKDOWN
          ? [
              `*Organisation* (${hours(v.org.hours)})`,
              ...stageMixLine(v.org.stageShare, v.org.drift, null),
            ].join('\n')
          : '*Organisation:* not shown (fewer than 3 people had hours).',
      ),
    );
  }
  const total = (pl: ProductLineReport) => STAGES.reduce((a, s) => a + pl.hours[s], 0);
  if (v.productLines.length <= DETAILED_MAX) {
    for (const pl of v.productLines) {
      const name = `*${escapeMrkdwn(pl.name)}*`;
      if (pl.people < MIN_PEOPLE_FOR_BREAKDOWN) {
        blocks.push(section(`${name}: stage mix not shown (fewer than 3 people had hours).`));
        continue;
      }
      blocks.push(
        section(
          [
            `${name} (${hours(total(pl))})`,
            ...stageMixLine(pl.stageShare, pl.drift, pl.driftVsTrailing3),
            `Senior share of review hours: ${pct(pl.seniorReviewSharePct)}${pl.drift.seniorReviewSharePp !== null ? ` (${signed(pl.drift.seniorReviewSharePp)} pts)` : ''}`,
          ].join('\n'),
        ),
      );
    }
  } else {
    const lines = v.productLines.map((pl) => {
      const name = `*${escapeMrkdwn(pl.name)}*`;
      if (pl.people < MIN_PEOPLE_FOR_BREAKDOWN) return `• ${name}: not shown (fewer than 3 people)`;
      const mix = STAGES.map(
        (s) => `${s} ${pct(pl.stageShare[s])}${pl.drift.flags.includes(s) ? ' ⚑' : ''}`,
      ).join(', ');
      return `• ${name} (${hours(total(pl))}): ${mix}`;
    });
    blocks.push(...linesToSections(lines, LIMITS.messageBlocks - blocks.length - 2, 'product lines'));
  }
  blocks.push(
    context([
      'Share of engineering hours by stage; drift in points. ⚑ = moved at least the configured threshold.',
    ]),
  );
  blocks.push(context([statusNote(v)]));
  return {
    text: truncateText(`${title}: ${v.productLines.length} product line(s).`, LIMITS.recommendedText),
    blocks,
  };
}

export interface KpisView {
  month: string;
  hasData: boolean;
  coverage: { costAllocatedPct: number; hoursAllocatedPct: number; peopleMappedPct: number };
  anomalies: AnomalyKpis;
  /** The action log: items raised in the month (completion, days to close), overdue as of today. */
  actions: ActionKpiLine & { teams: Array<ActionKpiLine & { name: string }> };
  /** Commitment coverage and utilisation per provider (issue 13 §2). */
  commitments?: CommitmentFigures[];
}

export interface ActionKpiLine {
  items: number;
  done: number;
  completionRatePct: number | null;
  medianDaysToClose: number | null;
  overdue: number;
}

/** `/finops kpis`: allocation coverage, anomaly timings and the action log of the last closed month. */
export function renderKpisAnswer(v: KpisView): RenderedMessage {
  const title = `FinOps KPIs — ${monthName(v.month)}`;
  const hrs = (x: number | null) => (x === null ? '—' : `${round1(x).toFixed(1)} h`);
  const k = v.anomalies;
  const a = v.actions;
  const actionLine = (x: ActionKpiLine) =>
    `${x.done} done of ${x.items} raised (completion ${x.completionRatePct === null ? '—' : pct(x.completionRatePct)}) · median ${x.medianDaysToClose === null ? '—' : `${x.medianDaysToClose.toFixed(1)} days`} to close · ${x.overdue} overdue now`;
  const coverage = v.hasData
    ? `*Allocation coverage:* cost ${pct(v.coverage.costAllocatedPct)} · hours ${pct(v.coverage.hoursAllocatedPct)} · people ${pct(v.coverage.peopleMappedPct)}`
    : `*Allocation coverage:* nothing was ingested for ${v.month}.`;
  const blocks = [
    header(title),
    section(coverage),
    section(
      `*Anomalies:* ${k.count} began this month · median time to detect ${hrs(k.medianHoursToDetect)}, to acknowledge ${hrs(k.medianHoursToAcknowledge)}, to resolve ${hrs(k.medianHoursToResolve)}`,
    ),
    section(
      joinLinesWithin(
        [
          `*Action items raised in ${monthName(v.month)}:* ${actionLine(a)}`,
          ...(a.teams.length > 1 ? a.teams.map((t) => `• ${escapeMrkdwn(t.name)}: ${actionLine(t)}`) : []),
        ],
        LIMITS.sectionText,
        'teams',
      ),
    ),
    ...(v.commitments ? [section(commitmentsText('Commitments', v.commitments))] : []),
    context([
      'Detect: end of the charge day to the alert. Acknowledge and resolve: from the alert.',
      ...(v.commitments && v.commitments.length > 0 ? [COMMITMENTS_NOTE] : []),
    ]),
  ];
  const text = `${title}: ${k.count} anomalies, ${a.done} of ${a.items} action items done.`;
  return { text, blocks };
}

export interface SyncReport {
  source: string;
  status: 'done' | 'skipped' | 'failed';
  lines: string[];
  ms: number;
}

export function renderSyncStarted(sources: readonly string[]): RenderedMessage {
  const text = `Syncing ${sources.join(', ')}… I will post here when it finishes.`;
  return { text, blocks: [section(`:hourglass_flowing_sand: ${escapeMrkdwn(text)}`)] };
}

export function renderSyncFinished(reports: readonly SyncReport[]): RenderedMessage {
  const icon = { done: ':white_check_mark:', skipped: ':heavy_minus_sign:', failed: ':x:' } as const;
  const blocks = reports.map((r) =>
    section(
      joinLinesWithin(
        [
          `${icon[r.status]} *${escapeMrkdwn(r.source)}* ${r.status} in ${(r.ms / 1000).toFixed(1)} s`,
          ...r.lines.map((l) => escapeMrkdwn(l)),
        ],
        LIMITS.sectionText,
        'lines',
      ),
    ),
  );
  const failed = reports.filter((r) => r.status === 'failed').map((r) => r.source);
  const text = failed.length > 0 ? `Sync finished; failed: ${failed.join(', ')}.` : 'Sync finished.';
  return { text, blocks: blocks.slice(0, LIMITS.messageBlocks) };
}

function plainScope(s: FiguresScope): string {
  if (s.kind === 'product') return s.name;
  if (s.kind === 'team') return `team ${s.name}`;
  return 'organisation';
}
