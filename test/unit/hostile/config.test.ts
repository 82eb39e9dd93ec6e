/**
 * Hostile config files: YAML bombs and deep nesting, wrong types everywhere, secrets pasted into
 * the file, a huge file, binary garbage, language tags. Each is refused with a clear error naming
 * the file and what to fix (never a crash, never a hang), and the CLI exits 2 with it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/index.ts';
import { CONFIG_MAX_BYTES, ConfigError, loadConfigFile, parseConfigText } from '../../../src/config/load.ts';
import { InputError } from '../../../src/lib/errors.ts';

const VALID = `timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: &levels { mid: 95, senior: 125, staff: 150, principal: 180 }
  - effective_from: 2026-07-01
    levels: *levels
teams: [{ id: payments }]
product_lines: [{ id: checkout, team: payments }]
`;

const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(
    'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  )
  .join('\n');

function refusal(text: string): ConfigError {
  try {
    parseConfigText(text, 'finops.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the config was accepted');
}

describe('hostile config files', () => {
  it('accepts anchors and aliases used for what they are for', () => {
    const { config } = parseConfigText(VALID);
    expect(config.rates[1]?.levels).toEqual({ mid: 95, senior: 125, staff: 150, principal: 180 });
  });

  it('refuses a "billion laughs" alias bomb quickly with what to do', () => {
    const err = refusal(BOMB);
    expect(err.message).toBe(
      'finops.yml: yaml: Excessive alias count indicates a resource exhaustion attack: aliases (*name) expand to too much data; write the values out instead of nesting aliases',
    );
  });

  it('refuses nesting too deep to parse, listing at most 20 problems', () => {
    const err = refusal(`a: ${'['.repeat(50_000)}`);
    expect(err.problems.length).toBeLessThanOrEqual(21);
    expect(err.problems[0]).toMatch(/^line 1, column \d+: /);
    expect(err.problems.at(-1)).toMatch(/^yaml: …and \d+ more error\(s\) after these$/);
  });

  it('names every wrongly typed key by its path', () => {
    const err = refusal('timezone: 12\nrates: "cheap"\nteams: {}\nproduct_lines: 5\ncurrency: [1]\n');
    expect(err.problems).toEqual([
      'timezone: Invalid input: expected string, received number',
      'currency: Invalid input: expected string, received array',
      'rates: Invalid input: expected array, received string',
      'teams: Invalid input: expected array, received object',
      'product_lines: Invalid input: expected array, received number',
    ]);
  });

  it.each([
    [
      'sources.github.token',
      `${VALID}sources: { github: { token: ghp_abc123 } }\n`,
      'sources.github: unknown key(s) "token"',
    ],
    [
      'a top-level slack_bot_token',
      `${VALID}slack_bot_token: xoxb-1-2-3\n`,
      '(top level): unknown key(s) "slack_bot_token"',
    ],
    [
      'sources.pagerduty.api_key',
      `${VALID}sources: { pagerduty: { api_key: abc } }\n`,
      'sources.pagerduty: unknown key(s) "api_key"',
    ],
  ])('refuses a secret pasted into the file (%s) and says where secrets go', (_name, text, start) => {
    const err = refusal(text);
    expect(err.problems).toEqual([
      `${start}: secrets never live in this file; put the value in an environment variable and name it (token_env: MY_TOKEN)`,
    ]);
  });

  it.each([
    ['sources.github.token_env', `${VALID}sources: { github: { token_env: "ghp_abc123" } }\n`],
    ['sources.pagerduty.token_env', `${VALID}sources: { pagerduty: { token_env: "u+AbCdEf-123" } }\n`],
    ['sources.openai.key_env', `${VALID}sources: { openai: { key_env: "sk-admin-abc" } }\n`],
  ])('refuses a secret value where the NAME of a variable belongs (%s)', (where, text) => {
    expect(refusal(text).problems).toEqual([
      `${where}: expected the NAME of an environment variable (secrets never live in this file)`,
    ]);
  });

  it('refuses ids and names Slack forms could not carry (option values ≤ 150, option text not empty)', () => {
    const long = 'a'.repeat(65);
    const err = refusal(
      VALID.replace(
        'product_lines: [{ id: checkout, team: payments }]',
        `product_lines: [{ id: ${long}, name: "  ", team: payments }]`,
      ),
    );
    expect(err.problems).toEqual([
      'product_lines[0].id: expected an id of up to 64 lower-case letters, digits, "-" or "_" (for example "checkout")',
      'product_lines[0].name: expected a name with at least one visible character',
    ]);
    expect(
      parseConfigText(VALID.replace('id: checkout', `id: ${'a'.repeat(64)}`)).config.product_lines[0]?.id,
    ).toHaveLength(64);
  });

  it('treats language tags as data, never as code', () => {
    const err = refusal(`${VALID}x: !!js/function "function () { process.exit(9) }"\n`);
    expect(err.problems).toEqual(['(top level): unknown key(s) "x"']);
  });

  it('refuses binary garbage as not a mapping', () => {
    const err = refusal('\u0000\u0001\u0002\u00ff\ufffd garbage');
    expect(err.problems[0]).toMatch(/^\(top level\): |^line 1/);
  });

  it('refuses a file over the size limit without reading it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-hostile-config-'));
    const file = path.join(dir, 'finops.yml');
    // Generated here: a valid start, then a long comment past the limit.
    writeFileSync(file, `${VALID}# ${'x'.repeat(CONFIG_MAX_BYTES)}\n`);
    let err: unknown;
    try {
      loadConfigFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('config_too_large');
    expect((err as Error).message).toBe(
      `config file ${file} is 4.0 MB, more than a config can be (4 MB): check FINOPS_CONFIG points at finops.yml`,
    );
  });

  it('the CLI exits 2 with one line per problem for a bomb', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-hostile-config-'));
    const file = path.join(dir, 'finops.yml');
    writeFileSync(file, BOMB);
    const err: string[] = [];
    const code = await runCli(
      ['jobs', 'list'],
      { FINOPS_CONFIG: file, FINOPS_DATA_DIR: path.join(dir, 'data') },
      { stdout: () => {}, stderr: (t) => err.push(t), isTty: false },
    );
    expect(code).toBe(2);
    expect(err.join('')).toContain(`${file}: yaml: Excessive alias count`);
  });
});
