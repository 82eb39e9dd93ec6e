/**
 * manifest.yml is what an admin pastes into "Create app from manifest": it must match the ids the
 * app listens on, stay within Slack's manifest limits, and explain every scope.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENTS_PATH } from '../../src/slack/bolt.ts';
import { CALLBACK_IDS, SLASH_COMMAND } from '../../src/slack/ids.ts';

const text = readFileSync('manifest.yml', 'utf8');
const m = parse(text) as {
  _metadata: { major_version: number };
  display_information: { name: string; description: string; long_description: string };
  features: {
    app_home: { home_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: Array<{
      command: string;
      url: string;
      usage_hint: string;
      description: string;
      should_escape: boolean;
    }>;
    shortcuts: Array<{ name: string; type: string; callback_id: string; description: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
};

describe('manifest.yml', () => {
  it('declares /finops, the message shortcut and the App Home with the ids the app uses', () => {
    const [cmd] = m.features.slash_commands;
    expect(cmd?.command).toBe(SLASH_COMMAND);
    expect(cmd?.should_escape).toBe(true);
    expect(cmd?.usage_hint).toContain('margin [PRODUCT] [YYYY-MM]');
    expect(m.features.shortcuts).toEqual([
      expect.objectContaining({
        type: 'message',
        name: 'Log as FinOps action',
        callback_id: CALLBACK_IDS.logAsActionShortcut,
      }),
    ]);
    expect(m.features.app_home.home_tab_enabled).toBe(true);
    expect(m.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.socket_mode_enabled).toBe(false);
  });

  it('sends every request to the receiver path', () => {
    const urls = [
      m.features.slash_commands[0]?.url,
      m.settings.event_subscriptions.request_url,
      m.settings.interactivity.request_url,
    ];
    for (const u of urls) expect(new URL(u as string).pathname).toBe(EVENTS_PATH);
  });

  it('stays within Slack manifest limits', () => {
    expect(m._metadata.major_version).toBe(1);
    expect(m.display_information.name.length).toBeLessThanOrEqual(35);
    expect(m.display_information.description.length).toBeLessThanOrEqual(140);
    expect(m.display_information.long_description.length).toBeGreaterThanOrEqual(175);
    expect(m.display_information.long_description.length).toBeLessThanOrEqual(4000);
    expect(m.features.bot_user.display_name).toMatch(/^[a-z0-9._-]{1,80}$/);
    expect(m.features.slash_commands[0]?.description.length).toBeLessThanOrEqual(100);
    expect(m.features.slash_commands[0]?.usage_hint.length).toBeLessThanOrEqual(1000);
    expect(m.features.shortcuts[0]?.description.length).toBeLessThanOrEqual(150);
  });

  it('asks for exactly the bot scopes the bot uses, each with a comment saying why', () => {
    expect([...m.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:read',
        'chat:write',
        'chat:write.public',
        'commands',
        'files:write',
        'groups:read',
        'im:write',
        'usergroups:read',
        'users:read',
        'users:read.email',
      ].sort(),
    );
    // The lines of the `bot:` scope list, each `- scope # why`.
    const list = text.slice(text.indexOf('\n    bot:\n'), text.indexOf('\nsettings:'));
    const explained = new Map(
      [...list.matchAll(/^\s+- (\S+)\s*(?:#\s*(.*))?$/gm)].map((x) => [x[1] as string, x[2] ?? '']),
    );
    expect([...explained.keys()].sort()).toEqual([...m.oauth_config.scopes.bot].sort());
    for (const scope of m.oauth_config.scopes.bot)
      expect(explained.get(scope)?.length ?? 0, scope).toBeGreaterThan(20);
  });
});
