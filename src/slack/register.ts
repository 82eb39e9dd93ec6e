/**
 * Wires every listener onto the Bolt app. Each surface folder exports `register(app, slack)`;
 * listeners ack, call one service, render and send (no SQL or Block Kit literals in them).
 */
import type { App } from '@slack/bolt';
import { register as registerCommands } from '../commands/index.ts';
import { register as registerEvents } from '../events/index.ts';
import { register as registerInteractions } from '../interactions/index.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { Access } from './access.ts';
import { authorizeRequests } from './authorize.ts';
import type { SlackGateway } from './gateway.ts';

/** Channels from the config, resolved to ids once at start-up. */
export interface ResolvedChannels {
  /** review.channel */
  review: string;
  /** team id → its channel id (teams without a channel are absent). */
  teams: ReadonlyMap<string, string>;
}

/** What every listener gets. */
export interface SlackDeps {
  deps: ServiceDeps;
  gateway: SlackGateway;
  access: Access;
  channels: ResolvedChannels;
}

export function registerListeners(app: App, slack: SlackDeps): void {
  // Before any listener: every request is a surface the policy (policy.ts) allows, or refused.
  app.use(authorizeRequests({ access: slack.access, config: slack.deps.config, logger: slack.deps.logger }));
  registerCommands(app, slack);
  registerInteractions(app, slack);
  registerEvents(app, slack);
  app.error(async (err) => {
    slack.deps.logger.error('unhandled error in a Slack listener', { error: err });
  });
}
