import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { ACTION_IDS, CALLBACK_IDS } from '../../src/slack/ids.ts';
import { startFakeSlack } from '../fakes/fake-slack.ts';
import { FORM, slackSignature, startTestApp, TEST_SIGNING_SECRET, type TestApp } from '../support/slack.ts';

type Answer = { response_type?: string; text?: string; blocks?: Array<Record<string, unknown>> };

describe('the Slack app over HTTP, against the fake Slack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const answerTo = async (responseUrl: string): Promise<Answer> => {
    const call = await t.fake.waitFor('response_url', (c) => responseUrl.endsWith(String(c.params['_key'])));
    return call.params as Answer;
  };

  it('prints what it does at start-up and resolves the config channels to ids', () => {
    expect(t.stdout.join('')).toContain('review channel #finops-review → C0REVIEW01; 2 team channel(s)');
    expect(t.stdout.join('')).toMatch(/listening for Slack on http:\/\/127\.0\.0\.1:\d+\/slack\/events/);
    expect(t.app.channels.review).toBe('C0REVIEW01');
    expect([...t.app.channels.teams]).toEqual([
      ['payments', 'C0PAYMENT1'],
      ['search', 'C0SEARCH01'],
    ]);
  });

  it('acks a signed /finops help with 200 and answers the usage ephemerally with a share button', async () => {
    const { res, responseUrl } = await t.slack.slashCommand({ text: 'help' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const answer = await answerTo(responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('Usage of /finops');
    const blocks = answer.blocks ?? [];
    expect(JSON.stringify(blocks[1])).toContain('`/finops margin [PRODUCT] [YYYY-MM]`');
    const last = blocks[blocks.length - 1] as {
      type: string;
      elements: Array<{ action_id: string; value: string }>;
    };
    expect(last.type).toBe('actions');
    expect(last.elements[0]?.action_id).toBe(ACTION_IDS.shareAnswer);
    expect(Number(last.elements[0]?.value)).toBeGreaterThan(0);
  });

  it('answers an empty /finops with the usage too', async () => {
    const { res, responseUrl } = await t.slack.slashCommand({ text: '' });
    expect(res.status).toBe(200);
    expect((await answerTo(responseUrl)).text).toContain('Usage of /finops');
  });

  it('answers a typo with the usage and a did-you-mean, escaped', async () => {
    const { responseUrl } = await t.slack.slashCommand({ text: 'margni chekout <!channel>' });
    const answer = await answerTo(responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(
      /^unknown command "margni"\. Did you mean "\/finops margin chekout <!channel>"\?/,
    );
    expect(JSON.stringify(answer.blocks?.[0])).toContain(
      'Did you mean `/finops margin chekout &lt;!channel&gt;`?',
    );
    // Usage errors carry no share button.
    expect(JSON.stringify(answer.blocks)).not.toContain(ACTION_IDS.shareAnswer);
  });

  it('dispatches every subcommand to its handler (here the action log, empty)', async () => {
    const { responseUrl } = await t.slack.slashCommand({ text: 'actions mine', userId: 'U0ADMIN001' });
    const answer = await answerTo(responseUrl);
    expect(answer.text).toBe('You have no open action items.');
  });

  describe('request verification', () => {
    const body = () =>
      new URLSearchParams({
        command: '/finops',
        text: 'help',
        user_id: 'U0ADA00001',
        channel_id: 'C0GENERAL1',
        team_id: 'T0FINOPS01',
        response_url: t.fake.responseUrl('C0GENERAL1'),
        trigger_id: '1.2.3',
      }).toString();
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['no signature headers at all', { omit: ['x-slack-signature', 'x-slack-request-timestamp'] as const }],
      ['no signature header', { omit: ['x-slack-signature'] as const }],
      ['no timestamp header', { omit: ['x-slack-request-timestamp'] as const }],
      ['a wrong signature', { signature: `v0=${'0'.repeat(64)}` }],
      ['a signature made with another secret', { secret: 'not-the-signing-secret' }],
      ['a stale timestamp (6 minutes old)', { timestamp: now() - 6 * 60 }],
    ])('rejects %s with 401 and runs nothing', async (_name, opts) => {
      const before = t.fake.calls.length;
      const res = await t.slack.send(body(), FORM, {
        ...opts,
        omit: [...(('omit' in opts && opts.omit) || [])],
      });
      expect(res.status).toBe(401);
      // The 401 is the verifier's answer: no listener ran, so Slack was not called.
      expect(t.fake.calls.slice(before)).toEqual([]);
    });

    it('rejects a replayed body with a new timestamp (the signature covers the timestamp)', async () => {
      const b = body();
      const oldTs = now() - 10;
      const res = await t.slack.send(b, FORM, {
        timestamp: now(),
        signature: slackSignature(TEST_SIGNING_SECRET, oldTs, b),
      });
      expect(res.status).toBe(401);
    });

    it('rejects a body altered after signing', async () => {
      const b = body();
      const ts = now();
      const res = await t.slack.send(b.replace('help', 'sync'), FORM, {
        timestamp: ts,
        signature: slackSignature(TEST_SIGNING_SECRET, ts, b),
      });
      expect(res.status).toBe(401);
    });

    it('accepts the same request when signed and fresh', async () => {
      const res = await t.slack.send(body(), FORM);
      expect(res.status).toBe(200);
    });
  });

  describe('Share in channel', () => {
    const shareValue = (a: Answer): string => {
      const last = a.blocks?.[a.blocks.length - 1] as { elements: Array<{ value: string }> };
      return last.elements[0]?.value as string;
    };

    it('posts the same blocks in the channel through response_url and removes the ephemeral copy', async () => {
      const { responseUrl } = await t.slack.slashCommand({ text: 'help', channelId: 'C0PAYMENT1' });
      const answer = await answerTo(responseUrl);
      const click = await t.slack.buttonClick({
        actionId: ACTION_IDS.shareAnswer,
        value: shareValue(answer),
        channelId: 'C0PAYMENT1',
      });
      expect(click.res.status).toBe(200);
      const [shared, deleted] = await t.fake.waitForCount('response_url', 2, (c) =>
        click.responseUrl.endsWith(String(c.params['_key'])),
      );
      expect(shared?.params['response_type']).toBe('in_channel');
      const sharedBlocks = shared?.params['blocks'] as unknown[];
      // The answer without its share button, plus who shared it.
      expect(sharedBlocks.slice(0, -1)).toEqual(answer.blocks?.slice(0, -1));
      expect(sharedBlocks[sharedBlocks.length - 1]).toEqual({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Shared by <@U0ADA00001>' }],
      });
      expect(deleted?.params['delete_original']).toBe(true);
      const inChannel = t.fake.messages('C0PAYMENT1').filter((m) => m.ephemeralTo === undefined);
      expect(inChannel.map((m) => m.text)).toContain(answer.text);
    });

    it('refuses someone else’s click, and an unknown answer', async () => {
      const { responseUrl } = await t.slack.slashCommand({ text: 'help' });
      const value = shareValue(await answerTo(responseUrl));
      const other = await t.slack.buttonClick({
        actionId: ACTION_IDS.shareAnswer,
        value,
        userId: 'U0GRACE001',
      });
      const refusal = await answerTo(other.responseUrl);
      expect(refusal).toMatchObject({
        response_type: 'ephemeral',
        text: 'Only the person who asked can share this answer.',
      });
      const unknown = await t.slack.buttonClick({ actionId: ACTION_IDS.shareAnswer, value: '999999' });
      expect((await answerTo(unknown.responseUrl)).text).toContain('no longer available');
    });

    it('falls back to chat.postMessage when the response_url fails', async () => {
      const { responseUrl } = await t.slack.slashCommand({ text: 'help', channelId: 'C0SEARCH01' });
      const value = shareValue(await answerTo(responseUrl));
      t.fake.queueError('response_url', 'expired_url');
      await t.slack.buttonClick({ actionId: ACTION_IDS.shareAnswer, value, channelId: 'C0SEARCH01' });
      const post = await t.fake.waitFor('chat.postMessage', (c) => c.params['channel'] === 'C0SEARCH01');
      expect(post.status).toBe(200);
      expect(post.params['text']).toContain('Usage of /finops');
    });
  });

  it('publishes the App Home on app_home_opened', async () => {
    const res = await t.slack.appHomeOpened('U0GRACE001');
    expect(res.status).toBe(200);
    const call = await t.fake.waitFor('views.publish', (c) => c.params['user_id'] === 'U0GRACE001');
    expect(call.status).toBe(200);
    expect((call.params['view'] as { type: string }).type).toBe('home');
  });

  it('answers the message shortcut with the action log modal', async () => {
    const res = await t.slack.messageShortcut({
      callbackId: CALLBACK_IDS.logAsActionShortcut,
      message: { ts: '1767225600.000500', text: 'we should turn off the idle GPUs' },
    });
    expect(res.status).toBe(200);
    const call = await t.fake.waitFor('views.open');
    expect(call.status).toBe(200);
    expect((call.params['view'] as { callback_id: string }).callback_id).toBe(CALLBACK_IDS.actionItemModal);
  });

  it('never logs the bot token or the signing secret', () => {
    const all = t.logs.join('\n');
    expect(all).not.toContain(t.fake.token);
    expect(all).not.toContain(TEST_SIGNING_SECRET);
  });
});

describe('start-up checks', () => {
  it('refuses to start when a config channel does not exist, naming it', async () => {
    const fake = await startFakeSlack();
    try {
      const err = await startTestApp({
        fake,
        config: {
          review: { channel: '#finops-reveiw' },
          teams: [{ id: 'payments', channel: '#old-costs' }, { id: 'search' }],
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(
        'Slack channel(s) in the config not found: #finops-reveiw, #old-costs (create them, invite the bot to private ones, or fix the config)',
      );
    } finally {
      await fake.close();
    }
  });
});
