/**
 * `finops start` as a real process: the local preview without tokens, a clear error with half
 * the Slack settings, and the bot itself — started, answering a signed /finops help, stopped by
 * SIGTERM with exit 0.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { runFinops } from '../support/cli.ts';
import { spawnFinops } from '../support/finops-process.ts';
import { slackSender, TEST_CONFIG, TEST_SIGNING_SECRET } from '../support/slack.ts';

describe('finops start', () => {
  let fake: FakeSlack;
  let dir: string;
  beforeAll(async () => {
    fake = await startFakeSlack();
    dir = mkdtempSync(path.join(tmpdir(), 'finops-start-'));
    writeFileSync(path.join(dir, 'finops.yml'), stringify(TEST_CONFIG));
  });
  afterAll(async () => {
    await fake.close();
  });

  it('without Slack tokens runs the local preview on the embedded database and exits 0', {
    timeout: 120_000,
  }, async () => {
    const dataDir = path.join(dir, 'preview-data');
    const r = await runFinops(['start'], {
      FINOPS_DATA_DIR: dataDir,
      FINOPS_CONFIG: path.join(dir, 'absent.yml'),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no config at');
    expect(r.stdout).toContain("using the demo organisation's config");
    expect(r.stdout).toContain('this is the local preview (nothing is posted to Slack)');
    expect(r.stdout).toContain(`the embedded database (PGlite) in ${path.join(dataDir, 'db')}`);
    expect(r.stdout).toContain('Create New App → From a manifest → paste manifest.yml');
  });

  it('with a bot token but neither signing secret nor app token stops with exit 2 and one line', async () => {
    const r = await runFinops(['start'], {
      SLACK_BOT_TOKEN: 'xoxb-only',
      FINOPS_DATA_DIR: path.join(dir, 'x'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'finops start: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is: set one of them\n',
    );
  });

  it('with Slack settings serves signed requests and stops cleanly on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const bot = spawnFinops(['start'], {
      FINOPS_CONFIG: path.join(dir, 'finops.yml'),
      FINOPS_DATA_DIR: path.join(dir, 'bot-data'),
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
    });
    try {
      const [, port] = await bot.waitFor(/listening for Slack on http:\/\/0\.0\.0\.0:(\d+)\/slack\/events/);
      await bot.waitFor(/running; press Ctrl-C to stop/);
      const slack = slackSender({ url: `http://127.0.0.1:${port}/slack/events`, fake });
      const { res, responseUrl } = await slack.slashCommand({ text: 'help' });
      expect(res.status).toBe(200);
      const answer = await fake.waitFor('response_url', (c) =>
        responseUrl.endsWith(String(c.params['_key'])),
      );
      expect(answer.params['response_type']).toBe('ephemeral');
      expect(String(answer.params['text'])).toContain('Usage of /finops');
      const unsigned = await slack.slashCommand({ text: 'help' }, { omit: ['x-slack-signature'] });
      expect(unsigned.res.status).toBe(401);
    } finally {
      bot.proc.kill('SIGTERM');
    }
    expect((await bot.exit).code).toBe(0);
    expect(bot.stdout).toContain('finops-review: SIGTERM received, shutting down');
    expect(bot.stdout).toMatch(/finops-review: stopped\n$/);
    expect(bot.stderr).not.toContain(fake.token);
    expect(bot.stderr).not.toContain(TEST_SIGNING_SECRET);
  });
});
