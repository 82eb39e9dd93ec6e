import { reposFromConfig } from '../ingest/github/repo-spec.ts';
import { createProgress } from '../lib/progress.ts';
import {
  formatGithubSummary,
  githubProblemLines,
  githubSettings,
  ingestGithub,
} from '../services/ingest-github.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';
import { listenForStop } from './signals.ts';

const USAGE = 'finops ingest github [--billable]';

/**
 * One incremental GitHub ingestion. Prints the summary and the top unmapped logins. Exit 2 when
 * the config is wrong (token missing or rejected, malformed repo entry, a repository that does not
 * exist or is forbidden); 1 when GitHub could not be read to the end (the next run resumes).
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const values = parseCommandArgs(argv, { billable: { type: 'boolean' } }, USAGE).values as {
    billable?: boolean;
  };
  // Checked before the database is opened, so bad input touches nothing already stored.
  const { config } = ctx.config();
  reposFromConfig(config);
  githubSettings({ config, env: ctx.env });

  const deps = await ctx.services();
  const progress = createProgress(ctx.io, { log: (line) => ctx.logger.info(line) });
  const task = progress.start('reading GitHub', { unit: 'repositories' });
  const stop = listenForStop();
  const summary = await ingestGithub(deps, {
    billable: values.billable === true,
    onProgress: (p) => task.report(p),
    signal: stop.signal,
  }).finally(() => {
    stop.dispose();
    progress.close();
  });
  task.finish(
    `${summary.reposDone}/${summary.repos} repositories, ${summary.prs.toLocaleString('en-US')} pull requests`,
  );
  for (const line of formatGithubSummary(summary)) ctx.io.stdout(`${line}\n`);
  for (const line of githubProblemLines(summary)) ctx.io.stderr(`finops ingest: ${line}\n`);
  if (summary.error && stop.signal.aborted) {
    // Asked to stop: what was read is committed with its cursor, so this is a clean stop.
    ctx.io.stdout(`stopped by ${String(stop.signal.reason)}; the next run resumes where this one stopped\n`);
    return 0;
  }
  if (summary.error) {
    ctx.io.stderr(`finops ingest: ${summary.error}; the next run resumes where this one stopped\n`);
    return 1;
  }
  // A repository that cannot be read, or a stream the token may not read, is a config problem.
  if (summary.skipped.some((p) => p.stream === 'repository' || p.reason === 'forbidden')) return 2;
  return summary.failed.length > 0 ? 1 : 0;
}
