/**
 * `/finops margin`, `stages`, `kpis` and `sync` through signed requests to the real app against
 * the fake Slack: answers arrive ephemerally on response_url after the ack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.ts';
import { seedReviewMonths } from '../support/review-seed.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

type Answer = { response_type?: string; text?: string; blocks?: Array<Record<string, unknown>> };

const NOW = new Date('2026-11-12T10:00:00Z');

describe('/finops read commands', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: () => NOW });
    await seedReviewMonths(
      t.db.db,
      [
        { id: 'checkout', repo: 'acme/checkout-api' },
        { id: 'search-ai', repo: 'acme/search' },
      ],
      ['2026-08', '2026-09', '2026-10'],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  const ask = async (text: string, opts: { userId?: string; channelId?: string } = {}) => {
    const { res, responseUrl } = await t.slack.slashCommand({ text, ...opts });
    expect(res.status).toBe(200);
    const call = await t.fake.waitFor('response_url', (c) => responseUrl.endsWith(String(c.params['_key'])));
    return { answer: call.params as Answer, responseUrl };
  };
  const body = (a: Answer) => JSON.stringify(a.blocks ?? []);

  it('gives a finance viewer revenue, margin and drift, and everyone else costs with a restriction note', async () => {
    // U0FINANCE1 is a finance viewer through the user group S0FINANCE1.
    const finance = (await ask('margin checkout 2026-10', { userId: 'U0FINANCE1' })).answer;
    const other = (await ask('margin checkout 2026-10', { userId: 'U0ADA00001' })).answer;
    expect(finance.response_type).toBe('ephemeral');
    expect(finance.text).toContain('Margin — Checkout, October 2026');
    expect(body(finance)).toMatch(/revenue \$10,000 · gross margin [\d.]+%/);
    expect(body(finance)).toMatch(/margin (fell|rose) [\d.]+ pts: /);
    expect(body(other)).toContain('all-in $');
    expect(body(other)).not.toMatch(/gross margin \d|revenue \$|unit cost \$/);
    expect(body(other)).toContain('shown to finance viewers only');
    expect(finance.blocks).not.toEqual(other.blocks);
    // Both carry the same cost figures.
    const allIn = (a: Answer) => /all-in (\$[\d,.]+)/.exec(body(a))?.[1];
    expect(allIn(finance)).toBe(allIn(other));
  });

  it('shares the restricted version when a finance viewer clicks "Share in channel"', async () => {
    const { answer } = await ask('margin checkout', { userId: 'U0FINANCE1', channelId: 'C0GENERAL1' });
    const last = answer.blocks?.at(-1) as { elements: Array<{ action_id: string; value: string }> };
    expect(last.elements[0]?.action_id).toBe(ACTION_IDS.shareAnswer);
    const click = await t.slack.buttonClick({
      actionId: ACTION_IDS.shareAnswer,
      value: last.elements[0]?.value as string,
      userId: 'U0FINANCE1',
      channelId: 'C0GENERAL1',
    });
    const shared = await t.fake.waitFor(
      'response_url',
      (c) =>
        click.responseUrl.endsWith(String(c.params['_key'])) && c.params['response_type'] === 'in_channel',
    );
    const blocks = JSON.stringify(shared.params['blocks']);
    expect(blocks).toContain('shown to finance viewers only');
    expect(blocks).not.toMatch(/gross margin \d/);
  });

  it('defaults to the last closed month and, in a team channel, to that team’s product lines', async () => {
    const { answer } = await ask('stages', { channelId: 'C0SEARCH01' });
    expect(answer.text).toContain('Stage mix — team search, October 2026');
    expect(body(answer)).toContain('*Search AI*');
    expect(body(answer)).not.toContain('*Checkout*');
    expect(body(answer)).toMatch(
      /• authoring [\d.]+% \([−+]?[\d.]+ pts vs last month, [−+]?[\d.]+ vs 3-month mean\)/,
    );
    const org = (await ask('stages', { channelId: 'C0GENERAL1' })).answer;
    expect(body(org)).toContain('*Organisation*');
    expect(body(org)).toContain('*Checkout*');
  });

  it('matches product names in any case and suggests the closest one', async () => {
    const { answer } = await ask('margin SEARCH-AI');
    expect(answer.text).toContain('Margin — Search AI, October 2026');
    const typo = (await ask('stages serch-ai')).answer;
    expect(typo.text).toContain('Did you mean "/finops stages search-ai"?');
  });

  it('refuses a month that has not begun', async () => {
    const { answer } = await ask('margin 2027-01');
    expect(answer.text).toBe('2027-01 has not begun yet (the last closed month is 2026-10)');
  });

  it('answers /finops kpis with coverage, anomaly timings and the action log', async () => {
    await t.db.db
      .insertInto('actionItem')
      .values([
        {
          title: 'Tag buckets',
          ownerId: 'U0ADA00001',
          creatorId: 'U0ADA00001',
          dueDate: '2026-10-20',
          status: 'done',
          createdAt: new Date('2026-10-03T10:00:00Z'),
          closedAt: new Date('2026-10-15T10:00:00Z'),
        },
        {
          title: 'Rightsize',
          ownerId: 'U0GRACE001',
          creatorId: 'U0ADA00001',
          dueDate: '2026-11-05',
          createdAt: new Date('2026-10-03T10:00:00Z'),
        },
      ])
      .execute();
    await t.db.db
      .insertInto('anomaly')
      .values({
        productLine: 'checkout',
        serviceName: 'Amazon EC2',
        currency: 'USD',
        firstDay: '2026-10-14',
        lastDay: '2026-10-15',
        actual: 900,
        expected: 300,
        impact: 600,
        detectedAt: new Date('2026-10-15T06:30:00Z'),
        alertedAt: new Date('2026-10-15T07:00:00Z'),
        acknowledgedAt: new Date('2026-10-15T09:30:00Z'),
      })
      .execute();
    const { answer } = await ask('kpis');
    expect(answer.text).toBe('FinOps KPIs — October 2026: 1 anomalies, 1 of 2 action items done.');
    expect(body(answer)).toContain('cost 100.0% · hours 100.0% · people 0.0%');
    // Charge day 14 Oct ends 15 Oct 00:00 UTC; alerted 07:00 → 7.0 h; acknowledged 2.5 h later.
    expect(body(answer)).toContain('median time to detect 7.0 h, to acknowledge 2.5 h, to resolve —');
    // Done in 12 days; the other is past its 5 Nov due day on 12 Nov.
    expect(body(answer)).toContain(
      '1 done of 2 raised (completion 50.0%) · median 12.0 days to close · 1 overdue now',
    );
  });

  it('runs /finops sync for admins only and reports when it finishes', async () => {
    const refused = (await ask('sync all', { userId: 'U0ADA00001' })).answer;
    expect(refused.text).toBe('`/finops sync` is for FinOps admins (access.admins in the config).');

    const { responseUrl } = await t.slack.slashCommand({ text: 'sync all', userId: 'U0ADMIN001' });
    const [started, finished] = await t.fake.waitForCount('response_url', 2, (c) =>
      responseUrl.endsWith(String(c.params['_key'])),
    );
    expect(started?.params['text']).toBe(
      'Syncing github, pagerduty, focus, openai, anthropic… I will post here when it finishes.',
    );
    const done = JSON.stringify(finished?.params['blocks']);
    expect(finished?.params['text']).toBe('Sync finished; failed: github.');
    expect(done).toContain('*github* failed');
    expect(done).toContain('GITHUB_TOKEN');
    expect(done).toContain('*pagerduty* skipped');
    expect(done).toContain('*focus* skipped');
    expect(done).toContain('*openai* skipped');
    expect(done).toContain('sources.anthropic is not configured');
    // A sync report is the admin's: no share button.
    expect(done).not.toContain(ACTION_IDS.shareAnswer);
  });
});
