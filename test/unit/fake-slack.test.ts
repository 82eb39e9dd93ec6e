import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';

/** Calls the fake exactly as @slack/web-api does: form-encoded, objects as JSON strings, bearer token. */
async function api(fake: FakeSlack, method: string, params: Record<string, unknown>, token = fake.token) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(`${fake.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
    body: form.toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, actionId = 'a') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
});

describe('fake Slack', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('posts a message within limits and records the decoded call', async () => {
    const r = await api(fake, 'chat.postMessage', {
      channel: 'C0REVIEW01',
      text: 'hi',
      blocks: [section('hi')],
    });
    expect(r.body).toMatchObject({ ok: true, channel: 'C0REVIEW01' });
    const call = fake.callsTo('chat.postMessage').at(-1);
    expect(call?.params['blocks']).toEqual([section('hi')]);
    expect(call?.token).toBe(fake.token);
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(fake.messages('C0REVIEW01').at(-1)?.ts).toBe(r.body['ts']);
  });

  it.each<[string, unknown[], string]>([
    ['51 blocks', Array.from({ length: 51 }, () => section('x')), '/blocks must have at most 50 items'],
    [
      'a 3001-character section',
      [section('s'.repeat(3001))],
      '/blocks/0/text must be less than 3001 characters',
    ],
    [
      'a 151-character header',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      '/blocks/0/text must be less than 151 characters',
    ],
    [
      '11 fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      '/blocks/0/fields must have at most 10 items',
    ],
    [
      'a 2001-character field',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      '/blocks/0/fields/0 must be less than 2001 characters',
    ],
    [
      'a 76-character button',
      [{ type: 'actions', elements: [button('b'.repeat(76))] }],
      '/blocks/0/elements/0/text must be less than 76 characters',
    ],
    [
      'a 256-character action_id',
      [{ type: 'actions', elements: [button('ok', 'a'.repeat(256))] }],
      '/blocks/0/elements/0/action_id must be less than 256 characters',
    ],
    [
      'a 256-character block_id',
      [{ ...section('x'), block_id: 'k'.repeat(256) }],
      '/blocks/0/block_id must be less than 256 characters',
    ],
    ['an empty section', [section('')], '/blocks/0/text must be at least 1 character'],
  ])('rejects a message with %s as invalid_blocks', async (_name, blocks, problem) => {
    const r = await api(fake, 'chat.postMessage', { channel: 'C0REVIEW01', text: 't', blocks });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(r.body['errors']).toContain(problem);
  });

  it('rejects over-limit views as views.open does', async () => {
    const longTitle = await api(fake, 'views.open', {
      trigger_id: '1.2.3',
      view: { type: 'modal', title: { type: 'plain_text', text: 'A title that is too long!' }, blocks: [] },
    });
    expect(longTitle.body).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] /view/title must be less than 25 characters'] },
    });
    const tooMany = await api(fake, 'views.publish', {
      user_id: 'U0ADA00001',
      view: { type: 'home', blocks: Array.from({ length: 101 }, () => section('x')) },
    });
    expect(tooMany.body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const fine = await api(fake, 'views.publish', {
      user_id: 'U0ADA00001',
      view: { type: 'home', blocks: Array.from({ length: 100 }, () => section('x')) },
    });
    expect(fine.body['ok']).toBe(true);
  });

  it('answers Slack errors for bad channels, tokens and methods', async () => {
    expect((await api(fake, 'chat.postMessage', { channel: '#nope', text: 't' })).body).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect((await api(fake, 'chat.postMessage', { channel: 'G0PRIVATE1', text: 't' })).body).toEqual({
      ok: false,
      error: 'not_in_channel',
    });
    expect((await api(fake, 'chat.postMessage', { channel: 'C0ARCHIVE1', text: 't' })).body).toEqual({
      ok: false,
      error: 'is_archived',
    });
    expect((await api(fake, 'chat.postMessage', { channel: 'C0REVIEW01' })).body).toEqual({
      ok: false,
      error: 'no_text',
    });
    expect(
      (await api(fake, 'chat.postMessage', { channel: 'C0REVIEW01', text: 't' }, 'xoxb-wrong')).body,
    ).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await api(fake, 'chat.deleteEverything', {})).body).toEqual({
      ok: false,
      error: 'unknown_method',
    });
    const res = await fetch(`${fake.url}/somewhere`, { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('answers queued errors and 429s with Retry-After, then recovers', async () => {
    fake.queueRateLimit('users.info', 7);
    fake.queueError('users.info', 'fatal_error', { extra: { detail: 'x' } });
    const limited = await api(fake, 'users.info', { user: 'U0ADA00001' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    expect((await api(fake, 'users.info', { user: 'U0ADA00001' })).body).toEqual({
      ok: false,
      error: 'fatal_error',
      detail: 'x',
    });
    expect((await api(fake, 'users.info', { user: 'U0ADA00001' })).body).toMatchObject({
      ok: true,
      user: { id: 'U0ADA00001' },
    });
  });

  it('pages conversations.list with cursors and hides archived and non-member private channels', async () => {
    const names: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const r = await api(fake, 'conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: 'true',
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      names.push(...(r.body['channels'] as Array<{ name: string }>).map((c) => c.name));
      cursor = (r.body['response_metadata'] as { next_cursor: string }).next_cursor;
      pages++;
    } while (cursor);
    expect(names).toEqual(['finops-review', 'team-payments', 'team-search', 'general']);
    expect(pages).toBe(2);
  });

  it('serves users, user groups and DMs from the seed', async () => {
    expect((await api(fake, 'users.lookupByEmail', { email: 'GRACE@example.com' })).body).toMatchObject({
      ok: true,
      user: { id: 'U0GRACE001' },
    });
    expect((await api(fake, 'users.lookupByEmail', { email: 'x@example.com' })).body).toEqual({
      ok: false,
      error: 'users_not_found',
    });
    expect((await api(fake, 'users.info', { user: 'U0GONE0001' })).body).toMatchObject({
      ok: true,
      user: { deleted: true },
    });
    expect((await api(fake, 'usergroups.users.list', { usergroup: 'S0FINANCE1' })).body).toEqual({
      ok: true,
      users: ['U0FINANCE1'],
    });
    expect((await api(fake, 'usergroups.users.list', { usergroup: 'S0NOPE' })).body).toEqual({
      ok: false,
      error: 'no_such_subteam',
    });
    expect((await api(fake, 'conversations.open', { users: 'U0ADA00001' })).body).toEqual({
      ok: true,
      channel: { id: 'D0ADA00001' },
    });
    expect((await api(fake, 'conversations.open', { users: 'U0GONE0001' })).body).toEqual({
      ok: false,
      error: 'user_disabled',
    });
  });

  it('waitFor resolves on a call that arrives later, and on one already recorded', async () => {
    const later = fake.waitFor('auth.test');
    await api(fake, 'auth.test', {});
    expect((await later).response).toMatchObject({ ok: true, user_id: fake.botUserId });
    expect((await fake.waitFor('auth.test')).method).toBe('auth.test');
    await expect(fake.waitFor('chat.never', undefined, 50)).rejects.toThrow(
      /waited 50 ms for 1 × chat.never/,
    );
  });

  it('rejects over-limit blocks on the response_url too', async () => {
    const url = fake.responseUrl('C0GENERAL1');
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 't', blocks: Array.from({ length: 51 }, () => section('x')) }),
    });
    expect(bad.status).toBe(400);
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'in_channel', text: 'shared' }),
    });
    expect(ok.status).toBe(200);
    expect(fake.messages('C0GENERAL1').at(-1)).toMatchObject({
      text: 'shared',
      ephemeralTo: undefined,
      via: 'response_url',
    });
  });
});
