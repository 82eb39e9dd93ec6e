import { dayKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * Daily FOCUS ingestion at 06:00, before anomaly detection (07:30): providers refresh their
 * exports overnight, re-issuing the current billing period, and each run replaces what the
 * previous one stored for every provider and billing period it reads.
 *
 * All files or none: a bad file fails the run and stores nothing, because storing the other
 * files could replace a split export's period with only some of its parts.
 */
export const INGEST_FOCUS_SCHEDULE = '0 6 * * *';

export const ingestFocusJob: JobDefinition = {
  name: 'ingest-focus',
  description: 'read the FOCUS cost exports of sources.focus.paths into daily, allocated cost',
  schedule: () => INGEST_FOCUS_SCHEDULE,
  periodKey: (at, config) => dayKey(at, config.timezone),
  async run(ctx) {
    const { config } = ctx.deps;
    const patterns = config.sources.focus?.paths ?? [];
    if (patterns.length === 0) {
      return { stats: { files: 0 }, summary: 'sources.focus.paths is empty: nothing to read' };
    }
    // Loaded on use: DuckDB (about 50 MB resident) stays out of an idle bot.
    const { focusPathsFromConfig, formatFocusIngest, prepareFocusIngest, storeFocusIngest } = await import(
      '../services/ingest-focus.ts'
    );
    const files = await focusPathsFromConfig(config, process.cwd());
    if (files.length === 0) {
      return { stats: { files: 0 }, summary: `no file matches sources.focus.paths (${patterns.join(', ')})` };
    }
    const prepared = await prepareFocusIngest(config, files);
    const rows = prepared.files.reduce((s, f) => s + (f.duplicateOf ? 0 : f.rowCount), 0);
    if (ctx.dryRun) {
      return {
        stats: { files: files.length, rows, sources: prepared.sources.size },
        summary: `would store ${prepared.sources.size} cost source(s) from ${files.length} file(s), ${rows} row(s)`,
      };
    }
    const r = await storeFocusIngest(ctx.deps, prepared, ctx.at);
    return {
      stats: {
        files: files.length,
        rows,
        sources: r.sources.length,
        dailyRows: r.sources.reduce((s, x) => s + x.dailyRows, 0),
        warnings: r.warnings.length,
      },
      summary: formatFocusIngest(r, config.model.cost_metric).join('\n'),
    };
  },
};
