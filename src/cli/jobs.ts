import { DateTime } from 'luxon';
import { latestJobRuns } from '../db/repos/job-runs.ts';
import { InputError } from '../lib/errors.ts';
import { checkCron, nextRun } from '../jobs/cron.ts';
import { JOBS } from '../jobs/registry.ts';
import { DEFAULT_LEASE_MS, type JobOutcome, runJob } from '../jobs/runner.ts';
import type { JobDefinition } from '../jobs/types.ts';
import type { Messenger } from '../services/deps.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';
import { listenForStop } from './signals.ts';

const USAGE = 'finops jobs list | finops jobs run NAME [--at ISO-TIME] [--dry-run]';

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  return runJobsCommand(ctx, argv, JOBS);
}

/** `finops jobs list|run` over a given job list (the registry in production). */
export async function runJobsCommand(
  ctx: CliContext,
  argv: string[],
  jobs: JobDefinition[],
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return listJobs(ctx, rest, jobs);
  if (sub === 'run') return runOneJob(ctx, rest, jobs);
  throw new InputError(
    'bad_arguments',
    `${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`} (usage: ${USAGE})`,
  );
}

async function listJobs(ctx: CliContext, argv: string[], jobs: JobDefinition[]): Promise<number> {
  parseCommandArgs(argv, {}, USAGE);
  const deps = await ctx.services();
  const tz = deps.config.timezone;
  if (jobs.length === 0) {
    ctx.io.stdout('no scheduled jobs are registered\n');
    return 0;
  }
  const last = await latestJobRuns(
    deps.db,
    jobs.map((j) => j.name),
  );
  const now = deps.now();
  const notes: string[] = [];
  const rows = jobs.map((job) => {
    const expr = job.schedule(deps.config);
    const check = checkCron(expr);
    if (check.andNote) notes.push(`${job.name}: ${check.andNote}`);
    const next = check.errors.length === 0 ? nextRun(expr, tz, now) : undefined;
    const prev = last.get(job.name);
    return [
      job.name,
      expr,
      tz,
      prev
        ? `${prev.periodKey} ${prev.status} ${formatLocal(prev.finishedAt ?? prev.startedAt, tz)}${prev.attempt > 1 ? ` (attempt ${prev.attempt})` : ''}`
        : 'never',
      check.errors.length > 0
        ? `invalid: ${check.errors.join('; ')}`
        : next
          ? formatLocal(next, tz)
          : 'never',
    ];
  });
  const table = [['NAME', 'SCHEDULE', 'TIMEZONE', 'LAST RUN', 'NEXT RUN'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const r of table)
    ctx.io.stdout(
      `${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  for (const n of notes) ctx.io.stdout(`note: ${n}\n`);
  return 0;
}

async function runOneJob(ctx: CliContext, argv: string[], jobs: JobDefinition[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { at: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    USAGE,
    true,
  );
  const values = parsed.values as { at?: string; 'dry-run'?: boolean };
  const { positionals } = parsed;
  if (positionals.length !== 1) {
    throw new InputError(
      'bad_arguments',
      `expected exactly one job name, got ${positionals.length} (usage: ${USAGE})`,
    );
  }
  const name = positionals[0] as string;
  const job = jobs.find((j) => j.name === name);
  if (!job) {
    const names = jobs.map((j) => j.name);
    throw new InputError(
      'unknown_job',
      `unknown job "${name}" (${names.length > 0 ? `jobs: ${names.join(', ')}` : 'no jobs are registered'})`,
    );
  }
  const leaseMs = parseLease(ctx.env['FINOPS_JOB_LEASE_SECONDS']);
  const { config } = ctx.config();
  const at = values.at !== undefined ? parseAt(values.at, config.timezone) : ctx.now();
  const deps = await ctx.services();
  const stop = listenForStop();
  let outcome: JobOutcome;
  try {
    outcome = await runJob(job, {
      deps,
      messenger: await cliMessenger(ctx),
      at,
      dryRun: values['dry-run'] === true,
      leaseMs,
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
  }
  printOutcome(ctx, outcome);
  // Asked to stop (SIGTERM from a deploy, Ctrl-C): the job stopped at a safe point and its run is
  // recorded failed, so the next run of the period takes it over and does only what is missing.
  if (stop.signal.aborted && outcome.status === 'failed' && outcome.run !== undefined) {
    ctx.io.stdout(
      `${job.name} ${outcome.periodKey ?? ''}: stopped by ${String(stop.signal.reason)}; the next run of the period takes it over\n`,
    );
    return 0;
  }
  if (outcome.status === 'failed') return 1;
  if (outcome.status === 'dry-run' && outcome.error !== undefined) return 1;
  return 0;
}

function printOutcome(ctx: CliContext, outcome: JobOutcome): void {
  ctx.io.stdout(`${outcome.message}\n`);
  const result = outcome.status === 'skipped' ? undefined : outcome.result;
  // The summary of a dry run is what it would post; of a real run, what it did.
  if (result?.summary && outcome.status !== 'succeeded') ctx.io.stdout(`${result.summary.trimEnd()}\n`);
  const stats = Object.entries(result?.stats ?? {});
  if (stats.length > 0) ctx.io.stdout(`stats: ${stats.map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
}

/**
 * `--at` is an ISO 8601 time. With an offset or `Z` it is that instant; without one it is a wall time
 * in config.timezone (`2026-12-02T09:00` is 09:00 in Berlin), and a bare date is its local midnight.
 */
export function parseAt(text: string, timezone: string): Date {
  const dt = DateTime.fromISO(text, { zone: timezone });
  if (!dt.isValid) {
    throw new InputError(
      'bad_at',
      `--at: "${text}" is not an ISO time (${dt.invalidExplanation ?? dt.invalidReason ?? 'unparsable'}); use e.g. 2026-12-02T09:00 (in ${timezone}) or 2026-12-02T08:00:00Z`,
    );
  }
  return dt.toJSDate();
}

function parseLease(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_LEASE_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new InputError('bad_lease', `FINOPS_JOB_LEASE_SECONDS: "${text}" is not a number of seconds ≥ 1`);
  }
  return seconds * 1000;
}

/**
 * Slack for CLI runs: the Slack gateway over a WebClient, only when SLACK_BOT_TOKEN is set
 * (SLACK_API_URL points it elsewhere); without a token jobs print what they would post.
 * Loaded lazily so `finops jobs list` never loads Bolt.
 */
async function cliMessenger(ctx: CliContext): Promise<Messenger | undefined> {
  const token = ctx.env['SLACK_BOT_TOKEN'];
  if (!token) return undefined;
  const [{ webApi }, { createSlackGateway }] = await Promise.all([
    import('@slack/bolt'),
    import('../slack/gateway.ts'),
  ]);
  const apiUrl = ctx.env['SLACK_API_URL'];
  const client = new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    // 429s are retried by the gateway, which honours Retry-After.
    rejectRateLimitedCalls: true,
  });
  return createSlackGateway(client, { logger: ctx.logger });
}

function formatLocal(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm ZZ');
}
