import { InputError } from '../lib/errors.ts';
import { round1, round2 } from '../lib/money.ts';
import { isDay } from '../lib/dates.ts';
import { type PlannedAnomaly, planCostAnomalies } from '../services/detect-anomalies.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops anomalies [--since YYYY-MM-DD] [--json]';

/** One anomaly exactly as SPEC §7 prints it: money to 2 decimals, percent to 1. */
export interface AnomalyJson {
  productLine: string | null;
  service: string;
  firstDay: string;
  lastDay: string;
  actual: number;
  expected: number;
  impact: number;
  impactPct: number | null;
  rootCause: Array<{ subAccount: string | null; region: string | null; increase: number }>;
  status: string;
}

export function anomalyJson(p: PlannedAnomaly): AnomalyJson {
  const d = p.detection;
  return {
    productLine: d.productLine,
    service: d.service,
    firstDay: d.firstDay,
    lastDay: d.lastDay,
    actual: round2(d.actual),
    expected: round2(d.expected),
    impact: round2(d.impact),
    impactPct: d.impactPct === null ? null : round1(d.impactPct),
    rootCause: d.rootCause.map((r) => ({
      subAccount: r.subAccount,
      region: r.region,
      increase: round2(r.increase),
    })),
    status: p.status,
  };
}

/**
 * `finops anomalies`: runs detection on what is ingested and prints the anomalies. A dry run for
 * tuning thresholds: it never posts and never writes; statuses come from the anomaly table.
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const values = parseCommandArgs(argv, { since: { type: 'string' }, json: { type: 'boolean' } }, USAGE)
    .values as { since?: string; json?: boolean };
  const since = values.since;
  if (since !== undefined && !isDay(since)) {
    throw new InputError(
      'bad_date',
      `--since: expected a date YYYY-MM-DD, got ${JSON.stringify(since)} (usage: ${USAGE})`,
    );
  }
  const deps = await ctx.services();
  const plan = await planCostAnomalies(deps);
  const shown = plan.planned.filter((p) => since === undefined || p.detection.lastDay >= since);
  if (values.json) {
    ctx.io.stdout(`${JSON.stringify({ anomalies: shown.map(anomalyJson) }, null, 2)}\n`);
    return 0;
  }
  const metric = deps.config.model.cost_metric;
  if (plan.range === null) {
    ctx.io.stdout('no cost ingested yet: run `finops ingest focus FILES…` first\n');
    return 0;
  }
  const { min_impact, min_increase_pct, mad_k } = deps.config.anomalies;
  const scope = `${metric}, ${plan.range.firstDay}..${plan.range.lastDay}${since ? `, since ${since}` : ''}`;
  const rules = `min_impact ${min_impact}, min_increase_pct ${min_increase_pct}, mad_k ${mad_k}`;
  ctx.io.stdout(
    `${shown.length} cost ${shown.length === 1 ? 'anomaly' : 'anomalies'} (${scope}; ${rules})\n`,
  );
  for (const p of shown) ctx.io.stdout(`${anomalyLine(p)}\n`);
  return 0;
}

function anomalyLine(p: PlannedAnomaly): string {
  const d = p.detection;
  const days = d.firstDay === d.lastDay ? d.firstDay : `${d.firstDay}..${d.lastDay}`;
  const pct = d.impactPct === null ? 'new spend' : `+${round1(d.impactPct).toFixed(1)}%`;
  const money = (v: number) => round2(v).toFixed(2);
  const head =
    `${days}  ${d.productLine ?? '(unallocated)'} / ${d.service}  ${money(d.actual)} ${d.currency}` +
    ` vs ${money(d.expected)} expected: +${money(d.impact)} (${pct})  ${p.status}`;
  const causes = d.rootCause.map(
    (r) => `${r.subAccount ?? '(no sub-account)'} / ${r.region ?? '(no region)'} +${money(r.increase)}`,
  );
  return causes.length > 0 ? `${head}\n    root cause: ${causes.join('; ')}` : head;
}
