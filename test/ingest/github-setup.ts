import type { Config } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Db } from '../../src/db/connect.ts';
import type { Clock } from '../../src/ingest/github/client.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';

/** Shared set-up of the GitHub ingestion tests: config, deps, a clock that records waits. */

export const NOW = '2026-11-20T12:00:00Z';
export const TOKEN = 'ghp_testtoken_do_not_log_0123456789';

export function githubConfig(
  repos: { checkout: string[]; search?: string[] },
  extra: Record<string, unknown> = {},
): Config {
  return validateConfig({
    timezone: 'Europe/Berlin',
    rates: [{ effective_from: '2026-01-01', levels: { mid: 95, senior: 125, staff: 150, principal: 180 } }],
    teams: [{ id: 'payments' }, { id: 'discovery' }],
    people: [
      { github: 'ada', level: 'senior', team: 'payments' },
      { github: 'Grace', team: 'payments' },
      { github: 'linus' },
      { github: 'margaret' },
      { github: 'ken' },
      { github: 'barbara' },
      { github: 'dennis' },
      { github: 'frances' },
    ],
    product_lines: [
      { id: 'checkout', team: 'payments', repos: repos.checkout },
      { id: 'search', team: 'discovery', repos: repos.search ?? [] },
    ],
    ...extra,
  }).config;
}

export interface RecordingClock extends Clock {
  sleeps: number[];
  t: number;
}

/** Time moves only when the code under test sleeps; every sleep is recorded. */
export function recordingClock(start = Date.parse(NOW)): RecordingClock {
  const c: RecordingClock = {
    sleeps: [],
    t: start,
    now: () => c.t,
    sleep: async (ms) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (l) => lines.push(l), secrets: [TOKEN] }), lines };
}

export function makeDeps(
  db: Db,
  config: Config,
  apiUrl: string,
  logger: Logger,
  env: Record<string, string> = {},
): ServiceDeps {
  return {
    db,
    config,
    configHash: 'test',
    logger,
    now: () => new Date(NOW),
    env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl, ...env },
    dataDir: '/tmp',
  };
}

/**
 * Every GitHub row, sorted, without fetch bookkeeping: two databases with equal dumps hold the same
 * data. `etags: false` also leaves out ETags and listing times (they differ between fake instances).
 */
export async function dumpGithub(db: Db, opts: { etags?: boolean } = {}): Promise<Record<string, unknown[]>> {
  const strip = <T extends Record<string, unknown>>(rows: T[], drop: string[] = []) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !drop.includes(k))));
  return {
    prs: strip(await db.selectFrom('ghPullRequest').selectAll().orderBy('repo').orderBy('number').execute(), [
      'fetchedAt',
    ]),
    reviews: strip(await db.selectFrom('ghReview').selectAll().orderBy('id').execute()),
    comments: strip(await db.selectFrom('ghReviewComment').selectAll().orderBy('id').execute()),
    commits: strip(
      await db
        .selectFrom('ghCommit')
        .selectAll()
        .orderBy('repo')
        .orderBy('prNumber')
        .orderBy('sha')
        .execute(),
    ),
    runs: strip(await db.selectFrom('ghWorkflowRun').selectAll().orderBy('id').execute()),
    deployments: strip(await db.selectFrom('ghDeployment').selectAll().orderBy('id').execute()),
    cursors: strip(
      await db
        .selectFrom('ingestCursor')
        .selectAll()
        .where('source', '=', 'github')
        .orderBy('scope')
        .orderBy('stream')
        .execute(),
      opts.etags === false ? ['updatedAt', 'etag'] : ['updatedAt'],
    ).map((c) => {
      // Without ETags, the listing time goes too: both say when and from where, not what was stored.
      if (opts.etags !== false || typeof c['cursor'] !== 'string') return c;
      const { listedAt: _t, ...rest } = JSON.parse(c['cursor']) as Record<string, unknown>;
      return { ...c, cursor: rest };
    }),
  };
}
