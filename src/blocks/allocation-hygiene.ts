/**
 * The weekly allocation hygiene post (issue 13.1) in `review.channel`: per billing currency the
 * share of last week's cloud + AI cost that no rule allocates against the target, its 8-week
 * trend as a sparkline with the weekly values, and the largest unallocated spend by provider ×
 * sub-account × service, each line with a "Create action item" button. Pure; provider, account
 * and service names are escaped; no per-person numbers (there are none in cost).
 */
import { formatMoney, round1 } from '../lib/money.ts';
import type { HygieneFigures, HygieneWeek, UnallocatedLine } from '../model/allocation-hygiene.ts';
import { escapeMrkdwn } from './escape.ts';
import { type Block, button, context, divider, header, type RenderedMessage, section } from './kit.ts';
import { LIMITS, moreText, truncateText } from './limits.ts';

export interface AllocationHygieneView extends HygieneFigures {
  /** The last day with ingested cost (a week read before its Sunday is ingested is partial). */
  lastCostDay: string | null;
  costMetric: string;
}

export interface AllocationHygieneIds {
  /** action_id of the "Create action item" button on each line. */
  toAction: string;
}

/** Currencies shown; a workspace billing in more is told how many were left out. */
export const HYGIENE_MAX_CURRENCIES = 8;

const SPARK = '▁▂▃▄▅▆▇█';
const pct = (v: number) => `${round1(v).toFixed(1)}%`;

/** One character per week, scaled from 0 to the largest share; `·` for a week without cost. */
export function sparkline(shares: ReadonlyArray<number | null>): string {
  const max = Math.max(0, ...shares.map((s) => s ?? 0));
  return shares
    .map((s) => {
      if (s === null) return '·';
      if (max <= 0) return SPARK[0];
      const i = Math.round((Math.max(0, s) / max) * (SPARK.length - 1));
      return SPARK[Math.min(SPARK.length - 1, i)];
    })
    .join('');
}

const share = (w: HygieneWeek) => (w.sharePct === null ? '—' : pct(w.sharePct));
const shortDay = (day: string) => day.slice(5);

function lineText(l: UnallocatedLine): string {
  const account = l.subAccount === null ? 'no sub-account' : `\`${escapeMrkdwn(l.subAccount)}\``;
  const part = l.shareOfUnallocatedPct === null ? '' : ` (${pct(l.shareOfUnallocatedPct)} of unallocated)`;
  return `*${formatMoney(l.cost, l.currency)}* · ${escapeMrkdwn(l.provider)} ${account} · ${escapeMrkdwn(l.service)}${part}`;
}

export function renderAllocationHygiene(
  v: AllocationHygieneView,
  ids: AllocationHygieneIds,
): RenderedMessage {
  const title = `Allocation hygiene — week of ${v.from}`;
  const target = pct(v.targetPct);
  if (v.currencies.length === 0) {
    const text = `${title}: no cloud or AI cost was ingested for the 8 weeks to ${v.to}, so there is nothing to allocate.`;
    return { text, blocks: [header(title), section(text)] };
  }
  const blocks: Block[] = [header(title)];
  const shown = v.currencies.slice(0, HYGIENE_MAX_CURRENCIES);
  for (const c of shown) {
    const w = c.week;
    const verdict =
      c.onTarget === null
        ? 'no positive cost this week'
        : c.onTarget
          ? ':white_check_mark: on target'
          : ':warning: above target';
    const trend = c.trend;
    const first = trend[0] as HygieneWeek;
    // From the first week that had cost: "— → 21.3%" would say nothing about the trend.
    const since = trend.find((t) => t.sharePct !== null) ?? w;
    const change = since === w ? share(w) : `${share(since)} → ${share(w)}`;
    blocks.push(
      section(
        [
          `*Unallocated: ${share(w)}* of ${formatMoney(w.total, c.currency)} cloud + AI cost (${escapeMrkdwn(c.currency)}) — ${formatMoney(w.unallocated, c.currency)} no rule allocates · target ≤ ${target} · ${verdict}`,
          `8-week trend: \`${sparkline(trend.map((t) => t.sharePct))}\` ${change}`,
        ].join('\n'),
      ),
    );
    blocks.push(
      context([
        `Weeks from ${first.from}: ${trend.map((t) => `${shortDay(t.from)} ${share(t)}`).join(' · ')}`,
      ]),
    );
  }
  if (v.currencies.length > shown.length)
    blocks.push(context([moreText(v.currencies.length - shown.length, 'currencies (see finops report)')]));

  blocks.push(divider());
  if (v.top.length === 0) {
    blocks.push(section('*Top unallocated spend:* none this week — every cost found its product line.'));
  } else {
    blocks.push(
      section(
        '*Top unallocated spend* by sub-account × service — tag these resources, or add a rule under `product_lines[].cost` or `shared_costs` in finops.yml:',
      ),
    );
    for (const l of v.top) {
      blocks.push(
        section(lineText(l), {
          accessory: button('Create action item', ids.toAction, {
            value: encodeUnallocatedLineRef({
              week: v.from,
              provider: l.provider,
              subAccount: l.subAccount,
              service: l.service,
              currency: l.currency,
              cost: l.cost,
            }),
          }),
        }),
      );
    }
    if (v.moreLines > 0) blocks.push(context([moreText(v.moreLines, 'lines of unallocated spend')]));
  }
  blocks.push(
    context([
      `${v.from} to ${v.to}, UTC cost days, ${escapeMrkdwn(v.costMetric)}, every charge category${
        v.lastCostDay !== null && v.lastCostDay < v.to ? ` · cost ingested through ${v.lastCostDay} only` : ''
      }`,
    ]),
  );

  const head = shown[0] as (typeof shown)[number];
  const text = `${title}: ${share(head.week)} of ${head.currency} cloud + AI cost unallocated (target ${target})${
    v.top.length > 0
      ? `; largest: ${escapeMrkdwn(v.top[0]?.service ?? '')} ${formatMoney(v.top[0]?.cost ?? 0, v.top[0]?.currency ?? head.currency)}`
      : ''
  }.`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}

// ── the button's value ───────────────────────────────────────────────────────

/** What a "Create action item" button on a line carries (its `value`): the line, named. */
export interface UnallocatedLineRef {
  /** Monday of the reported week. */
  week: string;
  provider: string;
  subAccount: string | null;
  service: string;
  currency: string;
  cost: number;
}

/** Kept short: a button value holds at most 2,000 characters. */
const REF_TEXT_MAX = 300;

export function encodeUnallocatedLineRef(r: UnallocatedLineRef): string {
  const cut = (s: string) => s.slice(0, REF_TEXT_MAX);
  return JSON.stringify({
    w: r.week,
    p: cut(r.provider),
    a: r.subAccount === null ? null : cut(r.subAccount),
    s: cut(r.service),
    c: r.currency,
    v: Math.round(r.cost * 100) / 100,
  });
}

/** The line a button names, or null when its value is not one (a forged or stale payload). */
export function decodeUnallocatedLineRef(value: string | undefined): UnallocatedLineRef | null {
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    if (typeof parsed !== 'object' || parsed === null) return null;
    o = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const week = str(o['w']);
  const provider = str(o['p']);
  const service = str(o['s']);
  const currency = str(o['c']);
  const cost = typeof o['v'] === 'number' && Number.isFinite(o['v']) ? o['v'] : null;
  if (!week || !/^\d{4}-\d{2}-\d{2}$/.test(week) || !provider || !service || !currency || cost === null)
    return null;
  return { week, provider, subAccount: str(o['a']), service, currency, cost };
}
