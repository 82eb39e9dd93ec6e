/**
 * Slash commands under load (issue 11): the real `finops start` (HTTP receiver, signatures verified,
 * the Web API at the fake Slack) answers `/finops …` from 50 concurrent connections for 30 s, each
 * request freshly signed (autocannon's setupRequest). Measured: the ack latency (the HTTP answer,
 * which Slack must get within 3 s; the answer itself follows on the response_url), requests/s,
 * errors (connection errors, timeouts, non-2xx), how many were answered on the response_url and how
 * many were asked in the ack to retry (past MAX_COMMANDS_IN_FLIGHT), and the bot's resident memory (VmRSS) after
 * start-up and once the load and the answers it queued are done. On the embedded database, and on
 * Postgres when TEST_DATABASE_URL is set. Goals: p99 ack < 300 ms, zero errors, idle RSS < 150 MB.
 *
 * The mix: help (no database), margin, stages, kpis, actions and anomalies (database reads) over
 * two months of review data. The bot runs with its scheduler's start-up catch-up off, so the idle
 * figures are the bot's, not a job's. The driver and the fake Slack share the machine's two cores
 * with the bot, as a load balancer and Slack would not: the figures are a floor, not a ceiling.
 *
 * `npm run bench -- load` (LOAD_SECONDS and LOAD_CONNECTIONS override 30 and 50; BOT_NODE_OPTIONS passes
 * V8 flags to the bot process only). `npm run bench` compiles dist/ first, so this is the bot users run.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { startFakeSlack } from '../test/fakes/fake-slack.ts';
import { BOT_CONFIG, reviewMonthNow, SEED_LINES } from '../test/support/bot-env.ts';
import { spawnFinops } from '../test/support/finops-process.ts';
import { seedReviewMonths } from '../test/support/review-seed.ts';
import { FORM, slackSignature, TEST_SIGNING_SECRET } from '../test/support/slack.ts';

const SECONDS = Number(process.env['LOAD_SECONDS'] ?? 30);
const CONNECTIONS = Number(process.env['LOAD_CONNECTIONS'] ?? 50);
const COMMANDS = ['help', 'margin', 'stages checkout', 'kpis', 'actions open', 'anomalies'];

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
};
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runOn(backend: 'pglite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-load-'));
  const fake = await startFakeSlack();
  const configFile = path.join(dir, 'finops.yml');
  writeFileSync(configFile, BOT_CONFIG);
  const env: Record<string, string> = {
    FINOPS_CONFIG: configFile,
    FINOPS_DATA_DIR: path.join(dir, 'data'),
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    FINOPS_CATCH_UP_HOURS: '0',
    // BOT_NODE_OPTIONS: V8 flags for the bot only (e.g. --max-semi-space-size=2), to measure memory knobs.
    ...(process.env['BOT_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BOT_NODE_OPTIONS'] } : {}),
  };
  let dropDb: (() => Promise<void>) | undefined;
  const { month, before } = reviewMonthNow();
  if (backend === 'postgres') {
    const admin = process.env['TEST_DATABASE_URL'] as string;
    const name = `finops_load_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const url = new URL(admin);
    url.pathname = `/${name}`;
    env['DATABASE_URL'] = url.toString();
    dropDb = async () => {
      const a = new pg.Client({ connectionString: admin });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  const pgliteDir = path.join(dir, 'data', 'db');
  if (backend === 'pglite') mkdirSync(pgliteDir, { recursive: true });
  const h = await connect(backend === 'postgres' ? { databaseUrl: env['DATABASE_URL'] } : { pgliteDir });
  await migrateToLatest(h.db);
  await seedReviewMonths(h.db, SEED_LINES, [before, month]);
  await h.close();

  const bot = spawnFinops(['start'], env);
  try {
    const [, port] = await bot.waitFor(/listening for Slack on http:\/\/0\.0\.0\.0:(\d+)\/slack\/events/);
    await bot.waitFor(/running; press Ctrl-C to stop/);
    const pid = bot.proc.pid as number;
    await settle(3000);
    const rssStart = rssMb(pid);

    let n = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/slack/events`,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const i = n++;
            const body = new URLSearchParams({
              token: 'verification_token',
              team_id: fake.teamId,
              team_domain: 'finops-test',
              channel_id: 'C0GENERAL1',
              channel_name: 'general',
              user_id: i % 4 === 0 ? 'U0FINANCE1' : 'U0ADA00001',
              user_name: 'ada',
              command: '/finops',
              text: COMMANDS[i % COMMANDS.length] as string,
              response_url: fake.responseUrl('C0GENERAL1'),
              trigger_id: `${i}.load`,
              api_app_id: 'A0FINOPS01',
              is_enterprise_install: 'false',
            }).toString();
            const ts = Math.floor(Date.now() / 1000);
            return {
              ...req,
              body,
              headers: {
                'content-type': FORM,
                'x-slack-request-timestamp': String(ts),
                'x-slack-signature': slackSignature(TEST_SIGNING_SECRET, ts, body),
              },
            };
          },
        },
      ],
    });
    const sent = result.requests.total;
    // The acks are in; the answers they started still go out on the response_url. Commands past the
    // bot's limit in hand were answered in the ack ("try again"): the bot logs how many per burst.
    const turnedAway = () =>
      [...bot.stderr.matchAll(/(\d+) command\(s\) were asked to retry/g)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    const drainStart = Date.now();
    while (fake.callsTo('response_url').length + turnedAway() < sent && Date.now() - drainStart < 120_000)
      await settle(200);
    const answered = fake.callsTo('response_url').length;
    const drainSeconds = ((Date.now() - drainStart) / 1000).toFixed(1);
    const rssAfterLoad = rssMb(pid);
    await settle(10_000);
    const rssIdle = rssMb(pid);
    // V8 gives memory back only once allocation has stayed low for a while (its memory reducer).
    await settle(50_000);
    const rssIdleMinute = rssMb(pid);
    const failedAnswers = fake.callsTo('response_url').filter((c) => c.status !== 200).length;
    const l = result.latency;
    console.log(
      `${backend}: ${sent} commands in ${result.duration.toFixed(1)} s at ${CONNECTIONS} connections, ` +
        `${result.requests.average.toFixed(0)} req/s; ack p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms; ` +
        `errors ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx}; ` +
        `answered on response_url ${answered} (${failedAnswers} refused; the last ${drainSeconds} s after the load), ` +
        `asked to retry in the ack ${turnedAway()}; ` +
        `RSS after start ${rssStart} MB, right after the load ${rssAfterLoad} MB, idle 10 s later ${rssIdle} MB, ` +
        `a minute later ${rssIdleMinute} MB`,
    );
  } finally {
    bot.proc.kill('SIGTERM');
    await bot.exit;
    await fake.close();
    await dropDb?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `load average before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${SECONDS} s at ${CONNECTIONS} connections per backend`,
);
await runOn('pglite');
if (process.env['TEST_DATABASE_URL']) await runOn('postgres');
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
