import type { SlackDeps } from '../slack/register.ts';

/** The team whose configured channel this is, if any (commands default to that team's product lines). */
export function teamOfChannel(slack: Pick<SlackDeps, 'channels'>, channelId: string): string | undefined {
  for (const [team, id] of slack.channels.teams) if (id === channelId) return team;
  return undefined;
}
