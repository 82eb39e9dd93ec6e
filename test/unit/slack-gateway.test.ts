import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { section } from '../../src/blocks/kit.ts';
import { InputError } from '../../src/lib/errors.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createAccess } from '../../src/slack/access.ts';
import { createBoltApp, normaliseApiUrl, slackSettingsFromEnv } from '../../src/slack/bolt.ts';
import {
  createSlackGateway,
  type GatewayOptions,
  SlackApiError,
  type SlackGateway,
  SlackRateLimitedError,
} from '../../src/slack/gateway.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { TEST_SIGNING_SECRET, testConfig } from '../support/slack.ts';

const logs: string[] = [];
const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });

/** The gateway over the same WebClient the app builds (rejectRateLimitedCalls, our retry policy). */
function gatewayFor(fake: FakeSlack, opts: Partial<GatewayOptions> = {}) {
  const settings = slackSettingsFromEnv({
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
  });
  if (!settings) throw new Error('settings expected');
  const app = createBoltApp(settings, { logger, botInfo: { botId: fake.botId, botUserId: fake.botUserId } });
  const sleeps: number[] = [];
  let clock = 0;
  const gateway = createSlackGateway(app.client, {
    logger,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    nowMs: () => clock,
    ...opts,
  });
  return { gateway, sleeps, advance: (ms: number) => (clock += ms) };
}

describe('Slack settings', () => {
  it('reads HTTP and Socket Mode settings and normalises the API URL', () => {
    expect(slackSettingsFromEnv({})).toBeUndefined();
    expect(
      slackSettingsFromEnv({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: 'http://h/api',
      }),
    ).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 's',
      appToken: undefined,
      apiUrl: 'http://h/api/',
      port: 3000,
    });
    expect(
      slackSettingsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', PORT: '8080' }),
    ).toMatchObject({
      appToken: 'xapp-1',
      port: 8080,
    });
    expect(normaliseApiUrl('http://h/api/')).toBe('http://h/api/');
  });

  it.each([
    [
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      'neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode)',
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' },
      'must be an app-level token starting with "xapp-"',
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: 'eighty' },
      'PORT must be a number from 0 to 65535, got "eighty"',
    ],
  ])('rejects %j', (env, message) => {
    expect(() => slackSettingsFromEnv(env)).toThrow(InputError);
    expect(() => slackSettingsFromEnv(env)).toThrow(message);
  });
});

