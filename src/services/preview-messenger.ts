/**
 * A Messenger (src/services/deps.ts) that posts nothing: it records every message, update, DM and
 * file the services send, in order, so the local preview can print them and write their payloads
 * to disk. Channels are given stable made-up ids, users come from a directory built from the
 * config (the demo's people, its finance viewers and admins), permalinks point at a made-up
 * workspace. The services cannot tell it from Slack.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { InputError } from '../lib/errors.ts';
import type { Messenger, SlackMessage } from './deps.ts';

export type PreviewKind = 'message' | 'update' | 'ephemeral' | 'dm' | 'file';

export interface PreviewFile {
  filename: string;
  data: Buffer;
  title: string;
  altText: string;
}

/** One thing the bot would have done in Slack. */
export interface PreviewPost {
  seq: number;
  kind: PreviewKind;
  /** Channel id (a DM's `D…` id for DMs). */
  channel: string;
  /** `#finops-review`, or `DM to Priya Natarajan`. */
  where: string;
  /** The message's ts (messages and DMs), or the ts updated. */
  ts: string | null;
  threadTs: string | null;
  /** The recipient of an ephemeral message or a DM. */
  user: string | null;
  message: SlackMessage | null;
  file: PreviewFile | null;
  /** The clock of the run that sent it. */
  at: Date;
}

export interface PreviewUser {
  id: string;
  name: string;
  /** The person's team in the config, when they have one. */
  team: string | null;
  level: string | null;
}

/** Who the preview's Slack knows: users by id, user groups by id. */
export interface PreviewDirectory {
  users: ReadonlyMap<string, PreviewUser>;
  groups: ReadonlyMap<string, string[]>;
  /** The made-up Slack id of a configured person (by GitHub login or email), if any. */
  idOf(person: { github?: string | undefined; email?: string | undefined }): string | undefined;
}

const WORKSPACE = 'https://acme-demo.slack.com';
/** Stands in for a person when the config names nobody; the directory always knows it. */
export const PREVIEW_USER_ID = 'U0PREVIEW1';

/**
 * A directory from the config: every person gets a stable made-up user id (`U0P` + a hash of the
 * login or email); finance viewers and admins listed by id are known under a role name; listed
 * user groups have the finance viewers listed by user id as their members.
 */
export function previewDirectory(config: Config): PreviewDirectory {
  const users = new Map<string, PreviewUser>();
  const byKey = new Map<string, string>();
  for (const p of config.people) {
    const key = (p.github ?? p.email ?? p.name ?? '').toLowerCase();
    const id = `U0P${createHash('sha256').update(key).digest('hex').slice(0, 7).toUpperCase()}`;
    users.set(id, { id, name: p.name ?? key, team: p.team ?? null, level: p.level ?? null });
    if (p.github) byKey.set(`gh:${p.github.toLowerCase()}`, id);
    if (p.email) byKey.set(`mail:${p.email.toLowerCase()}`, id);
  }
  const role = (ids: readonly string[], name: string) => {
    for (const id of ids) {
      if (!id.startsWith('S') && !users.has(id)) users.set(id, { id, name, team: null, level: null });
    }
  };
  role(config.access.finance_viewers, 'FP&A partner');
  role(config.access.admins, 'FinOps lead');
  role([PREVIEW_USER_ID], 'You (preview)');
  const groups = new Map<string, string[]>();
  const viewers = config.access.finance_viewers.filter((v) => !v.startsWith('S'));
  for (const g of [...config.access.finance_viewers, ...config.access.admins]) {
    if (g.startsWith('S')) groups.set(g, viewers);
  }
  return {
    users,
    groups,
    idOf(person) {
      return (
        (person.github ? byKey.get(`gh:${person.github.toLowerCase()}`) : undefined) ??
        (person.email ? byKey.get(`mail:${person.email.toLowerCase()}`) : undefined)
      );
    },
  };
}

export interface PreviewMessenger extends Messenger {
  /** Everything sent so far, in order. */
  readonly posts: readonly PreviewPost[];
  /** `#name` of a channel id this messenger handed out (or the id). */
  channelName(id: string): string;
  userName(id: string): string;
}

/** `now` is read for each message (the preview moves the clock between its scenes). */
export function createPreviewMessenger(directory: PreviewDirectory, now: () => Date): PreviewMessenger {
  const posts: PreviewPost[] = [];
  const channels = new Map<string, string>();
  let seq = 0;

  const channelName = (id: string) => channels.get(id) ?? id;
  const userName = (id: string) => directory.users.get(id)?.name ?? id;
  /** A ts Slack could have given: the clock's seconds, then a counter keeping them unique. */
  const nextTs = () => `${Math.floor(now().getTime() / 1000)}.${String(seq).padStart(6, '0')}`;

  function record(p: Omit<PreviewPost, 'seq' | 'at'>): PreviewPost {
    const post = { ...p, seq: ++seq, at: now() };
    posts.push(post);
    return post;
  }

  return {
    posts,
    channelName,
    userName,
    async resolveChannel(nameOrId) {
      if (!nameOrId.startsWith('#')) return nameOrId;
      const name = nameOrId.slice(1);
      if (name === '') throw new InputError('channel_not_found', `channel "${nameOrId}" not found`);
      const id = `C0${createHash('sha256').update(name).digest('hex').slice(0, 8).toUpperCase()}`;
      channels.set(id, nameOrId);
      return id;
    },
    async post(channel, msg) {
      const p = record({
        kind: 'message',
        channel,
        where: channelName(channel),
        ts: nextTs(),
        threadTs: msg.threadTs ?? null,
        user: null,
        message: { text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) },
        file: null,
      });
      return { channel, ts: p.ts as string };
    },
    async update(channel, ts, msg) {
      record({
        kind: 'update',
        channel,
        where: channelName(channel),
        ts,
        threadTs: null,
        user: null,
        message: msg,
        file: null,
      });
    },
    async postEphemeral(channel, user, msg) {
      record({
        kind: 'ephemeral',
        channel,
        where: `${channelName(channel)}, only ${userName(user)} sees it`,
        ts: null,
        threadTs: msg.threadTs ?? null,
        user,
        message: { text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) },
        file: null,
      });
    },
    async dm(user, msg) {
      const channel = `D${user.slice(1)}`;
      const p = record({
        kind: 'dm',
        channel,
        where: `DM to ${userName(user)}`,
        ts: nextTs(),
        threadTs: null,
        user,
        message: msg,
        file: null,
      });
      return { channel, ts: p.ts as string };
    },
    async uploadFile(channel, file) {
      record({
        kind: 'file',
        channel,
        where: channelName(channel),
        ts: null,
        threadTs: file.threadTs ?? null,
        user: null,
        message: null,
        file: { filename: file.filename, data: file.data, title: file.title, altText: file.altText },
      });
    },
    async permalink(channel, ts) {
      return `${WORKSPACE}/archives/${channel}/p${ts.replace('.', '')}`;
    },
    async userInfo(user) {
      const u = directory.users.get(user);
      return u ? { id: u.id, deleted: false, name: u.name } : null;
    },
    async usergroupMembers(group) {
      return directory.groups.get(group) ?? [];
    },
  };
}
