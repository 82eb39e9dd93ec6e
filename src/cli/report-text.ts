import { STAGES, type Stage } from '../config/schema.ts';
import { round1, round2 } from '../lib/money.ts';
import type { SnapshotChange } from '../model/snapshot-diff.ts';
import {
  UNALLOCATED,
  type Drift,
  type ProductLineReport,
  type Snapshot,
  type StageRecord,
} from '../model/types.ts';

/**
 * `finops report` as text: a table per product line (stage mix with a bar per stage, costs,
 * margin, drift with its drivers) that reads well in a terminal and pastes into a document.
 * Pure: snapshot in, string out.
 */

const BAR_WIDTH = 20;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `pct` percent on BAR_WIDTH cells, in eighths of a cell. */
export function bar(pct: number): string {
  const eighths = Math.round((Math.max(0, Math.min(100, pct)) / 100) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

const money = (v: number) =>
  round2(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const hours = (v: number) => round2(v).toFixed(2);
const pct = (v: number) => `${round1(v).toFixed(1)}%`;
const pts = (v: number) => {
  const r = round1(v);
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r).toFixed(1)}`;
};
const sum = (r: StageRecord) => STAGES.reduce((a, s) => a + r[s], 0);

const DRIVER_LABEL: Record<string, string> = { cloud: 'cloud', ai: 'AI', ci: 'CI' };
const driverLabel = (k: string) => DRIVER_LABEL[k] ?? `${k} labour`;

function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${new Date(Date.UTC(y!, m! - 1, 1)).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })} ${y}`;
}

function describeDrift(d: Drift, label: string): string[] {
  const lines: string[] = [];
  if (d.grossMarginPp !== null) {
    const drivers = Object.entries(d.byDriverPp)
      .filter(([, v]) => round1(v) !== 0)
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${driverLabel(k)} ${pts(v)}`);
    lines.push(
      `margin ${pts(d.grossMarginPp)} pts ${label}${drivers.length > 0 ? `: ${drivers.join(', ')}` : ''}`,
    );
  }
  const mix = STAGES.filter((s) => d.stageSharePp[s] !== undefined && round1(d.stageSharePp[s]!) !== 0).map(
    (s) => `${s} ${pts(d.stageSharePp[s]!)}`,
  );
  if (mix.length > 0) lines.push(`stage mix ${label}: ${mix.join(', ')} pts`);
  if (d.seniorReviewSharePp !== null)
    lines.push(`senior share of review ${pts(d.seniorReviewSharePp)} pts ${label}`);
  return lines;
}

function productLineBlock(p: ProductLineReport, s: Snapshot, priorMonth: string): string[] {
  const out: string[] = [];
  out.push(`${p.name} (${p.id})${p.team ? ` · team ${p.team}` : ''}`);
  out.push(
    `  ${'stage'.padEnd(10)} ${'hours'.padStart(8)} ${'share'.padStart(7)} ${'Δ pts'.padStart(6)} ${'labour'.padStart(12)}`,
  );
  for (const st of STAGES) {
    const d = p.drift.stageSharePp[st];
    const flag = p.drift.flags.includes(st) ? ' ⚑' : '';
    out.push(
      `  ${st.padEnd(10)} ${hours(p.hours[st]).padStart(8)} ${pct(p.stageShare[st]).padStart(7)} ${(d === undefined ? '–' : pts(d)).padStart(6)} ${money(p.laborCost[st]).padStart(12)}  ${bar(p.stageShare[st])}${flag}`,
    );
  }
  out.push(
    `  ${'total'.padEnd(10)} ${hours(sum(p.hours)).padStart(8)} ${''.padStart(7)} ${''.padStart(6)} ${money(sum(p.laborCost)).padStart(12)}`,
  );
  out.push(
    `  cost    labour ${money(sum(p.laborCost))} · cloud ${money(p.cloudCost)} · AI ${money(p.aiCost)} · CI ${money(p.ciCost)} · all-in ${money(p.allInCost)} · COGS ${money(p.cogs)}`,
  );
  const margin =
    p.grossMarginPct === null
      ? 'no revenue this month: no gross margin'
      : `revenue ${money(p.revenue!)} · gross margin ${pct(p.grossMarginPct)}`;
  const unit = p.unitCost === null ? '' : ` · unit cost ${money(p.unitCost)} (${p.units} units)`;
  out.push(`  margin  ${margin}${unit}`);
  out.push(`  review  senior share of review hours ${pct(p.seniorReviewSharePct)}`);
  const drift = [
    ...describeDrift(p.drift, `vs ${priorMonth}`),
    // The trailing mean says something new only when it spans more than the prior month.
    ...(p.driftVsTrailing3 && p.driftVsTrailing3.months.join() !== priorMonth
      ? describeDrift(p.driftVsTrailing3, `vs the mean of ${p.driftVsTrailing3.months.join(', ')}`)
      : []),
  ];
  if (drift.length === 0) out.push(`  drift   nothing to compare with before ${s.month}`);
  drift.forEach((l, i) => {
    out.push(`  ${i === 0 ? 'drift ' : '      '}  ${l}`);
  });
  if (p.drift.flags.length > 0) {
    out.push(
      `  flags   ${p.drift.flags.map((f) => (f === 'grossMarginPct' ? 'gross margin' : `${f} share`)).join(', ')}`,
    );
  }
  return out;
}

export interface ReportTextOptions {
  productIds?: readonly string[];
  explain?: Stage;
  source: 'built' | 'stored';
}

export function renderReportText(s: Snapshot, opts: ReportTextOptions): string {
  const lines: string[] = [];
  const [y, m] = s.month.split('-').map(Number);
  const prior = `${m === 1 ? y! - 1 : y}-${String(m === 1 ? 12 : m! - 1).padStart(2, '0')}`;
  lines.push(`finops report — ${monthName(s.month)} (${s.month}), ${s.currency}`);
  const when = s.builtAt.toISOString().slice(0, 16).replace('T', ' ');
  lines.push(
    `snapshot ${s.status}${s.status === 'frozen' && s.frozenAt ? ` since ${s.frozenAt.toISOString().slice(0, 10)}` : ''} · ${opts.source === 'stored' ? 'read as stored' : 'built now'} (${when} UTC) · model ${s.modelVersion} · config ${s.configHash}`,
  );
  lines.push(
    `coverage: cost ${pct(s.coverage.costAllocatedPct)} allocated · hours ${pct(s.coverage.hoursAllocatedPct)} allocated · people ${pct(s.coverage.peopleMappedPct)} mapped (${s.people.mapped} of ${s.people.total})`,
  );
  const wanted = opts.productIds ? new Set(opts.productIds) : null;
  for (const p of s.productLines) {
    if (wanted && !wanted.has(p.id)) continue;
    lines.push('', ...productLineBlock(p, s, prior));
    if (opts.explain) lines.push('', ...renderExplain(s, p.id, opts.explain));
  }
  const u = s.unallocated;
  lines.push(
    '',
    `Unallocated  hours ${hours(sum(u.hours))} · labour ${money(sum(u.laborCost))} · cloud ${money(u.cloudCost)} · AI ${money(u.aiCost)} · CI ${money(u.ciCost)}`,
  );
  if (opts.explain && !wanted) lines.push('', ...renderExplain(s, UNALLOCATED, opts.explain));
  return `${lines.join('\n')}\n`;
}

/** Where one stage's hours of one product line came from: top PRs, incidents, repos, people count, rates. */
export function renderExplain(s: Snapshot, productLine: string, stage: Stage): string[] {
  const ex = s.explain[productLine]?.[stage];
  const title = `  explain ${productLine} · ${stage} (${s.month})`;
  if (!ex || ex.hours === 0) return [title, '    no hours in this stage this month'];
  const out = [title];
  out.push(
    `    ${hours(ex.hours)} h · labour ${money(ex.laborCost)} · ${ex.people} ${ex.people === 1 ? 'person' : 'people'}`,
  );
  const acts = Object.entries(ex.activities).map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`);
  if (acts.length > 0) out.push(`    activities: ${acts.join(', ')}`);
  if (ex.topPullRequests.length > 0) {
    out.push('    top pull requests:');
    for (const p of ex.topPullRequests)
      out.push(`      ${hours(p.hours).padStart(7)} h  ${p.repo}#${p.number} ${p.title}`);
  }
  if (ex.topIncidents.length > 0) {
    out.push('    top incidents:');
    for (const i of ex.topIncidents) {
      out.push(
        `      ${hours(i.hours).padStart(7)} h  ${i.number === null ? i.id : `#${i.number}`} ${i.title}`,
      );
    }
  }
  if (ex.topRepos.length > 0) {
    out.push('    top repos:');
    for (const r of ex.topRepos) out.push(`      ${hours(r.hours).padStart(7)} h  ${r.repo}`);
  }
  out.push('    rates applied:');
  for (const r of ex.rates) {
    out.push(
      `      ${r.level} at ${money(r.rate)}/h (card of ${r.effectiveFrom}) × ${hours(r.hours)} h = ${money(r.cost)} · ${r.people} ${r.people === 1 ? 'person' : 'people'}`,
    );
  }
  return out;
}

export function renderNoData(month: string): string {
  return (
    `No data for ${month}: nothing was ingested for that month (no GitHub activity, PagerDuty incidents, ` +
    'CI runs, cost rows or revenue). Run `finops ingest github|pagerduty|focus|revenue` first, or pick another month.\n'
  );
}

export function renderChanges(month: string, wasFrozen: boolean, changes: readonly SnapshotChange[]): string {
  const head = `Rebuilt ${month}${wasFrozen ? ' (frozen: it stays frozen with the new numbers)' : ''}: ${
    changes.length === 0 ? 'no reported number changed' : `${changes.length} reported number(s) changed`
  }; recorded in the audit log.`;
  const rows = changes.map((c) => `  ${c.path}: ${c.before ?? '—'} → ${c.after ?? '—'}`);
  return `${[head, ...rows].join('\n')}\n`;
}
