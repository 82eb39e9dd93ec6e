/**
 * Tokens and secrets never reach a log. A full run through the real entry point (bin/finops.mjs in
 * child processes, LOG_LEVEL=debug): GitHub and PagerDuty ingestion, a scheduled job run, then the
 * bot itself answering a slash command, a button, an admin's `/finops sync all` (every ingestion
 * again, inside the bot) and the App Home, stopped by SIGTERM. Everything every process wrote
 * (stdout and stderr) is scanned for every secret value: the Slack bot token and signing secret,
 * the GitHub token (under a variable name of the config's choosing, which no name-based rule would
 * guess), the PagerDuty token, the AI admin keys and, on Postgres, the database password.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ACTION_IDS } from '../../src/slack/ids.ts';
import { type FakeGithub, startFakeGithub } from '../fakes/fake-github.ts';
import { type FakePagerDuty, pagerDutyTestAccount, startFakePagerDuty } from '../fakes/fake-pagerduty.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { generateRepo } from '../fakes/github-data.ts';
import { runFinops } from '../support/cli.ts';
import { spawnFinops } from '../support/finops-process.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { slackSender, TEST_CONFIG } from '../support/slack.ts';

const NOW = '2026-11-20T12:00:00Z';

const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-secretbottokenvalue',
  SLACK_SIGNING_SECRET: 'signing-secret-never-logged-9f8e7d',
  /** Named by sources.github.token_env: nothing in the name says "token". */
  ACME_GH_PAT: 'ghp_custom_named_secret_0123456789abcd',
  PAGERDUTY_TOKEN: 'pd-secret-token-u+never+logged',
  OPENAI_ADMIN_KEY: 'sk-admin-openai-never-logged-000111',
  ANTHROPIC_ADMIN_KEY: 'sk-ant-admin-never-logged-222333',
};

describe.each(backends())('secrets in a full run on %s', (backend) => {
  let slack: FakeSlack;
  let github: FakeGithub;
  let pd: FakePagerDuty;
  let db: TestDb | undefined;
  let env: Record<string, string | undefined>;
  let dbPassword: string | undefined;
  /** Everything every process printed. */
  const output: string[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack({ token: SECRETS.SLACK_BOT_TOKEN });
    github = await startFakeGithub({
      token: SECRETS.ACME_GH_PAT,
      repos: [
        generateRepo({
          owner: 'acme',
          name: 'api',
          prs: 6,
          runs: 4,
          deployments: 1,
          now: NOW,
          bigPrs: false,
        }),
      ],
    });
    pd = await startFakePagerDuty({ data: pagerDutyTestAccount(), token: SECRETS.PAGERDUTY_TOKEN });
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-secrets-'));
    const config = path.join(dir, 'finops.yml');
    writeFileSync(
      config,
      stringify({
        ...TEST_CONFIG,
        product_lines: [
          {
            id: 'checkout',
            name: 'Checkout',
            team: 'payments',
            repos: ['acme/api'],
            pagerduty_services: ['PSVC001'],
          },
          { id: 'search-ai', name: 'Search AI', team: 'search', pagerduty_services: ['PSVC002'] },
        ],
        sources: { github: { token_env: 'ACME_GH_PAT' }, pagerduty: {} },
      }),
    );
    let databaseUrl: string | undefined;
    if (backend === 'postgres') {
      db = await createTestDb('postgres');
      // The test server trusts local connections, so any password works: it stands for a real one.
      dbPassword = 'db-password-never-logged-4711';
      const u = new URL(db.url as string);
      u.password = dbPassword;
      databaseUrl = u.toString();
    }
    env = {
      ...SECRETS,
      LOG_LEVEL: 'debug',
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: databaseUrl,
      SLACK_API_URL: slack.apiUrl,
      GITHUB_API_URL: github.apiUrl,
      PAGERDUTY_API_HOST: pd.host,
      NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'],
      PORT: '0',
    };
  });
  afterAll(async () => {
    await slack?.close();
    await github?.close();
    await pd?.close();
    await db?.close();
  });

  it('ingestion and a job run from the command line', { timeout: 180_000 }, async () => {
    for (const args of [
      ['ingest', 'github'],
      ['ingest', 'pagerduty', '--since', '2026-06-01'],
      ['jobs', 'run', 'action-reminders', '--at', '2026-11-20T08:00:00Z'],
    ]) {
      const r = await runFinops(args, env);
      output.push(r.stdout, r.stderr);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // The tokens were used (the fakes refuse any other), so the scan below means something.
    expect(github.requests.length).toBeGreaterThan(0);
  });

  it('the bot: a command, a button, an admin sync of every source, the Home tab, SIGTERM', {
    timeout: 180_000,
  }, async () => {
    const bot = spawnFinops(['start'], env);
    try {
      const [, port] = await bot.waitFor(/listening for Slack on http:\/\/0\.0\.0\.0:(\d+)\/slack\/events/);
      await bot.waitFor(/running; press Ctrl-C to stop/);
      const sender = slackSender({
        url: `http://127.0.0.1:${port}/slack/events`,
        fake: slack,
        signingSecret: SECRETS.SLACK_SIGNING_SECRET,
      });
      const help = await sender.slashCommand({ text: 'help' });
      const answer = await slack.waitFor('response_url', (c) =>
        help.responseUrl.endsWith(String(c.params['_key'])),
      );
      const blocks = answer.params['blocks'] as Array<{ elements?: Array<{ value?: string }> }>;
      const shareId = blocks.at(-1)?.elements?.[0]?.value as string;
      await sender.buttonClick({ actionId: ACTION_IDS.shareAnswer, value: shareId });
      await slack.waitFor('response_url', (c) => c.params['response_type'] === 'in_channel');

      const sync = await sender.slashCommand({ text: 'sync all', userId: 'U0ADMIN001' });
      const finished = await slack.waitFor(
        'response_url',
        (c) =>
          sync.responseUrl.endsWith(String(c.params['_key'])) &&
          String(c.params['text']).startsWith('Sync finished'),
        120_000,
      );
      expect(String(finished.params['text'])).toMatch(/^Sync finished/);

      await sender.appHomeOpened('U0ADA00001');
      await slack.waitFor('views.publish', (c) => c.params['user_id'] === 'U0ADA00001');
    } finally {
      bot.proc.kill('SIGTERM');
    }
    expect((await bot.exit).code).toBe(0);
    output.push(bot.stdout, bot.stderr);
    // Debug logging was on and wrote something, so the scan looked at real log lines.
    expect(bot.stderr).toMatch(/ DEBUG /);
  });

  it('no secret value appears in anything any process wrote', () => {
    const all = output.join('\n');
    expect(all.length).toBeGreaterThan(0);
    const values = [...Object.values(SECRETS), ...(dbPassword ? [dbPassword] : [])];
    for (const secret of values) expect(all, 'a secret reached the output').not.toContain(secret);
    // Not even URL-encoded.
    for (const secret of values) expect(all).not.toContain(encodeURIComponent(secret));
  });
});
