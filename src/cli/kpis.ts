import { focusSentence, kpiValue } from '../blocks/kpi-review.ts';
import { round } from '../lib/money.ts';
import type { Kpi, QuarterKpis } from '../model/kpi-review.ts';
import { quarterKpis, resolveQuarter } from '../services/kpis.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops kpis [--quarter YYYY-Qn] [--json]';

/**
 * Numbers as finance reads them: money and hours to 2 decimals, percentages (`…Pct` and the
 * values of `%` KPIs) to 1, counts as they are. Deep, so inputs keep their shape.
 */
function rounded(x: unknown, decimals = 2): unknown {
  if (typeof x === 'number') return Number.isInteger(x) ? x : round(x, decimals);
  if (Array.isArray(x)) return x.map((v) => rounded(v, decimals));
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x).map(([k, v]) => [k, rounded(v, k.endsWith('Pct') ? 1 : decimals)]),
    );
  return x;
}

export function kpisJson(r: QuarterKpis): unknown {
  const valueDecimals = (k: Kpi) => (k.unit === '%' ? 1 : 2);
  return rounded({
    ...r,
    kpis: r.kpis.map((k) => ({
      ...k,
      months: k.months.map((m) => ({ ...m, value: rounded(m.value, valueDecimals(k)) })),
      quarter: { ...k.quarter, value: rounded(k.quarter.value, valueDecimals(k)) },
    })),
    capabilities: r.capabilities.map((c) => ({
      ...c,
      kpis: c.kpis.map((k) => ({
        ...k,
        value: rounded(k.value, r.kpis.find((x) => x.id === k.id)?.unit === '%' ? 1 : 2),
      })),
    })),
  });
}

/** `allocatedCost 925.00 · totalCost 1000.00`; lists of rows on their own lines. */
function inputsText(inputs: Record<string, unknown>, indent: string): string[] {
  const flat: string[] = [];
  const nested: string[] = [];
  const fmt = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : round(v, 2).toFixed(2)) : String(v);
  for (const [k, v] of Object.entries(inputs)) {
    if (Array.isArray(v)) {
      for (const row of v as Array<Record<string, unknown>>)
        nested.push(
          `${indent}  ${Object.entries(row)
            .map(([rk, rv]) => `${rk} ${rv === null ? '—' : fmt(rv)}`)
            .join(' · ')}`,
        );
    } else flat.push(`${k} ${v === null ? '—' : fmt(v)}`);
  }
  return [...(flat.length > 0 ? [`${indent}${flat.join(' · ')}`] : []), ...nested];
}

function kpiText(k: Kpi, currency: string): string {
  const t = k.thresholds;
  const stage = t
    ? `  [${k.stage ?? 'not measured'}: walk ${t.better === 'higher' ? '≥' : '≤'} ${t.walk}${t.unit === '%' ? '%' : ' h'}, run ${t.better === 'higher' ? '≥' : '≤'} ${t.run}${t.unit === '%' ? '%' : ' h'}]`
    : '';
  const lines = [`${k.name} (${k.id})${stage}`, `  ${k.definition}`];
  for (const m of k.months) {
    const head = `  ${m.month}  ${m.status === 'not-started' ? 'not begun' : kpiValue(m.value, k.unit, currency)}${m.status === 'in-progress' ? ' (so far)' : ''}`;
    lines.push(head, ...inputsText(m.inputs, '      '));
  }
  lines.push(
    `  quarter  ${kpiValue(k.quarter.value, k.unit, currency)}`,
    ...inputsText(k.quarter.inputs, '      '),
  );
  return lines.join('\n');
}

export function kpisText(r: QuarterKpis): string {
  const width = Math.max(...r.capabilities.map((c) => c.name.length));
  return [
    `finops kpis — ${r.quarter} (${r.months.join(', ')}), ${r.currency}, cost metric ${r.costMetric}, as of ${r.asOf}`,
    '',
    ...r.kpis.map((k) => `${kpiText(k, r.currency)}\n`),
    'Capabilities (stage on the quarter’s value; docs/methodology.md lists the thresholds):',
    ...r.capabilities.map((c) => `  ${c.name.padEnd(width)}  ${c.stage ?? 'not measured'}`),
    '',
    `Suggested focus: ${focusSentence(r, r.focus).replace(/\*/g, '')}`,
    '',
  ].join('\n');
}

/**
 * `finops kpis`: the KPI set of a quarter (default: the current one, in config.timezone) with each
 * KPI's definition and inputs; `--json` for finance to reconcile. Reads only (it may store open
 * snapshots, as `finops report` does).
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const values = parseCommandArgs(argv, { quarter: { type: 'string' }, json: { type: 'boolean' } }, USAGE)
    .values as { quarter?: string; json?: boolean };
  // A bad --quarter is refused before anything is opened.
  const config = ctx.config().config;
  const quarter = resolveQuarter({ config, now: ctx.now }, values.quarter);
  const deps = await ctx.services();
  const r = await quarterKpis(deps, quarter);
  ctx.io.stdout(values.json ? `${JSON.stringify(kpisJson(r), null, 2)}\n` : kpisText(r));
  return 0;
}
