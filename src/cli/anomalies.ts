import { InputError } from '../lib/errors.ts';
import { round1, round2 } from '../lib/money.ts';
import { addDays, isDay } from '../lib/dates.ts';
import { type PlannedAnomaly, planCostAnomalies } from '../services/detect-anomalies.ts';
import { type PlannedLaborSpike, planLaborSpikes } from '../services/labor-spikes.ts';
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
 * One labour spike in `--json`, next to the SPEC §7 `anomalies` (never inside them): hours to 2
 * decimals, the ratio to 2 (null when the median is 0), the week's top incidents. The people
 * count is for operators; Slack shows no head count under 3.
 */
export interface LaborSpikeJson {
  productLine: string | null;
  week: string;
  hours: number;
  median: number;
  ratio: number | null;
  people: number;
  topIncidents: Array<{ id: string; number: number | null; title: string; hours: number }>;
  status: string;
}

export function laborSpikeJson(p: PlannedLaborSpike): LaborSpikeJson {
  const d = p.detection;
  return {
    productLine: d.productLine,
    week: d.week,
    hours: round2(d.hours),
    median: round2(d.median),
    ratio: d.ratio === null ? null : round2(d.ratio),
    people: d.people,
    topIncidents: d.incidents.map((i) => ({
      id: i.id,
      number: i.number,
      title: i.title,
      hours: round2(i.hours),
    })),
    status: p.status,
  };
}

/**
 * `finops anomalies`: runs detection on what is ingested and prints the anomalies, then the
 * labour spikes (weekly incident hours over the trailing median) when PagerDuty data is stored.
 * A dry run for tuning thresholds: it never posts and never writes; statuses come from the
 * anomaly table.
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
  const labor = await planLaborSpikes(deps);
  // A week counts from --since when any of its days is on or after it.
  const spikes = labor.planned.filter((p) => since === undefined || addDays(p.detection.week, 6) >= since);
  if (values.json) {
    ctx.io.stdout(
      `${JSON.stringify({ anomalies: shown.map(anomalyJson), laborSpikes: spikes.map(laborSpikeJson) }, null, 2)}\n`,
    );
    return 0;
  }
  const metric = deps.config.model.cost_metric;
  if (plan.range === null) {
    ctx.io.stdout('no cost ingested yet: run `finops ingest focus FILES…` first\n');
  } else {
    const { min_impact, min_increase_pct, mad_k } = deps.config.anomalies;
    const scope = `${metric}, ${plan.range.firstDay}..${plan.range.lastDay}${since ? `, since ${since}` : ''}`;
    const rules = `min_impact ${min_impact}, min_increase_pct ${min_increase_pct}, mad_k ${mad_k}`;
    ctx.io.stdout(
      `${shown.length} cost ${shown.length === 1 ? 'anomaly' : 'anomalies'} (${scope}; ${rules})\n`,
    );
    for (const p of shown) ctx.io.stdout(`${anomalyLine(p)}\n`);
  }
  if (labor.weeks !== null) {
    const { labor_spike_factor, labor_spike_weeks, labor_spike_min_hours } = deps.config.anomalies;
    const scope = `incident hours, weeks of ${labor.weeks.first}..${labor.weeks.last}${since ? `, since ${since}` : ''}`;
    const rule =
      `above ${labor_spike_factor}× the trailing ${labor_spike_weeks}-week median` +
      (labor_spike_min_hours > 0 ? `, at least ${labor_spike_min_hours} h` : '');
    ctx.io.stdout(
      `${spikes.length} labour ${spikes.length === 1 ? 'spike' : 'spikes'} (${scope}; ${rule})\n`,
    );
    for (const p of spikes) ctx.io.stdout(`${laborSpikeLine(p)}\n`);
  }
  return 0;
}

function laborSpikeLine(p: PlannedLaborSpike): string {
  const d = p.detection;
  const ratio = d.ratio === null ? 'median 0' : `${round2(d.ratio).toFixed(2)}×`;
  const head =
    `week of ${d.week}  ${d.productLine ?? '(unallocated)'} / incident hours  ${round2(d.hours).toFixed(2)} h` +
    ` vs ${round2(d.median).toFixed(2)} median (${ratio}), ${d.people} ${d.people === 1 ? 'person' : 'people'}  ${p.status}`;
  const top = d.incidents.map(
    (i) =>
      `${i.number !== null ? `#${i.number} ` : ''}${i.title.replace(/\s+/g, ' ')} ${round2(i.hours).toFixed(2)} h`,
  );
  return top.length > 0 ? `${head}\n    top incidents: ${top.join('; ')}` : head;
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
