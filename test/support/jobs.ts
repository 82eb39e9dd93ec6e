import { parseConfigText } from '../../src/config/load.ts';
import type { Db } from '../../src/db/connect.ts';
import { previousMonthKey } from '../../src/jobs/period.ts';
import type { JobContext, JobDefinition, JobResult } from '../../src/jobs/types.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';

export const JOBS_TEST_CONFIG = `
timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: { junior: 70, mid: 95, senior: 125, staff: 150, principal: 180 }
teams:
  - { id: payments, channel: "#team-payments" }
product_lines:
  - { id: checkout, team: payments, repos: ["acme/checkout-api"] }
`;

export interface CapturedLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return Object.assign(createLogger({ level: 'debug', write: (l) => lines.push(l) }), { lines });
}

/** ServiceDeps over a test database, with a fixed clock and a logger that records its lines. */
export function jobTestDeps(
  db: Db,
  now: Date = new Date('2026-12-02T08:00:00Z'),
): ServiceDeps & { logger: CapturedLogger } {
  const { config, hash } = parseConfigText(JOBS_TEST_CONFIG, 'finops.yml');
  return {
    db,
    config,
    configHash: hash,
    logger: captureLogger(),
    now: () => now,
    env: {},
    dataDir: '/nonexistent',
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A monthly job (period = previous month in config.timezone) whose body the test supplies. */
export function testJob(
  name: string,
  body: (ctx: JobContext) => Promise<JobResult>,
  schedule = '0 9 2 * *',
): JobDefinition {
  return {
    name,
    description: `test job ${name}`,
    schedule: () => schedule,
    periodKey: (at, config) => previousMonthKey(at, config.timezone),
    run: body,
  };
}
