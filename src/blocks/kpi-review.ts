/**
 * The quarterly KPI review thread (issue 13 §4): the parent says where each capability stands
 * (crawl / walk / run) and the one suggested focus for next quarter; one reply per capability
 * shows its KPIs month by month. Pure: the quarter's KPI set in, `{ text, blocks }` out. Product
 * line and provider names are escaped; no per-person figure appears.
 */
import { formatMoney, round1 } from '../lib/money.ts';
import type {
  CapabilityStage,
  Kpi,
  KpiMonth,
  QuarterKpis,
  StageThresholds,
  SuggestedFocus,
} from '../model/kpi-review.ts';
import { escapeMrkdwn } from './escape.ts';
import { context, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';
import { monthName } from './review.ts';

export interface KpiReviewView extends QuarterKpis {
  /** Product line id → display name (config order). */
  productLineNames: Record<string, string>;
}

/** `Q4 2026`. */
export function quarterLabel(q: string): string {
  const [y, n] = q.split('-Q');
  return `Q${n} ${y}`;
}

/** The quarter after `q`, as a label. */
function nextQuarterLabel(q: string): string {
  const [y, n] = q.split('-Q').map(Number) as [number, number];
  return n === 4 ? `Q1 ${y + 1}` : `Q${n + 1} ${y}`;
}

const shortMonth = (m: string): string => monthName(m).slice(0, 3);

/** A KPI value with its unit: `92.5%`, `7.0 h`, `—` when not measured. */
export function kpiValue(
  v: number | null,
  unit: Kpi['unit'] | StageThresholds['unit'],
  currency = '',
): string {
  if (v === null) return '—';
  if (unit === '%') return `${round1(v).toFixed(1)}%`;
  if (unit === 'h') return `${round1(v).toFixed(1)} h`;
  return formatMoney(v, currency);
}

const bound = (t: StageThresholds, at: number): string =>
  `${t.better === 'higher' ? '≥' : '≤'} ${kpiValue(at, t.unit)}`;

/** "walk at ≥ 90.0%" / "run at ≤ 24.0 h" for a KPI at `stage`; null at run. */
function nextStageText(stage: CapabilityStage['stage'], t: StageThresholds): string | null {
  if (stage === 'crawl') return `walk at ${bound(t, t.walk)}`;
  if (stage === 'walk') return `run at ${bound(t, t.run)}`;
  return null;
}

function kpiById(v: QuarterKpis, id: string): Kpi | undefined {
  return v.kpis.find((k) => k.id === id);
}

function capabilityLine(v: QuarterKpis, c: CapabilityStage): string {
  if (c.stage === null) return `• *${c.name}*: not measured this quarter (no data for its KPIs)`;
  const parts = c.kpis.map((k) => {
    const kp = kpiById(v, k.id);
    const t = kp?.thresholds;
    const next = t ? nextStageText(k.stage, t) : null;
    const name = (kp?.name ?? k.id).replace(/^\w/, (ch) => ch.toLowerCase());
    return `${name} ${kpiValue(k.value, t?.unit ?? '%')}${next ? ` (${next})` : ''}`;
  });
  return `• *${c.name}*: *${c.stage}* — ${parts.join(', ')}`;
}

/** The focus sentence, plain text (also printed by `finops kpis`). */
export function focusSentence(v: QuarterKpis, f: SuggestedFocus | null): string {
  if (f === null) return 'No capability had data this quarter, so there is no focus to suggest.';
  const kp = kpiById(v, f.kpi);
  const t = kp?.thresholds;
  const name = (kp?.name ?? f.kpi).replace(/^\w/, (ch) => ch.toLowerCase());
  const next = t && f.nextStageAt !== null ? `; ${nextStageText(f.stage, t)}` : '';
  return `${f.name} (at ${f.stage}): ${name} is ${kpiValue(f.value, t?.unit ?? '%')}${next}.`;
}

export function renderKpiReviewParent(v: KpiReviewView): RenderedMessage {
  const title = `FinOps KPI review — ${quarterLabel(v.quarter)}`;
  const lines = v.capabilities.map((c) => capabilityLine(v, c));
  const blocks = [
    header(title),
    section(
      joinLinesWithin(
        [
          `*Where each capability stands* (${shortMonth(v.months[0] as string)}–${shortMonth(v.months.at(-1) as string)}, crawl / walk / run):`,
          ...lines,
        ],
        LIMITS.sectionText,
        'capabilities',
      ),
    ),
    section(`*Suggested focus for ${nextQuarterLabel(v.quarter)}:* ${focusSentence(v, v.focus)}`),
    context([
      'One reply per capability below, each KPI month by month. Stages: the thresholds in docs/methodology.md, judged on the quarter’s value.',
      `\`finops kpis --quarter ${v.quarter} --json\` prints every KPI’s definition and inputs.`,
    ]),
  ];
  const text = `${title}: ${v.focus ? `suggested focus ${v.focus.name}` : 'nothing measured'}.`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

/** "Oct 91.0% → Nov 92.0% → Dec — · quarter 91.5%". */
function trend(k: Kpi, currency: string): string {
  const months = k.months.map((m: KpiMonth) =>
    m.status === 'not-started'
      ? `${shortMonth(m.month)} (not begun)`
      : `${shortMonth(m.month)} ${kpiValue(m.value, k.unit, currency)}${m.status === 'in-progress' ? ' (so far)' : ''}`,
  );
  return `${months.join(' → ')} · quarter ${kpiValue(k.quarter.value, k.unit, currency)}`;
}

type Row = Record<string, unknown>;
const rowsOf = (m: KpiMonth, key: string): Row[] =>
  Array.isArray(m.inputs[key]) ? (m.inputs[key] as Row[]) : [];

/** Per product line unit cost, month by month (product lines with units at least once). */
function unitCostLines(v: KpiReviewView, k: Kpi): string[] {
  const ids = new Set<string>();
  for (const m of k.months)
    for (const r of rowsOf(m, 'byProductLine')) if (r['unitCost'] !== null) ids.add(String(r['productLine']));
  return [...ids].map((id) => {
    const cells = k.months.map((m) => {
      const r = rowsOf(m, 'byProductLine').find((x) => x['productLine'] === id);
      const u = r?.['unitCost'];
      return `${shortMonth(m.month)} ${typeof u === 'number' ? formatMoney(u, v.currency) : '—'}`;
    });
    return `• ${escapeMrkdwn(v.productLineNames[id] ?? id)}: unit cost ${cells.join(' → ')}`;
  });
}

/** Per provider coverage and utilisation, month by month. */
function providerLines(k: Kpi): string[] {
  const keys = new Map<string, { provider: string; currency: string }>();
  for (const m of k.months)
    for (const r of rowsOf(m, 'byProvider')) {
      const p = { provider: String(r['provider']), currency: String(r['currency']) };
      keys.set(JSON.stringify(p), p);
    }
  return [...keys.entries()].map(([key, p]) => {
    const cell = (field: string) =>
      k.months
        .map((m) => {
          const r = rowsOf(m, 'byProvider').find(
            (x) => JSON.stringify({ provider: x['provider'], currency: x['currency'] }) === key,
          );
          const val = r?.[field];
          return `${shortMonth(m.month)} ${kpiValue(typeof val === 'number' ? val : null, '%')}`;
        })
        .join(' → ');
    return `• ${escapeMrkdwn(p.provider)} (${escapeMrkdwn(p.currency)}): coverage ${cell('coveragePct')}; utilisation ${cell('utilisationPct')}`;
  });
}

/** One capability's reply: its stage, then each of its KPIs (and context KPIs) month by month. */
export function renderCapabilityReply(v: KpiReviewView, c: CapabilityStage): RenderedMessage {
  const extra: Record<string, string[]> = {
    anomalies: ['anomaly_hours_to_acknowledge'],
    'unit-economics': ['unit_cost'],
  };
  const ids = [...c.kpis.map((k) => k.id as string), ...(extra[c.id] ?? [])];
  const lines: string[] = [];
  for (const id of ids) {
    const k = kpiById(v, id);
    if (!k) continue;
    if (k.id === 'unit_cost') {
      const ul = unitCostLines(v, k);
      lines.push(...(ul.length > 0 ? ul : ['• No product line reported units this quarter.']));
      continue;
    }
    lines.push(`*${k.name}:* ${trend(k, v.currency)}`);
    if (k.id === 'commitment_coverage') lines.push(...providerLines(k));
    if (k.id === 'waste') {
      const money = k.months.map((m) => {
        const u = m.inputs['unusedCost'];
        return `${shortMonth(m.month)} ${typeof u === 'number' ? formatMoney(u, v.currency) : '—'}`;
      });
      lines.push(`• unused commitment cost: ${money.join(' → ')}`);
    }
  }
  const stage = c.stage === null ? 'not measured' : c.stage;
  const blocks = [
    section(
      joinLinesWithin(
        [`*${c.name}* — ${stage}`, ...lines],
        LIMITS.sectionText,
        c.id === 'unit-economics' ? 'product lines' : 'lines',
      ),
    ),
  ];
  return { text: truncateText(`${c.name}: ${stage}.`, LIMITS.recommendedText), blocks };
}
