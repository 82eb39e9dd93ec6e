import { errorLine } from '../lib/errors.ts';
import { dayKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Daily AI-vendor cost ingestion at 06:15: each vendor configured under `sources` (OpenAI,
 * Anthropic) re-reads its trailing window and replaces those days (services/ingest-ai-costs.ts).
 * It runs after the FOCUS ingestion (06:00) and before anomaly detection (detect-anomalies,
 * 07:30), which reads every row of `cost_daily`: the vendors' new and revised days are in the
 * series that morning's detection looks at, per product line and line item.
 *
 * Vendors are isolated: one failing (a refused key, a rate limit that outlasts the retries)
 * neither stops nor undoes the other; the run is then recorded failed with what happened, and a
 * re-run of the day reads both again (each read replaces its days, so that is harmless).
 */
export const INGEST_AI_COSTS_SCHEDULE = '15 6 * * *';

export const ingestAiCostsJob: JobDefinition = {
  name: 'ingest-ai-costs',
  description: 'read the OpenAI and Anthropic organisation cost APIs (where configured) into daily AI cost',
  schedule: () => INGEST_AI_COSTS_SCHEDULE,
  periodKey: (at, config) => dayKey(at, config.timezone),
  async run(ctx) {
    const { config } = ctx.deps;
    if (!config.sources.openai && !config.sources.anthropic) {
      return {
        stats: { vendors: 0 },
        summary: 'neither sources.openai nor sources.anthropic is configured: nothing to read',
      };
    }
    // Loaded on use: the service shares the daily-cost writer of the FOCUS ingestion, whose module
    // brings DuckDB (about 50 MB resident), which an idle bot does without.
    const { AI_VENDORS, aiVendorSettings, formatAiCostIngest, ingestAiCosts } = await import(
      '../services/ingest-ai-costs.ts'
    );
    const vendors = AI_VENDORS.map((v) => aiVendorSettings(config, v)).filter((s) => s.configured);
    const deps = { ...ctx.deps, now: () => ctx.at };
    const stats: Record<string, number | string> = { vendors: vendors.length, failed: 0 };
    const summary: string[] = [];
    const errors: string[] = [];
    for (const v of vendors) {
      if (ctx.dryRun) {
        summary.push(`would read ${v.name} (key in ${v.keyEnv}, last ${v.restateDays} day(s) again)`);
        continue;
      }
      try {
        const r = await ingestAiCosts(deps, v.vendor, ctx.signal ? { signal: ctx.signal } : {});
        stats[`${v.vendor}Lines`] = r.lines;
        stats[`${v.vendor}Days`] = r.days.length;
        stats[`${v.vendor}Revised`] = r.days.filter((d) => d.change === 'revised').length;
        summary.push(...formatAiCostIngest(r, config.model.cost_metric));
      } catch (err) {
        stats['failed'] = Number(stats['failed']) + 1;
        errors.push(errorLine(err));
        summary.push(`${v.name} failed, its stored cost unchanged: ${errorLine(err)}`);
      }
    }
    return {
      stats,
      summary: summary.join('\n'),
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
  },
};
