import type { Config } from '../config/schema.ts';
import type { Messenger, ServiceDeps } from '../services/deps.ts';

export interface JobContext {
  deps: ServiceDeps;
  /** Absent in the local preview and in CLI runs without Slack tokens. */
  messenger: Messenger | undefined;
  /** The moment the run is "as of" (the cron tick, or `finops jobs run --at`). */
  at: Date;
  /** Print what would be posted instead of posting. */
  dryRun: boolean;
  /** The `period_key` this run claimed. */
  periodKey: string;
  signal?: AbortSignal;
}

export interface JobResult {
  /** Counts for the job_run record: posted, skipped, failed… */
  stats: Record<string, number | string>;
  /** Human summary, printed by `finops jobs run`. */
  summary: string;
  /**
   * Set when some items failed (each item isolated): the run is recorded `failed` with these stats,
   * and a later run of the same period takes it over to complete what is missing.
   */
  error?: string;
}

/**
 * A scheduled job. `periodKey` decides what "once" means: two runs with the same key are
 * one run (a unique job_run row), whichever process or replica tries second.
 */
export interface JobDefinition {
  name: string;
  description: string;
  /** Cron expression in config.timezone (node-cron ANDs day-of-month with day-of-week). */
  schedule(config: Config): string;
  periodKey(at: Date, config: Config): string;
  run(ctx: JobContext): Promise<JobResult>;
}
