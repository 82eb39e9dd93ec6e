import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  claimJobRun,
  finishJobRun,
  findJobRun,
  heartbeatJobRun,
  type JobRun,
  jobRunIsStale,
} from '../db/repos/job-runs.ts';
import { errorLine } from '../lib/errors.ts';
import type { Messenger, ServiceDeps } from '../services/deps.ts';
import type { JobDefinition, JobResult } from './types.ts';

/**
 * Runs one job for one period, at most once per (job, period_key) across every process and replica
 * sharing the database:
 *
 * 1. the period key is computed from `at` in config.timezone;
 * 2. the run is CLAIMED in Postgres (see claimJobRun): a new row, or a take-over of a `failed` run,
 *    or of a `running` run whose owner stopped heartbeating for longer than the lease;
 *    anything else (succeeded, or running under a live owner) makes this call a no-op;
 * 3. while the job runs the owner refreshes `heartbeat_at` every lease/4; if the row was taken over
 *    meanwhile, the job's AbortSignal fires and the outcome is not written;
 * 4. the outcome is recorded: `succeeded` with the job's stats, or `failed` with its error (a job
 *    reports item failures with `JobResult.error`, and a re-run takes the failed run over to complete
 *    what is missing).
 *
 * runJob never throws: a failing job, or a database that cannot be reached, comes back as an outcome.
 */

/**
 * Default lease: two minutes without a heartbeat and the owner is presumed dead. Long enough to ride
 * out a GC pause or a slow database, short enough that a re-run after a crash goes through soon.
 */
export const DEFAULT_LEASE_MS = 120_000;

export interface RunJobOptions {
  deps: ServiceDeps;
  messenger: Messenger | undefined;
  /** The instant the run is "as of": the cron tick, or `--at`. */
  at: Date;
  /** Does not claim, does not post: reports what it would do. The once-per-period guard still applies. */
  dryRun: boolean;
  /** Shutdown: passed on to the job, which should stop at the next safe point. */
  signal?: AbortSignal;
  leaseMs?: number;
  /** Who claims: defaults to `host:pid:nonce`, unique per call. */
  owner?: string;
}

interface OutcomeBase {
  job: string;
  periodKey: string | undefined;
  dryRun: boolean;
  /** One human line: what happened. */
  message: string;
}

export type JobOutcome =
  | (OutcomeBase & {
      status: 'succeeded';
      run: JobRun;
      takeover: 'failed' | 'stale' | null;
      result: JobResult;
    })
  | (OutcomeBase & {
      status: 'failed';
      /** Undefined when the run could not even be claimed (bad period, database down). */
      run: JobRun | undefined;
      takeover: 'failed' | 'stale' | null;
      result: JobResult | undefined;
      error: string;
    })
  | (OutcomeBase & {
      status: 'skipped';
      /** `succeeded`: the period is done; `running`: a live owner holds it now. */
      reason: 'succeeded' | 'running';
      existing: JobRun;
    })
  | (OutcomeBase & {
      status: 'dry-run';
      /** A failed or stale run a real run would take over. */
      existing: JobRun | undefined;
      result: JobResult | undefined;
      error: string | undefined;
    });

