/**
 * The local preview: what `finops start` does without Slack tokens. For now it reports what it
 * runs on and how to connect Slack; printing the review locally replaces this body later.
 */
import path from 'node:path';
import type { ServiceDeps } from './deps.ts';

export interface PreviewOptions {
  /** Keep running and refresh (the preview's own option; reserved). */
  watch?: boolean;
}

/** Returns the exit status. */
export async function runLocalPreview(
  deps: ServiceDeps,
  io: { stdout(text: string): void },
  _opts: PreviewOptions = {},
): Promise<number> {
  const database = deps.env['DATABASE_URL']
    ? 'Postgres (DATABASE_URL)'
    : `the embedded database (PGlite) in ${path.join(deps.dataDir, 'db')}`;
  const c = deps.config;
  io.stdout(
    [
      'finops-review: no SLACK_BOT_TOKEN set, so this is the local preview (nothing is posted to Slack).',
      `  database:  ${database}`,
      `  data dir:  ${deps.dataDir}`,
      `  config:    ${c.product_lines.length} product line(s), ${c.teams.length} team(s), timezone ${c.timezone}`,
      '',
      'To connect Slack:',
      '  1. api.slack.com/apps → Create New App → From a manifest → paste manifest.yml; install it to the workspace.',
      '  2. HTTP: set SLACK_BOT_TOKEN (xoxb-…) and SLACK_SIGNING_SECRET, and point the request URLs at',
      '     https://<your host>/slack/events (PORT, default 3000).',
      '     Socket Mode (no public URL): set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (xapp-…, scope connections:write)',
      '     and set settings.socket_mode_enabled: true in the manifest.',
      '  3. Run finops start again.',
      '',
    ].join('\n'),
  );
  return 0;
}