describe('Slack gateway against the fake Slack', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack({ pageSize: 2 });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.clearCalls();
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    const { gateway, sleeps } = gatewayFor(fake);
    fake.queueRateLimit('chat.postMessage', 2, 2);
    const posted = await gateway.post('C0REVIEW01', { text: 'hello', blocks: [section('hello')] });
    expect(posted.channel).toBe('C0REVIEW01');
    expect(sleeps).toEqual([2000, 2000]);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('gives up after the bounded number of retries', async () => {
    const { gateway, sleeps } = gatewayFor(fake, { maxRateLimitRetries: 2 });
    fake.queueRateLimit('chat.postMessage', 1, 3);
    const err = await gateway.post('C0REVIEW01', { text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackRateLimitedError);
    expect((err as SlackRateLimitedError).retryAfterSeconds).toBe(1);
    expect(sleeps).toEqual([1000, 1000]);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(3);
  });

  it('does not wait for a Retry-After longer than allowed', async () => {
    const { gateway, sleeps } = gatewayFor(fake, { maxRetryAfterSeconds: 30 });
    fake.queueRateLimit('chat.update', 120);
    await expect(gateway.update('C0REVIEW01', '1.2', { text: 'x' })).rejects.toThrow(
      'Slack chat.update is rate limited (retry after 120 s)',
    );
    expect(sleeps).toEqual([]);
  });

  it('surfaces ok:false as a SlackApiError with Slack’s code', async () => {
    const { gateway } = gatewayFor(fake);
    const err = await gateway.post('C0NOSUCH01', { text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect(err).toMatchObject({
      method: 'chat.postMessage',
      slackError: 'channel_not_found',
      code: 'slack_channel_not_found',
    });
    fake.queueError('chat.postMessage', 'not_in_channel');
    await expect(gateway.post('C0REVIEW01', { text: 'x' })).rejects.toMatchObject({
      slackError: 'not_in_channel',
    });
  });

  it('refuses an over-limit payload before calling Slack', async () => {
    const { gateway } = gatewayFor(fake);
    const blocks = Array.from({ length: 51 }, () => section('x'));
    await expect(gateway.post('C0REVIEW01', { text: 'x', blocks })).rejects.toThrow(
      'chat.postMessage: message breaks Block Kit limits: blocks: 51 blocks (max 50 in a message)',
    );
    await expect(
      gateway.openView('1.2.3', {
        type: 'modal',
        title: { type: 'plain_text', text: 'x'.repeat(25) },
        blocks: [],
      }),
    ).rejects.toThrow('views.open: view breaks Block Kit limits: view.title: 25 characters (max 24)');
    expect(fake.calls).toEqual([]);
  });

  it('resolves channel names through all pages of conversations.list, caches them, and names a missing one', async () => {
    const { gateway, advance } = gatewayFor(fake);
    expect(await gateway.resolveChannel('#general')).toBe('C0GENERAL1');
    expect(fake.callsTo('conversations.list')).toHaveLength(2);
    expect(await gateway.resolveChannel('finops-review')).toBe('C0REVIEW01');
    expect(await gateway.resolveChannel('C0ANYID123')).toBe('C0ANYID123');
    expect(fake.callsTo('conversations.list')).toHaveLength(2);
    // A miss lists again once (the channel may be new), then names it.
    await expect(gateway.resolveChannel('#old-costs')).rejects.toThrow(
      'Slack channel #old-costs not found: create it, or invite the bot if it is private (/invite @finops), or fix the name in the config',
    );
    expect(fake.callsTo('conversations.list')).toHaveLength(4);
    fake.addChannel({ id: 'C0NEWCHAN1', name: 'brand-new' });
    expect(await gateway.resolveChannel('#brand-new')).toBe('C0NEWCHAN1');
    // The cache expires.
    fake.clearCalls();
    advance(6 * 60_000);
    fake.addChannel({ id: 'C0RENAMED1', name: 'general' });
    expect(await gateway.resolveChannel('#general')).toBe('C0RENAMED1');
    expect(fake.callsTo('conversations.list').length).toBeGreaterThan(0);
  });

  it('opens a DM once per user and posts there', async () => {
    const { gateway } = gatewayFor(fake);
    const a = await gateway.dm('U0GRACE001', { text: 'reminder 1' });
    const b = await gateway.dm('U0GRACE001', { text: 'reminder 2' });
    expect(a.channel).toBe('D0GRACE001');
    expect(b.channel).toBe('D0GRACE001');
    expect(fake.callsTo('conversations.open')).toHaveLength(1);
    expect(fake.messages('D0GRACE001').map((m) => m.text)).toEqual(['reminder 1', 'reminder 2']);
  });

  it('uploads a file in three steps into a thread', async () => {
    const { gateway } = gatewayFor(fake);
    const parent = await gateway.post('C0REVIEW01', { text: 'review' });
    const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await gateway.uploadFile('C0REVIEW01', {
      filename: 'stage-mix.png',
      data,
      title: 'Stage mix',
      altText: 'Stacked bars of stage shares',
      threadTs: parent.ts,
    });
    expect(fake.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'file_upload',
      'files.completeUploadExternal',
    ]);
    const up = [...fake.uploads.values()].at(-1);
    expect(up).toMatchObject({
      filename: 'stage-mix.png',
      length: 7,
      altText: 'Stacked bars of stage shares',
      completed: true,
    });
    expect(up?.bytes?.equals(data)).toBe(true);
    expect(fake.messages('C0REVIEW01').at(-1)).toMatchObject({
      threadTs: parent.ts,
      files: [{ title: 'Stage mix' }],
    });
  });

  it('reads permalinks, users, e-mails and user groups (cached)', async () => {
    const { gateway } = gatewayFor(fake);
    const posted = await gateway.post('C0REVIEW01', { text: 'x' });
    expect(await gateway.permalink('C0REVIEW01', posted.ts)).toBe(
      `${fake.url}/archives/C0REVIEW01/p${posted.ts.replace('.', '')}`,
    );
    fake.queueError('chat.getPermalink', 'message_not_found');
    expect(await gateway.permalink('C0REVIEW01', '1.2')).toBeNull();
    expect(await gateway.userInfo('U0GONE0001')).toEqual({
      id: 'U0GONE0001',
      deleted: true,
      name: 'Left Company',
      tz: 'Europe/Berlin',
    });
    expect(await gateway.userInfo('U0NOBODY01')).toBeNull();
    expect(await gateway.lookupUserByEmail('ada@example.com')).toBe('U0ADA00001');
    expect(await gateway.lookupUserByEmail('nobody@example.com')).toBeNull();
    expect(await gateway.usergroupMembers('S0FINANCE1')).toEqual(['U0FINANCE1']);
    expect(await gateway.usergroupMembers('S0FINANCE1')).toEqual(['U0FINANCE1']);
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(1);
    expect(await gateway.authTest()).toEqual({
      userId: fake.botUserId,
      botId: fake.botId,
      teamId: fake.teamId,
      team: 'FinOps Test',
    });
  });
});

describe('access', () => {
  let fake: FakeSlack;
  let gateway: SlackGateway;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  beforeEach(() => {
    // A fresh gateway per test: its user-group cache starts empty.
    gateway = gatewayFor(fake).gateway;
  });
  afterAll(async () => {
    await fake.close();
  });

  const access = () =>
    createAccess({
      config: testConfig({
        access: { finance_viewers: ['U0ADA00001', 'S0FINANCE1'], admins: ['U0ADMIN001'] },
      }).config,
      directory: gateway,
      logger,
    });

  it.each([
    ['a listed user', 'U0ADA00001', true],
    ['a member of a listed user group', 'U0FINANCE1', true],
    ['anyone else', 'U0GRACE001', false],
    ['an admin who is not a finance viewer', 'U0ADMIN001', false],
  ])('finance figures: %s → %s', async (_who, user, expected) => {
    expect(await access().isFinanceViewer(user)).toBe(expected);
  });

  it('expands groups for the list of finance viewers, asking Slack once', async () => {
    fake.clearCalls();
    const a = access();
    expect((await a.financeViewerIds()).sort()).toEqual(['U0ADA00001', 'U0FINANCE1']);
    await a.isFinanceViewer('U0GRACE001');
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it.each([
    ['the owner', 'U0GRACE001', true],
    ['the creator', 'U0LINUS001', true],
    ['an admin', 'U0ADMIN001', true],
    ['someone else', 'U0ADA00001', false],
  ])('action items: %s may change → %s', async (_who, user, expected) => {
    const item = { ownerId: 'U0GRACE001', creatorId: 'U0LINUS001' };
    expect(await access().canChangeActionItem(user, item)).toBe(expected);
  });

  it('admins are the listed users only', async () => {
    expect(await access().isAdmin('U0ADMIN001')).toBe(true);
    expect(await access().isAdmin('U0FINANCE1')).toBe(false);
  });

  it('fails closed when Slack cannot list a group, and without Slack at all', async () => {
    const a = createAccess({
      config: testConfig({ access: { finance_viewers: ['S0MISSING1'], admins: [] } }).config,
      directory: gateway,
      logger,
    });
    expect(await a.isFinanceViewer('U0FINANCE1')).toBe(false);
    expect(logs.some((l) => l.includes('cannot read members of user group S0MISSING1'))).toBe(true);
    const offline = createAccess({ config: testConfig().config, directory: undefined, logger });
    expect(await offline.isFinanceViewer('U0FINANCE1')).toBe(false);
  });
});