export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function runJob(job: JobDefinition, opts: RunJobOptions): Promise<JobOutcome> {
  const { deps, at, dryRun } = opts;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const log = deps.logger;
  let periodKey: string | undefined;
  try {
    periodKey = job.periodKey(at, deps.config);
  } catch (err) {
    return failedBeforeClaim(job, undefined, dryRun, `cannot compute the period key: ${errorLine(err)}`);
  }
  const key = periodKey;

  if (dryRun) {
    let existing: JobRun | undefined;
    try {
      existing = await findJobRun(deps.db, job.name, key);
    } catch (err) {
      return failedBeforeClaim(job, key, dryRun, `cannot read job runs: ${errorLine(err)}`);
    }
    if (existing?.status === 'succeeded') return skipped(job.name, key, true, 'succeeded', existing);
    if (existing?.status === 'running' && !(await jobRunIsStale(deps.db, existing.id, leaseMs))) {
      return skipped(job.name, key, true, 'running', existing);
    }
    const messenger = opts.messenger ? readOnlyMessenger(opts.messenger) : undefined;
    const ctx = {
      deps,
      messenger,
      at,
      dryRun: true,
      periodKey: key,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    try {
      const result = await job.run(ctx);
      return {
        status: 'dry-run',
        job: job.name,
        periodKey: key,
        dryRun: true,
        existing,
        result,
        error: result.error,
        message: `${job.name} ${key}: dry run (nothing claimed, nothing posted)${existing ? `; a real run would take over the ${existing.status} attempt ${existing.attempt}` : ''}`,
      };
    } catch (err) {
      return {
        status: 'dry-run',
        job: job.name,
        periodKey: key,
        dryRun: true,
        existing,
        result: undefined,
        error: errorLine(err),
        message: `${job.name} ${key}: dry run failed: ${errorLine(err)}`,
      };
    }
  }

  const owner = opts.owner ?? newOwnerId();
  let claim: Awaited<ReturnType<typeof claimJobRun>>;
  try {
    claim = await claimJobRun(deps.db, { job: job.name, periodKey: key, owner, asOf: at, leaseMs });
  } catch (err) {
    return failedBeforeClaim(job, key, false, `cannot claim the run: ${errorLine(err)}`);
  }
  if (!claim.claimed) {
    const reason = claim.existing.status === 'succeeded' ? 'succeeded' : 'running';
    const outcome = skipped(job.name, key, false, reason, claim.existing);
    log.info(outcome.message, { job: job.name, periodKey: key });
    return outcome;
  }

  const { run, takeover } = claim;
  log.info(
    `${job.name} ${key}: started (attempt ${run.attempt}${takeover ? `, took over a ${takeover} run` : ''})`,
    {
      job: job.name,
      periodKey: key,
      owner,
    },
  );
  const lease = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, lease.signal]) : lease.signal;
  const beat = setInterval(
    () => {
      heartbeatJobRun(deps.db, run.id, owner).then(
        (held) => {
          if (!held) lease.abort(new Error(`${job.name} ${key}: the run was taken over by another process`));
        },
        (err: unknown) => log.warn(`${job.name} ${key}: heartbeat failed: ${errorLine(err)}`),
      );
    },
    Math.max(1000, Math.floor(leaseMs / 4)),
  );
  beat.unref();

  let result: JobResult | undefined;
  let error: string | undefined;
  try {
    result = await job.run({ deps, messenger: opts.messenger, at, dryRun: false, periodKey: key, signal });
    error = result.error;
  } catch (err) {
    error = errorLine(err);
  } finally {
    clearInterval(beat);
  }
  if (lease.signal.aborted) error = `${errorLine(lease.signal.reason)}${error ? `; ${error}` : ''}`;
  const status = error === undefined ? 'succeeded' : 'failed';

  let finished: JobRun | undefined;
  try {
    finished = await finishJobRun(deps.db, run.id, owner, {
      status,
      stats: result?.stats ?? {},
      error: error ?? null,
    });
  } catch (err) {
    error = `${error ? `${error}; ` : ''}cannot record the outcome: ${errorLine(err)}`;
  }
  if (!finished && error === undefined)
    error = 'the run was taken over by another process before it finished';

  if (error === undefined && finished) {
    const outcome: JobOutcome = {
      status: 'succeeded',
      job: job.name,
      periodKey: key,
      dryRun: false,
      run: finished,
      takeover,
      result: result as JobResult,
      message: `${job.name} ${key}: succeeded (attempt ${finished.attempt})${result?.summary ? `: ${result.summary}` : ''}`,
    };
    log.info(outcome.message, { job: job.name, periodKey: key, stats: finished.stats });
    return outcome;
  }
  const message = `${job.name} ${key}: failed (attempt ${run.attempt}): ${error}`;
  log.error(message, { job: job.name, periodKey: key, stats: result?.stats ?? {} });
  return {
    status: 'failed',
    job: job.name,
    periodKey: key,
    dryRun: false,
    run: finished ?? run,
    takeover,
    result,
    error: error ?? 'unknown error',
    message,
  };
}

function skipped(
  job: string,
  periodKey: string,
  dryRun: boolean,
  reason: 'succeeded' | 'running',
  existing: JobRun,
): JobOutcome {
  const when = (existing.finishedAt ?? existing.startedAt).toISOString();
  const message =
    reason === 'succeeded'
      ? `${job} ${periodKey}: already ran (succeeded at ${when}, attempt ${existing.attempt}); nothing to do`
      : `${job} ${periodKey}: already running (owner ${existing.owner}, started ${when}); nothing to do`;
  return { status: 'skipped', job, periodKey, dryRun, reason, existing, message };
}

function failedBeforeClaim(
  job: JobDefinition,
  periodKey: string | undefined,
  dryRun: boolean,
  error: string,
): JobOutcome {
  return {
    status: 'failed',
    job: job.name,
    periodKey,
    dryRun,
    run: undefined,
    takeover: null,
    result: undefined,
    error,
    message: `${job.name}${periodKey ? ` ${periodKey}` : ''}: failed: ${error}`,
  };
}

/**
 * For dry runs: lookups go through (channel names, user groups), anything that would post, update,
 * DM or upload throws, so a dry run cannot reach Slack even if a job forgets to check `dryRun`.
 */
export function readOnlyMessenger(m: Messenger): Messenger {
  const refuse = (what: string) => () => Promise.reject(new Error(`dry run: refusing to ${what}`));
  return {
    post: refuse('post a message'),
    update: refuse('update a message'),
    postEphemeral: refuse('post an ephemeral message'),
    dm: refuse('send a DM'),
    uploadFile: refuse('upload a file'),
    resolveChannel: (c) => m.resolveChannel(c),
    permalink: (c, ts) => m.permalink(c, ts),
    userInfo: (u) => m.userInfo(u),
    usergroupMembers: (g) => m.usergroupMembers(g),
  };
}
