import { renderSyncFinished, renderSyncStarted } from '../blocks/figures.ts';
import { sourcesFor, syncSources } from '../services/sync-sources.ts';
import type { CommandHandler } from './types.ts';

/**
 * `/finops sync [github|pagerduty|focus|openai|anthropic|all]` (admins: src/slack/policy.ts, checked before any
 * listener runs): says it started, runs the ingestion, and
 * answers again when it finishes (response_url stays valid for 30 minutes).
 */
export const handle: CommandHandler<'sync'> = async (ctx) => {
  const { slack, command } = ctx;
  await ctx.respond(renderSyncStarted(sourcesFor(command.source)));
  const reports = await syncSources(slack.deps, command.source);
  return { message: renderSyncFinished(reports), share: null };
};
