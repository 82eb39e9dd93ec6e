import type { Env } from '../cli/context.ts';
import type { Config } from '../config/schema.ts';
import type { Db } from '../db/connect.ts';
import type { Logger } from '../lib/logger.ts';

/** A Slack message as the renderers produce it: always a `text` fallback, blocks optional. */
export interface SlackMessage {
  text: string;
  blocks?: unknown[];
}

/**
 * What services need from Slack. Implemented by src/slack/gateway.ts over Bolt's WebClient,
 * and by the local preview (prints instead of posting). Services never import Bolt.
 */
export interface Messenger {
  post(channel: string, msg: SlackMessage & { threadTs?: string }): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, msg: SlackMessage): Promise<void>;
  postEphemeral(channel: string, user: string, msg: SlackMessage & { threadTs?: string }): Promise<void>;
  /** Opens (or reuses) the DM with a user and posts there. */
  dm(user: string, msg: SlackMessage): Promise<{ channel: string; ts: string }>;
  uploadFile(
    channel: string,
    file: { filename: string; data: Buffer; title: string; altText: string; threadTs?: string },
  ): Promise<void>;
  /** `#name` or id → channel id; throws an InputError naming the channel when it does not exist. */
  resolveChannel(nameOrId: string): Promise<string>;
  permalink(channel: string, ts: string): Promise<string | null>;
  userInfo(user: string): Promise<{ id: string; deleted: boolean; name?: string; tz?: string } | null>;
  usergroupMembers(group: string): Promise<string[]>;
}

/** Everything a use case needs, passed explicitly (the clock is a parameter, never `new Date()` inside). */
export interface ServiceDeps {
  db: Db;
  config: Config;
  configHash: string;
  logger: Logger;
  now: () => Date;
  env: Env;
  /** FINOPS_DATA_DIR, absolute. */
  dataDir: string;
}
