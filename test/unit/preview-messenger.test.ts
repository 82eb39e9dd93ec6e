import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { demoConfig } from '../../src/services/demo/config.ts';
import {
  createPreviewMessenger,
  PREVIEW_USER_ID,
  previewDirectory,
} from '../../src/services/preview-messenger.ts';

const AT = new Date('2026-10-17T05:30:00Z');

describe('the preview messenger', () => {
  const { config } = demoConfig();
  const directory = previewDirectory(config);

  it('knows every configured person under a stable made-up id, the access lists by role, and a stand-in', () => {
    expect(directory.users.size).toBe(config.people.length + 3);
    const priya = directory.idOf({ github: 'PNatarajan' });
    expect(priya).toMatch(/^U0P[0-9A-F]{7}$/);
    expect(directory.idOf({ email: 'priya.natarajan@acme.example' })).toBe(priya);
    expect(directory.users.get(priya as string)).toEqual({
      id: priya,
      name: 'Priya Natarajan',
      team: 'discovery',
      level: 'staff',
    });
    expect(previewDirectory(config).idOf({ github: 'pnatarajan' })).toBe(priya);
    expect(directory.users.get('U0DEMOFIN1')?.name).toBe('FP&A partner');
    expect(directory.users.get('U0DEMOADM1')?.name).toBe('FinOps lead');
    expect(directory.users.get(PREVIEW_USER_ID)?.name).toBe('You (preview)');
    expect(directory.idOf({ github: 'nobody' })).toBeUndefined();
  });

  it('records posts, thread replies, updates, ephemerals, DMs and files in order, and answers like Slack', async () => {
    const m = createPreviewMessenger(directory, () => AT);
    const channel = await m.resolveChannel('#team-discovery');
    expect(channel).toMatch(/^C0[0-9A-F]{8}$/);
    expect(await m.resolveChannel('#team-discovery')).toBe(channel);
    expect(await m.resolveChannel('C0123ABC')).toBe('C0123ABC');
    await expect(m.resolveChannel('#')).rejects.toBeInstanceOf(InputError);
    expect(m.channelName(channel)).toBe('#team-discovery');

    const parent = await m.post(channel, { text: 'alert', blocks: [{ type: 'divider' }] });
    expect(parent).toEqual({ channel, ts: '1792215000.000000' });
    const reply = await m.post(channel, { text: 'reply', threadTs: parent.ts });
    await m.update(channel, parent.ts, { text: 'alert, updated' });
    const priya = directory.idOf({ github: 'pnatarajan' }) as string;
    await m.postEphemeral(channel, priya, { text: 'only you' });
    const dm = await m.dm(priya, { text: 'reminder' });
    await m.uploadFile(channel, {
      filename: 'c.png',
      data: Buffer.from('png'),
      title: 'Chart',
      altText: 'bars',
      threadTs: parent.ts,
    });
    expect(reply.ts).toBe('1792215000.000001');
    expect(dm).toEqual({ channel: `D${priya.slice(1)}`, ts: '1792215000.000004' });
    expect(
      m.posts.map((p) => [p.seq, p.kind, p.where, p.threadTs, p.message?.text ?? p.file?.filename]),
    ).toEqual([
      [1, 'message', '#team-discovery', null, 'alert'],
      [2, 'message', '#team-discovery', parent.ts, 'reply'],
      [3, 'update', '#team-discovery', null, 'alert, updated'],
      [4, 'ephemeral', '#team-discovery, only Priya Natarajan sees it', null, 'only you'],
      [5, 'dm', 'DM to Priya Natarajan', null, 'reminder'],
      [6, 'file', '#team-discovery', parent.ts, 'c.png'],
    ]);
    expect(m.posts[0]?.message).toEqual({ text: 'alert', blocks: [{ type: 'divider' }] });
    expect(await m.permalink(channel, parent.ts)).toBe(
      `https://acme-demo.slack.com/archives/${channel}/p1792215000000000`,
    );
    expect(await m.userInfo(priya)).toEqual({ id: priya, deleted: false, name: 'Priya Natarajan' });
    expect(await m.userInfo('UNKNOWN')).toBeNull();
    expect(await m.usergroupMembers('S0NONE')).toEqual([]);
  });
});
