/**
 * What the process-level fault and replica tests share: a config for the fake Slack's default seed
 * with two product lines, a database seeded for the monthly review that a start-up catch-up posts,
 * the fakes a `finops start` talks to, and a comparable picture of what Slack received.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { previousRun } from '../../src/jobs/cron.ts';
import { JOBS } from '../../src/jobs/registry.ts';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { previousMonthKey } from '../../src/jobs/period.ts';
import { type FakeGithub, startFakeGithub } from '../fakes/fake-github.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { type FakeMessage, type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { type Backend, createTestDb, type TestDb } from './db.ts';
import { seedReviewMonths } from './review-seed.ts';
import { TEST_SIGNING_SECRET } from './slack.ts';

export const BOT_CONFIG = `
timezone: Europe/Berlin
review: { channel: "#finops-review" }
access: { finance_viewers: ["S0FINANCE1"], admins: ["U0ADMIN001"] }
rates:
  - effective_from: 2026-01-01
    levels: { mid: 100, senior: 120 }
senior_levels: [senior]
teams:
  - { id: payments, channel: "#team-payments" }
  - { id: search, channel: "#team-search" }
product_lines:
  - { id: checkout, name: Checkout, team: payments, repos: ["acme/checkout-api"] }
  - { id: search-ai, name: Search AI, team: search, repos: ["acme/search"] }
`;

export const SEED_LINES = [
  { id: 'checkout', repo: 'acme/checkout-api' },
  { id: 'search-ai', repo: 'acme/search' },
] as const;

/** Long enough for the start-up catch-up to reach the last monthly review slot (the 2nd) from any day. */
export const CATCH_UP_HOURS = String(40 * 24);

/** The jobs whose latest slot the start-up catch-up reaches (the others have no period to run yet). */
export function caughtUpJobs(now = new Date()): JobDefinition[] {
  const { config } = parseConfigText(BOT_CONFIG, 'finops.yml');
  return JOBS.filter((j) => {
    const slot = previousRun(j.schedule(config), config.timezone, now);
    return slot !== undefined && now.getTime() - slot.getTime() <= Number(CATCH_UP_HOURS) * 3_600_000;
  });
}

/** The month the catch-up's monthly review is about: the month before the last "0 9 2 * *" slot. */
export function reviewMonthNow(now = new Date()): { slot: Date; month: string; before: string } {
  const slot = previousRun('0 9 2 * *', 'Europe/Berlin', now) as Date;
  const month = previousMonthKey(slot, 'Europe/Berlin');
  const [y, m] = month.split('-').map(Number) as [number, number];
  const before = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return { slot, month, before };
}

export interface BotWorld {
  dir: string;
  fake: FakeSlack;
  github: FakeGithub;
  /** The environment of a `finops` child on this world's database and fakes. */
  env: Record<string, string>;
  /** Postgres only: the test's own connection. */
  db: TestDb | undefined;
  /** Opens the database (PGlite: only while no child holds it), runs `fn`, closes it. */
  withDb<T>(fn: (db: TestDb['db']) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A database seeded with the review month and the one before, the fakes, and the env to reach them. */
export async function createBotWorld(backend: Backend): Promise<BotWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-bot-'));
  const config = path.join(dir, 'finops.yml');
  writeFileSync(config, BOT_CONFIG);
  const { month, before } = reviewMonthNow();
  const fake = await startFakeSlack();
  const now = new Date().toISOString();
  const github = await startFakeGithub({
    token: 'ghp_bot_world',
    repos: [
      generateRepo({
        owner: 'acme',
        name: 'checkout-api',
        prs: 0,
        runs: 0,
        deployments: 0,
        now,
        stalePrs: 0,
      }),
      generateRepo({
        owner: 'acme',
        name: 'search',
        prs: 0,
        runs: 0,
        deployments: 0,
        now,
        stalePrs: 0,
        seed: 7,
      }),
    ],
  });
  const env: Record<string, string> = {
    FINOPS_CONFIG: config,
    FINOPS_DATA_DIR: path.join(dir, 'data'),
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    GITHUB_TOKEN: 'ghp_bot_world',
    GITHUB_API_URL: github.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    FINOPS_CATCH_UP_HOURS: CATCH_UP_HOURS,
  };
  let db: TestDb | undefined;
  if (backend === 'postgres') {
    db = await createTestDb('postgres');
    env['DATABASE_URL'] = db.url as string;
  }
  const withDb = async <T>(fn: (d: TestDb['db']) => Promise<T>): Promise<T> => {
    if (db) return fn(db.db);
    const pgliteDir = path.join(dir, 'data', 'db');
    mkdirSync(pgliteDir, { recursive: true });
    const h = await connect({ pgliteDir });
    try {
      await migrateToLatest(h.db);
      return await fn(h.db);
    } finally {
      await h.close();
    }
  };
  await withDb((d) => seedReviewMonths(d, SEED_LINES, [before, month]));
  return {
    dir,
    fake,
    github,
    env,
    db,
    withDb,
    async close() {
      await fake.close();
      await github.close();
      await db?.close();
    },
  };
}

/**
 * What Slack holds, comparable across runs: one line per message (channel, top level or the text of
 * the thread's parent, text or file titles), sorted, since concurrent jobs interleave differently.
 */
export function slackPicture(fake: FakeSlack): string[] {
  const all = fake.messages();
  const parentText = (m: FakeMessage) =>
    all.find((p) => p.channel === m.channel && p.ts === m.threadTs)?.text?.slice(0, 60) ?? '?';
  return all
    .map(
      (m) =>
        `${m.channel} ${m.ephemeralTo ? `ephemeral:${m.ephemeralTo} ` : ''}${m.threadTs ? `in thread of "${parentText(m)}"` : 'top'}: ${
          m.files.length > 0 ? `files ${m.files.map((f) => f.title).join(',')}` : (m.text ?? '')
        }`,
    )
    .sort();
}
