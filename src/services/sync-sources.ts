/**
 * `/finops sync`: one ingestion run of a source (or all of them) on demand, through the same
 * services the hourly and daily jobs use, reported as a few lines per source. A source already
 * syncing in this process is not started twice.
 */
import { reposFromConfig } from '../ingest/github/repo-spec.ts';
import { errorLine } from '../lib/errors.ts';
import type { ServiceDeps } from './deps.ts';
import { formatGithubSummary, githubProblemLines, ingestGithub } from './ingest-github.ts';
import { configuredPagerDutyServices, ingestPagerDuty } from './ingest-pagerduty.ts';

export const SYNCABLE_SOURCES = ['github', 'pagerduty', 'focus', 'openai', 'anthropic'] as const;
export type SyncableSource = (typeof SYNCABLE_SOURCES)[number];

export interface SyncOutcome {
  source: SyncableSource;
  status: 'done' | 'skipped' | 'failed';
  /** What happened, a few lines (no per-person figures). */
  lines: string[];
  ms: number;
}

const running = new Set<SyncableSource>();

/** The sources `all` (or one name) stands for, in the order they run. */
export function sourcesFor(which: SyncableSource | 'all'): SyncableSource[] {
  return which === 'all' ? [...SYNCABLE_SOURCES] : [which];
}

export async function syncSources(
  deps: ServiceDeps,
  which: SyncableSource | 'all',
  opts: { signal?: AbortSignal; cwd?: string } = {},
): Promise<SyncOutcome[]> {
  const out: SyncOutcome[] = [];
  for (const source of sourcesFor(which)) {
    const started = Date.now();
    if (running.has(source)) {
      out.push({ source, status: 'skipped', lines: ['already syncing: this run was not started'], ms: 0 });
      continue;
    }
    running.add(source);
    try {
      const r = await syncOne(deps, source, opts);
      out.push({ source, ...r, ms: Date.now() - started });
    } catch (err) {
      deps.logger.warn(`sync ${source} failed: ${errorLine(err)}`);
      out.push({ source, status: 'failed', lines: [errorLine(err)], ms: Date.now() - started });
    } finally {
      running.delete(source);
    }
  }
  return out;
}

async function syncOne(
  deps: ServiceDeps,
  source: SyncableSource,
  opts: { signal?: AbortSignal; cwd?: string },
): Promise<Pick<SyncOutcome, 'status' | 'lines'>> {
  const { config } = deps;
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (source === 'github') {
    if (reposFromConfig(config).length === 0)
      return { status: 'skipped', lines: ['no repositories configured in product_lines[].repos'] };
    const s = await ingestGithub(deps, signal);
    // The unmapped logins come with activity counts: per-person numbers stay off Slack.
    const lines = [
      ...formatGithubSummary(s, 0).filter((l) => !l.startsWith('unmapped logins')),
      ...(s.unmapped.length > 0
        ? [`${s.unmapped.length} GitHub login(s) are not in people (finops ingest github lists them)`]
        : []),
      ...githubProblemLines(s),
    ];
    return s.error ? { status: 'failed', lines: [s.error, ...lines] } : { status: 'done', lines };
  }
  if (source === 'pagerduty') {
    if (configuredPagerDutyServices(config).length === 0)
      return { status: 'skipped', lines: ['no product line lists pagerduty_services'] };
    const r = await ingestPagerDuty(deps, signal);
    const s = r.stats;
    return {
      status: 'done',
      lines: [
        `${s.incidentsStored} incident(s) stored with ${s.logEntriesStored} log entries (${s.openReread} open re-read)`,
      ],
    };
  }
  if (source === 'openai' || source === 'anthropic') {
    if (!config.sources[source]) return { status: 'skipped', lines: [`sources.${source} is not configured`] };
    // Loaded on use, like the FOCUS ingestion whose daily-cost writer it shares (DuckDB).
    const { formatAiCostIngest, ingestAiCosts } = await import('./ingest-ai-costs.ts');
    const r = await ingestAiCosts(deps, source, signal);
    return { status: 'done', lines: formatAiCostIngest(r, config.model.cost_metric) };
  }
  const patterns = config.sources.focus?.paths ?? [];
  if (patterns.length === 0) return { status: 'skipped', lines: ['sources.focus.paths is empty'] };
  // Loaded on use: DuckDB (about 50 MB resident) stays out of a bot that has not ingested FOCUS yet.
  const { focusPathsFromConfig, formatFocusIngest, ingestFocusFiles } = await import('./ingest-focus.ts');
  const files = await focusPathsFromConfig(config, opts.cwd ?? process.cwd());
  if (files.length === 0) return { status: 'skipped', lines: [`no file matches ${patterns.join(', ')}`] };
  const r = await ingestFocusFiles(deps, files);
  return { status: 'done', lines: formatFocusIngest(r, config.model.cost_metric) };
}
