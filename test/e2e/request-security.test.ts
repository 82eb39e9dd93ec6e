/**
 * Request security over HTTP: every kind of request Slack sends — a slash command, an interaction
 * (a modal submission that would log an action item) and an Events API callback (the Home tab) —
 * is refused with 401 when its signature is missing, wrong, made with another secret, over a body
 * altered after signing, or stale (> 5 minutes), and when a captured request is replayed later or
 * with a new timestamp. "Nothing executed" is checked on both sides: the fake Slack recorded no
 * call and the database holds exactly the rows it held before. The same requests, signed and
 * fresh, do run (so the 401s are the verifier's, not a malformed request's).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_ITEM_UI as UI, CALLBACK_IDS } from '../../src/slack/ids.ts';
import { backends } from '../support/db.ts';
import {
  FORM,
  type SendOptions,
  slackSignature,
  startTestApp,
  TEST_SIGNING_SECRET,
  type TestApp,
} from '../support/slack.ts';

const NOW_S = () => Math.floor(Date.now() / 1000);

describe.each(backends())('signature verification on %s', (backend) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp({ backend, now: () => new Date('2026-11-12T10:00:00Z') });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Rows every kind of request could write. */
  const counts = async () => {
    const count = async (table: 'actionItem' | 'actionEvent' | 'sharedAnswer') =>
      Number(
        (
          await t.db.db
            .selectFrom(table)
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      actionItem: await count('actionItem'),
      actionEvent: await count('actionEvent'),
      sharedAnswer: await count('sharedAnswer'),
    };
  };

  /** Each kind: a body as Slack would send it, its content type, and how to see that it ran. */
  const KINDS = {
    'slash command': () => ({
      // /finops help answers on response_url and keeps the answer for "Share in channel" (a row).
      body: new URLSearchParams({
        command: '/finops',
        text: 'help',
        user_id: 'U0ADA00001',
        channel_id: 'C0GENERAL1',
        team_id: t.fake.teamId,
        response_url: t.fake.responseUrl('C0GENERAL1'),
        trigger_id: `${++n}.1.sec`,
      }).toString(),
      type: FORM,
      ran: () => t.fake.waitFor('response_url', (c) => String(c.params['text']).includes('Usage of /finops')),
    }),
    interaction: () => ({
      // The "New action item" modal submitted complete: would write an item and its event.
      body: `payload=${encodeURIComponent(
        JSON.stringify({
          type: 'view_submission',
          team: { id: t.fake.teamId, domain: 'finops-test' },
          user: { id: 'U0ADA00001', username: 'ada', name: 'ada', team_id: t.fake.teamId },
          api_app_id: 'A0FINOPS01',
          trigger_id: `${++n}.2.sec`,
          view: {
            id: `V0SEC${n}`,
            type: 'modal',
            callback_id: CALLBACK_IDS.actionItemModal,
            private_metadata: '',
            state: {
              values: {
                [UI.blocks.title]: { [UI.input]: { type: 'plain_text_input', value: 'Forged item' } },
                [UI.blocks.owner]: { [UI.input]: { type: 'users_select', selected_user: 'U0ADA00001' } },
                [UI.blocks.due]: { [UI.input]: { type: 'datepicker', selected_date: '2026-12-15' } },
              },
            },
          },
          response_urls: [],
        }),
      )}`,
      type: FORM,
      ran: async () => {
        const rows = await t.db.db.selectFrom('actionItem').select('title').execute();
        expect(rows.map((r) => r.title)).toContain('Forged item');
        return t.fake.waitFor('views.publish', (c) => c.params['user_id'] === 'U0ADA00001');
      },
    }),
    event: () => ({
      body: JSON.stringify({
        token: 'verification_token',
        team_id: t.fake.teamId,
        api_app_id: 'A0FINOPS01',
        type: 'event_callback',
        event_id: `Ev0SEC${++n}`,
        event_time: NOW_S(),
        event: {
          type: 'app_home_opened',
          user: 'U0GRACE001',
          channel: 'D0GRACE001',
          tab: 'home',
          event_ts: '1.2',
        },
      }),
      type: 'application/json',
      ran: () => t.fake.waitFor('views.publish', (c) => c.params['user_id'] === 'U0GRACE001'),
    }),
  } as const;

  const BAD: Array<[string, (body: string) => SendOptions & { body?: string }]> = [
    ['no signature headers at all', () => ({ omit: ['x-slack-signature', 'x-slack-request-timestamp'] })],
    ['no signature header', () => ({ omit: ['x-slack-signature'] })],
    ['no timestamp header', () => ({ omit: ['x-slack-request-timestamp'] })],
    ['an empty signature', () => ({ signature: '' })],
    ['a wrong signature', () => ({ signature: `v0=${'0'.repeat(64)}` })],
    [
      'a signature of another scheme',
      (b) => ({ signature: slackSignature(TEST_SIGNING_SECRET, NOW_S(), b).replace('v0=', 'v1=') }),
    ],
    ['a signature made with another secret', () => ({ secret: 'not-the-signing-secret' })],
    [
      'a stale timestamp (5 minutes and 1 second old), correctly signed',
      () => ({ timestamp: NOW_S() - 301 }),
    ],
    ['a timestamp that is not a number', () => ({ timestamp: Number.NaN })],
    [
      'a replay of a captured request 6 minutes later (same timestamp, same signature)',
      (b) => {
        const ts = NOW_S() - 6 * 60;
        return { timestamp: ts, signature: slackSignature(TEST_SIGNING_SECRET, ts, b) };
      },
    ],
    [
      'a replayed body with a fresh timestamp (the signature covers the timestamp)',
      (b) => ({ timestamp: NOW_S(), signature: slackSignature(TEST_SIGNING_SECRET, NOW_S() - 30, b) }),
    ],
    [
      'a body altered after signing',
      (b) => {
        const ts = NOW_S();
        return { timestamp: ts, signature: slackSignature(TEST_SIGNING_SECRET, ts, b), body: `${b} ` };
      },
    ],
  ];

  const cases = Object.keys(KINDS).flatMap((kind) => BAD.map(([name, make]) => [kind, name, make] as const));

  it.each(cases)('%s with %s: 401, no Slack call, no row written', async (kind, _name, make) => {
    const req = KINDS[kind as keyof typeof KINDS]();
    const { body: altered, ...opts } = make(req.body);
    const before = { calls: t.fake.calls.length, rows: await counts() };
    const res = await t.slack.send(altered ?? req.body, req.type, opts);
    expect(res.status).toBe(401);
    expect(t.fake.calls.slice(before.calls)).toEqual([]);
    expect(await counts()).toEqual(before.rows);
  });

  it.each(Object.keys(KINDS))('%s signed and fresh: runs (the control)', async (kind) => {
    const req = KINDS[kind as keyof typeof KINDS]();
    const res = await t.slack.send(req.body, req.type);
    expect(res.status).toBe(200);
    await req.ran();
  });

  it.each<[string, number, string, () => string]>([
    ['malformed JSON', 400, 'application/json', () => '{not json'],
    ['a payload field that is not JSON', 400, FORM, () => 'payload=%7Bnot'],
    ['a content type Slack never sends', 400, 'text/plain', () => 'hello'],
    [
      'an interaction whose fields have the wrong types',
      200,
      FORM,
      () => `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: 'x', user: 5 }))}`,
    ],
  ])('signed but %s: %i, nothing run, nothing written', async (_name, status, type, body) => {
    const before = { calls: t.fake.calls.length, rows: await counts() };
    const res = await t.slack.send(body(), type);
    expect(res.status).toBe(status);
    await res.text();
    expect(t.fake.calls.slice(before.calls)).toEqual([]);
    expect(await counts()).toEqual(before.rows);
  });

  it('signed but a body over 4 MB: 413 before it is read, nothing run, nothing written', async () => {
    const before = { calls: t.fake.calls.length, rows: await counts() };
    const body = `payload=${'x'.repeat(5 * 1024 * 1024)}`;
    const ts = NOW_S();
    // A connection of its own: the receiver answers while the body is still being sent, and a
    // pooled connection left in that state would stall the next request.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        t.slack.url,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': FORM,
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': slackSignature(TEST_SIGNING_SECRET, ts, body),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
          req.destroy();
        },
      );
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end(body);
    });
    expect(status).toBe(413);
    expect(t.fake.calls.slice(before.calls)).toEqual([]);
    expect(await counts()).toEqual(before.rows);
  });

  it('refuses an unsigned url_verification challenge too (nothing is answered before the signature)', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'abc123', type: 'url_verification' });
    const res = await t.slack.send(body, 'application/json', { omit: ['x-slack-signature'] });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('abc123');
  });
});
