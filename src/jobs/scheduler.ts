import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import { errorLine, InputError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Messenger, ServiceDeps } from '../services/deps.ts';
import { checkCron, nextRun, previousRun } from './cron.ts';
import { type JobOutcome, runJob } from './runner.ts';
import type { JobDefinition } from './types.ts';

/**
 * The scheduler: one node-cron 4 task per job, in config.timezone, named after the job, with
 * overlap prevention (a tick while the previous run of the same job is still going is skipped).
 * Every tick goes through runJob, so with several replicas each tick is claimed once in Postgres
 * and runs in exactly one process; the others log "already running/ran" and move on.
 *
 * Catch-up: a process that was down at a tick (deploy, crash) runs the most recent missed tick when
 * it starts, if that tick is less than `catchUpMs` old (default 24 h). The claim makes this a no-op
 * when another replica ran it; a `failed` run, or a `running` one whose owner died, is taken over.
 * Older missed periods are left to an operator (`finops jobs run NAME --at …`), so a fresh install
 * does not post a stale review on its first start.
 */

export const DEFAULT_CATCH_UP_MS = 24 * 3_600_000;

export interface SchedulerOptions {
  deps: ServiceDeps;
  messenger: Messenger | undefined;
  jobs: JobDefinition[];
  /** How old a missed tick may be and still run at start-up; 0 disables catch-up. */
  catchUpMs?: number;
  leaseMs?: number;
  /** Called after every run (tests wait on it instead of sleeping). */
  onOutcome?: (outcome: JobOutcome) => void;
}

export interface Scheduler {
  /** Stops the ticks, signals running jobs to stop at their next safe point, waits for them. */
  stop(): Promise<void>;
  /** The node-cron task of each job, by job name. `execute()` runs the job now (as of deps.now()). */
  readonly tasks: ReadonlyMap<string, ScheduledTask>;
}

export function startScheduler(opts: SchedulerOptions): Scheduler {
  const { deps, messenger, jobs } = opts;
  const { timezone } = deps.config;
  const log = deps.logger;
  const schedules = validateJobs(jobs, deps);

  const shutdown = new AbortController();
  const inFlight = new Set<Promise<JobOutcome | undefined>>();
  const busy = new Set<string>();
  let stopped = false;

  const trigger = (job: JobDefinition, at: Date): Promise<JobOutcome | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    if (busy.has(job.name)) {
      log.warn(`${job.name}: previous run still going, tick at ${at.toISOString()} skipped`);
      return Promise.resolve(undefined);
    }
    busy.add(job.name);
    const p = runJob(job, {
      deps,
      messenger,
      at,
      dryRun: false,
      signal: shutdown.signal,
      ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    })
      .then((outcome) => {
        try {
          opts.onOutcome?.(outcome);
        } catch (err) {
          log.error(`${job.name}: outcome listener failed: ${errorLine(err)}`);
        }
        return outcome;
      })
      .catch((err: unknown) => {
        // runJob does not throw; this guards the process against a bug in it all the same.
        log.error(`${job.name}: run crashed: ${errorLine(err)}`);
        return undefined;
      })
      .finally(() => {
        busy.delete(job.name);
        inFlight.delete(p);
      });
    inFlight.add(p);
    return p;
  };

  const cronLogger = adaptLogger(log);
  const tasks = new Map<string, ScheduledTask>();
  for (const job of jobs) {
    const expr = schedules.get(job.name) as string;
    const task = cron.createTask(
      expr,
      // A scheduled tick runs "as of" its slot; execute() runs as of the injected clock.
      (ctx) => trigger(job, ctx.execution?.reason === 'invoked' ? deps.now() : ctx.date),
      { timezone, name: job.name, noOverlap: true, logger: cronLogger },
    );
    tasks.set(job.name, task);
  }
  for (const [name, task] of tasks) {
    void task.start();
    const next = nextRun(task.getPattern(), timezone, deps.now());
    log.info(
      `scheduled ${name}: "${task.getPattern()}" in ${timezone}, next ${next ? next.toISOString() : 'never'}`,
    );
  }

  const catchUpMs = opts.catchUpMs ?? DEFAULT_CATCH_UP_MS;
  if (catchUpMs > 0) {
    const now = deps.now();
    for (const job of jobs) {
      const slot = previousRun(schedules.get(job.name) as string, timezone, now);
      if (slot && now.getTime() - slot.getTime() <= catchUpMs) void trigger(job, slot);
    }
  }

  return {
    tasks,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const task of tasks.values()) await task.destroy();
      shutdown.abort(new Error('the scheduler is stopping'));
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Every job's cron expression, checked: unique names, valid expressions; node-cron's AND rule is logged. */
function validateJobs(jobs: JobDefinition[], deps: ServiceDeps): Map<string, string> {
  const out = new Map<string, string>();
  const problems: string[] = [];
  for (const job of jobs) {
    if (out.has(job.name)) problems.push(`job "${job.name}" is registered twice`);
    const expr = job.schedule(deps.config);
    const check = checkCron(expr);
    for (const e of check.errors) problems.push(`job "${job.name}": schedule "${expr}": ${e}`);
    if (check.andNote) deps.logger.warn(`job "${job.name}": ${check.andNote}`);
    out.set(job.name, expr);
  }
  if (problems.length > 0) throw new InputError('bad_schedule', problems.join('; '));
  return out;
}

/** node-cron's own warnings (overlap, missed tick) go to our logger, not the console. */
function adaptLogger(log: Logger): CronLogger {
  const text = (m: string | Error, err?: Error) =>
    `node-cron: ${errorLine(m)}${err ? `: ${errorLine(err)}` : ''}`;
  return {
    info: (m) => log.info(text(m)),
    warn: (m) => log.warn(text(m)),
    error: (m, err) => log.error(text(m, err)),
    debug: (m, err) => log.debug(text(m, err)),
  };
}
