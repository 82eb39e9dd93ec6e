import { reposFromConfig } from '../ingest/github/repo-spec.ts';
import { formatGithubSummary, githubProblemLines, ingestGithub } from '../services/ingest-github.ts';
import type { JobDefinition } from './types.ts';

/**
 * Hourly incremental GitHub ingestion. An unchanged repository costs three conditional requests
 * answered 304 (free against the rate limit), so running every hour is cheap. Minute 7 keeps it
 * off the top of the hour, when other jobs and other GitHub clients crowd in.
 */
export const ingestGithubJob: JobDefinition = {
  name: 'ingest-github',
  description: 'pull requests, reviews, commits, CI runs and deployments from GitHub, incrementally',
  schedule: () => '7 * * * *',
  periodKey: (at) => at.toISOString().slice(0, 13),
  async run(ctx) {
    if (reposFromConfig(ctx.deps.config).length === 0) {
      return { stats: { repos: 0 }, summary: 'no repositories configured in product_lines[].repos' };
    }
    const s = await ingestGithub(ctx.deps, ctx.signal ? { signal: ctx.signal } : {});
    const problems = githubProblemLines(s);
    if (s.error)
      throw new Error(`${s.error} (${problems.length} repository problem(s)); the next run resumes`);
    return {
      stats: {
        status: s.status,
        repos: s.repos,
        reposDone: s.reposDone,
        prs: s.prs,
        workflowRuns: s.workflowRuns,
        deployments: s.deployments,
        requests: s.requests,
        notModified: s.notModified,
        skipped: s.skipped.length,
        failed: s.failed.length,
        unmapped: s.unmapped.length,
      },
      summary: [...formatGithubSummary(s), ...problems].join('\n'),
    };
  },
};
