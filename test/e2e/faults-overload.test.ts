/**
 * A burst of slash commands beyond what one process works on at once (MAX_COMMANDS_IN_FLIGHT): the
 * ones past the limit are told in the ack itself to try again in a minute — still within Slack's
 * 3 s, nothing queued in memory — and once the answers in hand are out, commands are answered as
 * usual. Without the limit, the load benchmark's 30,000 commands in 30 s grew the bot to 2.5 GB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMMANDS_IN_FLIGHT } from '../../src/commands/index.ts';
import type { HeldCall } from '../fakes/fake-slack.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

describe('a burst of /finops commands', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the ones past the limit at once with "try again", then answers as usual', {
    timeout: 60_000,
  }, async () => {
    // Every answer in hand waits for Slack's response_url until the test lets it go.
    const held: HeldCall[] = Array.from({ length: MAX_COMMANDS_IN_FLIGHT }, () =>
      t.fake.holdNext('response_url'),
    );
    const acks = await Promise.all(
      held.map(() => t.slack.slashCommand({ text: 'help' }).then(({ res }) => res.status)),
    );
    expect(acks).toEqual(Array(MAX_COMMANDS_IN_FLIGHT).fill(200));
    await Promise.all(held.map((h) => h.arrived));

    const { res } = await t.slack.slashCommand({ text: 'help' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toBe(
      'finops-review is answering many requests right now: please try again in a minute.',
    );
    expect(body.blocks).toHaveLength(1);
    expect(t.logs.filter((l) => l.includes('asking the next ones to retry'))).toHaveLength(1);

    for (const h of held) h.release();
    await t.fake.waitForCount('response_url', MAX_COMMANDS_IN_FLIGHT);
    // The burst is over: one summary line, and the next command gets its answer again.
    const after = await t.slack.slashCommand({ text: 'help' });
    const answer = await t.fake.waitFor('response_url', (c) =>
      after.responseUrl.endsWith(String(c.params['_key'])),
    );
    expect(String(answer.params['text'])).toContain('Usage of /finops');
    expect(t.logs.filter((l) => l.includes('1 command(s) were asked to retry'))).toHaveLength(1);
  });
});
