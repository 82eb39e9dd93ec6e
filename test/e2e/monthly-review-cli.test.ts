/**
 * `finops jobs run monthly-review` through the real binary: a dry run prints what it would post
 * and posts nothing; a real run (Postgres shared with the child process) posts through the Slack
 * gateway to the fake Slack, and a second run does nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { runFinops } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { seedReviewMonths } from '../support/review-seed.ts';

const CONFIG = `
timezone: Europe/Berlin
review: { channel: "#finops-review" }
access: { finance_viewers: ["S0FINANCE1"] }
rates:
  - effective_from: 2026-01-01
    levels: { mid: 100, senior: 120 }
senior_levels: [senior]
teams:
  - { id: payments, channel: "#team-payments" }
product_lines:
  - { id: checkout, name: Checkout, team: payments, repos: ["acme/checkout-api"] }
`;

const dir = mkdtempSync(path.join(tmpdir(), 'finops-review-cli-'));
const config = path.join(dir, 'finops.yml');
writeFileSync(config, CONFIG);

describe('finops jobs run monthly-review (binary)', () => {
  it('--dry-run without Slack prints the review it would post and exits 0', async () => {
    const r = await runFinops(['jobs', 'run', 'monthly-review', '--at', '2026-11-02T09:00', '--dry-run'], {
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'data-dry'),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('monthly-review 2026-10: dry run (nothing claimed, nothing posted)');
    expect(r.stdout).toContain('review of 2026-10: would post 1 message(s) (0 already posted)');
    expect(r.stdout).toContain('parent → #finops-review: would post');
    expect(r.stdout).toContain('nothing to review');
  });

  it('a real run without Slack fails with a clear line and exit 1', async () => {
    const r = await runFinops(['jobs', 'run', 'monthly-review', '--at', '2026-11-02T09:00'], {
      FINOPS_CONFIG: config,
      FINOPS_DATA_DIR: path.join(dir, 'data-noslack'),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Slack is not configured (set SLACK_BOT_TOKEN)');
  });
});

describe.skipIf(!process.env['TEST_DATABASE_URL'])(
  'finops jobs run monthly-review against the fake Slack',
  () => {
    let db: TestDb;
    let fake: FakeSlack;
    beforeAll(async () => {
      db = await createTestDb('postgres');
      fake = await startFakeSlack();
      await seedReviewMonths(db.db, [{ id: 'checkout', repo: 'acme/checkout-api' }], ['2026-09', '2026-10']);
    });
    afterAll(async () => {
      await fake?.close();
      await db?.close();
    });

    it('posts the review once; a second run does nothing', async () => {
      const env = {
        FINOPS_CONFIG: config,
        DATABASE_URL: db.url,
        SLACK_BOT_TOKEN: fake.token,
        SLACK_API_URL: fake.apiUrl,
      };
      const first = await runFinops(['jobs', 'run', 'monthly-review', '--at', '2026-11-02T09:00'], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(
        'monthly-review 2026-10: succeeded (attempt 1): review of 2026-10: 5 posted',
      );
      const parent = fake.messages('C0REVIEW01').find((m) => m.threadTs === undefined);
      expect(parent?.text).toContain('FinOps review — October 2026');
      expect(fake.messages('C0PAYMENT1')).toHaveLength(1);
      const posts = fake.callsTo('chat.postMessage').length;
      const second = await runFinops(['jobs', 'run', 'monthly-review', '--at', '2026-11-02T09:30'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('already ran');
      expect(fake.callsTo('chat.postMessage')).toHaveLength(posts);
    });
  },
);
