/**
 * docs/slack.md lists every Slack surface with the permission it needs. It cannot fall behind the
 * code silently: every action id, modal or shortcut callback id, /finops subcommand, manifest bot
 * scope and subscribed event must be named in it, and it names no scope the manifest lacks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/commands/parser.ts';
import { ACTION_IDS, CALLBACK_IDS } from '../../src/slack/ids.ts';

const doc = readFileSync('docs/slack.md', 'utf8');
const manifest = parse(readFileSync('manifest.yml', 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
};

describe('docs/slack.md', () => {
  it('names every button and every modal or shortcut by its id', () => {
    const missing = [...Object.values(ACTION_IDS), ...Object.values(CALLBACK_IDS)].filter(
      (id) => !doc.includes(`\`${id}\``),
    );
    expect(missing).toEqual([]);
  });

  it('documents every /finops subcommand', () => {
    const missing = SUBCOMMANDS.filter((s) => !new RegExp(`\`/finops ${s}[ \`]`).test(doc));
    expect(missing).toEqual([]);
  });

  it('explains every bot scope and event of manifest.yml, and no scope the manifest does not request', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    expect(scopes.filter((s) => !doc.includes(`\`${s}\``))).toEqual([]);
    expect(manifest.settings.event_subscriptions.bot_events.filter((e) => !doc.includes(`\`${e}\``))).toEqual(
      [],
    );
    const scopeLike = [...doc.matchAll(/`([a-z]+:[a-z.]+)`/g)].map((m) => m[1] as string);
    // connections:write is the app-level token's scope (Socket Mode), not a bot scope.
    expect(scopeLike.filter((s) => !scopes.includes(s) && s !== 'connections:write')).toEqual([]);
  });
});
