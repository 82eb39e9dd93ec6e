import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.ts';

const BASE = `
timezone: Europe/Berlin
rates:
  - effective_from: 2026-01-01
    levels: { junior: 70, mid: 95, senior: 125, staff: 150, principal: 180 }
teams:
  - { id: payments, channel: "#team-payments" }
  - { id: search }
product_lines:
  - { id: checkout, team: payments, repos: ["acme/checkout-api"] }
  - { id: search-ai, team: search, repos: ["acme/monorepo:services/search/**"] }
`;

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, 'finops.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  it('accepts the minimal config and fills every default from SPEC §3', () => {
    const { config, hash } = parseConfigText(BASE);
    expect(config.currency).toBe('USD');
    expect(config.review).toEqual({
      channel: '#finops-review',
      schedule: '0 9 2 * *',
      show_margin_in_channel: false,
    });
    expect(config.default_level).toBe('mid');
    expect(config.senior_levels).toEqual(['senior', 'staff', 'principal']);
    expect(config.people).toEqual([]);
    expect(config.access).toEqual({ finance_viewers: [], admins: [] });
    expect(config.shared_costs).toEqual([]);
    expect(config.sources).toEqual({});
    expect(config.model).toEqual({
      session_gap_minutes: 120,
      first_event_minutes: 30,
      incident_cap_hours: 8,
      ci_cost_per_minute: 0.008,
      cost_metric: 'EffectiveCost',
      rework_labels: ['bug', 'hotfix', 'regression', 'revert'],
      test_paths: [
        '**/test/**',
        '**/tests/**',
        '**/__tests__/**',
        '**/*.test.*',
        '**/*.spec.*',
        '**/*_test.*',
      ],
      cogs_stages: ['review', 'qa', 'deploy', 'incident', 'rework'],
    });
    expect(config.anomalies).toMatchObject({ min_impact: 50, min_increase_pct: 20, mad_k: 3 });
    expect(config.drift).toEqual({ margin_pp: 2, stage_share_pp: 5 });
    expect(config.rates[0]?.effective_from).toBe('2026-01-01');
    expect(config.product_lines[0]?.cost).toEqual({ tags: {}, sub_accounts: [] });
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.isFrozen(config.product_lines[0])).toBe(true);
  });

  it('accepts the complete commented example', () => {
    const { config } = parseConfigText(readFileSync('examples/finops.example.yml', 'utf8'));
    expect(config.product_lines.map((p) => p.id)).toEqual(['checkout', 'search-ai']);
    expect(config.sources.github?.token_env).toBe('GITHUB_TOKEN');
  });

  it('gives the same hash for the same content and a different one for a changed rate', () => {
    expect(parseConfigText(BASE).hash).toBe(parseConfigText(BASE).hash);
    expect(parseConfigText(BASE.replace('mid: 95', 'mid: 96')).hash).not.toBe(parseConfigText(BASE).hash);
  });

  const cases: Array<[string, string, string[]]> = [
    [
      'unknown team',
      BASE.replace('team: search, repos', 'team: serch, repos'),
      ['product_lines[1].team: unknown team "serch" (teams: payments, search)'],
    ],
    [
      'duplicate product line id',
      BASE.replace('id: search-ai', 'id: checkout'),
      ['product_lines[1].id: duplicate id "checkout"'],
    ],
    [
      'duplicate team id',
      BASE.replace('{ id: search }', '{ id: payments }'),
      [
        'teams[1].id: duplicate id "payments"',
        'product_lines[1].team: unknown team "search" (teams: payments, payments)',
      ],
    ],
    [
      'malformed repo spec',
      BASE.replace('"acme/checkout-api"', '"checkout-api"'),
      ['product_lines[0].repos[0]: expected "owner/name" or "owner/name:glob"'],
    ],
    [
      'empty monorepo glob',
      BASE.replace('services/search/**', ''),
      ['product_lines[1].repos[0]: expected "owner/name" or "owner/name:glob"'],
    ],
    [
      'bad cron expression',
      `${BASE}review: { schedule: "0 25 * * *" }\n`,
      ['review.schedule: invalid cron expression "0 25 * * *" (five fields: minute hour day month weekday)'],
    ],
    [
      'bad timezone',
      BASE.replace('Europe/Berlin', 'Europe/Berln'),
      ['timezone: unknown time zone "Europe/Berln" (use an IANA name like "Europe/Berlin")'],
    ],
    [
      'rate card without the default level',
      BASE.replace('mid: 95, ', ''),
      ['rates[0].levels: missing the default level "mid" (levels here: junior, senior, staff, principal)'],
    ],
    [
      'person with an unknown level',
      `${BASE}people:\n  - { github: ada, level: wizard }\n`,
      ['people[0].level: unknown level "wizard" (levels: junior, mid, principal, senior, staff)'],
    ],
    [
      'person with neither login nor email',
      `${BASE}people:\n  - { name: Nobody }\n`,
      ['people[0]: a person needs a github login or an email'],
    ],
    [
      'channel that is neither #name nor id',
      BASE.replace('"#team-payments"', '"team payments"'),
      ['teams[0].channel: expected a channel "#name" (lower case) or a channel id like "C0123ABCD"'],
    ],
    [
      'unknown key (a typo)',
      `${BASE}modle: { session_gap_minutes: 60 }\n`,
      ['(top level): unknown key(s) "modle"'],
    ],
    [
      'missing required keys',
      'timezone: UTC\n',
      ['rates: required (array)', 'teams: required (array)', 'product_lines: required (array)'],
    ],
    [
      'wrong cost metric',
      `${BASE}model: { cost_metric: ListCost }\n`,
      ['model.cost_metric: Invalid option: expected one of "EffectiveCost"|"BilledCost"'],
    ],
    [
      'secret in the file instead of an env name',
      `${BASE}sources: { github: { token_env: "ghp_abc123" } }\n`,
      [
        'sources.github.token_env: expected the NAME of an environment variable (secrets never live in this file)',
      ],
    ],
    [
      'senior level not on the rate card',
      `${BASE}senior_levels: [senior, lead]\n`,
      ['senior_levels[1]: unknown level "lead" (levels: junior, mid, principal, senior, staff)'],
    ],
    [
      'bad rate date',
      BASE.replace('2026-01-01', '2026-13-01'),
      ['rates[0].effective_from: expected a date YYYY-MM-DD, got "2026-13-01"'],
    ],
  ];

  it.each(cases)('rejects %s with a message naming the path', (_name, yaml, expected) => {
    expect(problems(yaml)).toEqual(expected);
  });

  it('lists every problem of a file at once, shape and cross-reference problems together', () => {
    const yaml = BASE.replace('team: search, repos', 'team: serch, repos').replace(
      '"acme/checkout-api"',
      '"nope"',
    );
    expect(problems(yaml)).toEqual([
      'product_lines[0].repos[0]: expected "owner/name" or "owner/name:glob"',
      'product_lines[1].team: unknown team "serch" (teams: payments, search)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const p = problems('timezone: [unclosed\n');
    expect(p[0]).toMatch(/^line \d+, column \d+: /);
  });
});
