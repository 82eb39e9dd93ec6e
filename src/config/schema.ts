import cron from 'node-cron';
import { z } from 'zod';
import { isDay, isValidTimezone } from '../lib/dates.ts';
import { FOCUS_SERVICE_CATEGORIES } from '../lib/focus.ts';

/** The SDLC stages, in the order they appear in every report. */
export const STAGES = ['authoring', 'review', 'qa', 'deploy', 'incident', 'rework'] as const;
export type Stage = (typeof STAGES)[number];

const REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** `#name`, or a channel id (`C…` public, `G…` private, `D…` DM). */
const CHANNEL_RE = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$/;
/** At most 64 characters: ids travel in Slack option values (150) and button values. */
const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const channel = z.string().regex(CHANNEL_RE, {
  error: 'expected a channel "#name" (lower case) or a channel id like "C0123ABCD"',
});
const id = z.string().regex(ID_RE, {
  error: 'expected an id of up to 64 lower-case letters, digits, "-" or "_" (for example "checkout")',
});
/** A display name: shown as option text in forms, where Slack refuses empty text. */
const displayName = z.string().regex(/\S/, { error: 'expected a name with at least one visible character' });
const cronExpr = z.string().refine((s) => cron.validate(s), {
  error: (iss) =>
    `invalid cron expression ${JSON.stringify(iss.input)} (five fields: minute hour day month weekday)`,
});
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  error: 'expected the NAME of an environment variable (secrets never live in this file)',
});
const dayString = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
  if (!isDay(s)) {
    ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return s;
});
const positive = z.number().positive();
const pct = z.number().min(0).max(100);
/** Trailing days an AI vendor's cost API is read again on every run (vendors revise recent days). */
const restateDays = z.number().int().min(1).max(90).default(7);
const tagMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

export const repoSpec = z.string().refine(
  (s) => {
    const [repo, ...rest] = s.split(':');
    const glob = rest.join(':');
    return REPO_RE.test(repo ?? '') && (rest.length === 0 || glob.length > 0);
  },
  { error: 'expected "owner/name" or "owner/name:glob"' },
);

const costRules = z.strictObject({
  tags: tagMap.default({}),
  sub_accounts: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
});

export const configSchema = z.strictObject({
  timezone: z.string().refine(isValidTimezone, {
    error: (iss) => `unknown time zone ${JSON.stringify(iss.input)} (use an IANA name like "Europe/Berlin")`,
  }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 code like "USD"' })
    .default('USD'),
  review: z
    .strictObject({
      channel: channel.default('#finops-review'),
      schedule: cronExpr.default('0 9 2 * *'),
      show_margin_in_channel: z.boolean().default(false),
    })
    .prefault({}),
  access: z
    .strictObject({
      finance_viewers: z
        .array(
          z.string().regex(/^[USW][A-Z0-9]{2,}$/, { error: 'expected a user id (U…) or user-group id (S…)' }),
        )
        .default([]),
      admins: z
        .array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, { error: 'expected a user id (U…)' }))
        .default([]),
    })
    .prefault({}),
  rates: z
    .array(
      z.strictObject({
        effective_from: dayString,
        levels: z.record(id, positive),
      }),
    )
    .min(1, { error: 'at least one rate card is needed' }),
  default_level: id.default('mid'),
  senior_levels: z.array(id).default(['senior', 'staff', 'principal']),
  teams: z.array(z.strictObject({ id, name: displayName.optional(), channel: channel.optional() })).min(1),
  people: z
    .array(
      z
        .strictObject({
          name: z.string().optional(),
          github: z.string().min(1).optional(),
          email: z.string().min(3).optional(),
          level: id.optional(),
          team: id.optional(),
          slack: z
            .string()
            .regex(/^[UW][A-Z0-9]{2,}$/, { error: 'expected a Slack user id (U…)' })
            .optional(),
        })
        .refine((p) => p.github !== undefined || p.email !== undefined, {
          error: 'a person needs a github login or an email',
        }),
    )
    .default([]),
  product_lines: z
    .array(
      z.strictObject({
        id,
        name: displayName.optional(),
        team: id,
        repos: z.array(repoSpec).default([]),
        pagerduty_services: z.array(z.string().min(1)).default([]),
        cost: costRules.prefault({}),
      }),
    )
    .min(1),
  shared_costs: z
    .array(
      z.strictObject({
        match: costRules.extend({ service_names: z.array(z.string()).default([]) }),
        split: z.enum(['proportional', 'even']).default('proportional'),
      }),
    )
    .default([]),
  sources: z
    .strictObject({
      github: z
        .strictObject({
          token_env: envName.default('GITHUB_TOKEN'),
          backfill_months: z.number().int().min(1).max(36).default(6),
        })
        .optional(),
      pagerduty: z.strictObject({ token_env: envName.default('PAGERDUTY_TOKEN') }).optional(),
      focus: z.strictObject({ paths: z.array(z.string().min(1)).default([]) }).optional(),
      revenue: z.strictObject({ path: z.string().min(1) }).optional(),
      openai: z
        .strictObject({ key_env: envName.default('OPENAI_ADMIN_KEY'), restate_days: restateDays })
        .optional(),
      anthropic: z
        .strictObject({ key_env: envName.default('ANTHROPIC_ADMIN_KEY'), restate_days: restateDays })
        .optional(),
    })
    .default({}),
  model: z
    .strictObject({
      session_gap_minutes: positive.default(120),
      first_event_minutes: positive.default(30),
      incident_cap_hours: positive.default(8),
      ci_cost_per_minute: z.number().min(0).default(0.008),
      cost_metric: z.enum(['EffectiveCost', 'BilledCost']).default('EffectiveCost'),
      rework_labels: z.array(z.string()).default(['bug', 'hotfix', 'regression', 'revert']),
      test_paths: z
        .array(z.string())
        .default([
          '**/test/**',
          '**/tests/**',
          '**/__tests__/**',
          '**/*.test.*',
          '**/*.spec.*',
          '**/*_test.*',
        ]),
      cogs_stages: z.array(z.enum(STAGES)).default(['review', 'qa', 'deploy', 'incident', 'rework']),
    })
    .prefault({}),
  anomalies: z
    .strictObject({
      min_impact: z.number().min(0).default(50),
      min_increase_pct: z.number().min(0).default(20),
      mad_k: z.number().min(0).default(3),
      expected_suppress_days: z.number().int().min(0).default(7),
      max_alerts_per_channel_per_day: z.number().int().min(1).default(10),
      // Labour-side spikes (issue 9): weekly incident hours above factor × the trailing median.
      labor_spike_factor: z.number().positive().default(2),
      labor_spike_weeks: z.number().int().min(1).default(8),
      labor_spike_min_hours: z.number().min(0).default(0),
    })
    .prefault({}),
  drift: z
    .strictObject({ margin_pp: z.number().min(0).default(2), stage_share_pp: z.number().min(0).default(5) })
    .prefault({}),
  actions: z
    .strictObject({
      reminder_schedule: cronExpr.default('0 9 * * 1-5'),
      digest_schedule: cronExpr.default('0 9 * * 1'),
    })
    .prefault({}),
  allocation: z
    .strictObject({ target_unallocated_pct: pct.default(5), hygiene_schedule: cronExpr.default('0 9 * * 1') })
    .prefault({}),
  commitments: z
    .strictObject({
      // Services commitments can cover; their on-demand cost is the rest of coverage's denominator.
      eligible_service_categories: z
        .array(z.enum(FOCUS_SERVICE_CATEGORIES))
        .default(['Compute', 'Databases']),
    })
    .prefault({}),
  forecast: z
    .strictObject({ alert_pct: z.number().min(0).default(15), schedule: cronExpr.default('0 9 15 * *') })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProductLineConfig = Config['product_lines'][number];
export type PersonConfig = Config['people'][number];
export type RateCard = Config['rates'][number];

/** Cross-references zod cannot express field by field. Each problem is `[path, message]`. */
export function crossCheck(c: Config): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const dupes = (items: Array<{ id: string }>, key: string) => {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      if (seen.has(it.id)) problems.push([[key, i, 'id'], `duplicate id "${it.id}"`]);
      seen.add(it.id);
    });
  };
  dupes(c.teams, 'teams');
  dupes(c.product_lines, 'product_lines');

  const teamIds = c.teams.map((t) => t.id);
  const levels = new Set<string>();
  c.rates.forEach((r) => {
    for (const l of Object.keys(r.levels)) levels.add(l);
  });
  const levelList = [...levels].sort().join(', ');

  c.rates.forEach((r, i) => {
    if (r.levels[c.default_level] === undefined) {
      problems.push([
        ['rates', i, 'levels'],
        `missing the default level "${c.default_level}" (levels here: ${Object.keys(r.levels).join(', ')})`,
      ]);
    }
  });
  const dates = c.rates.map((r) => r.effective_from);
  dates.forEach((d, i) => {
    if (dates.indexOf(d) !== i)
      problems.push([['rates', i, 'effective_from'], `duplicate rate card date ${d}`]);
  });
  c.senior_levels.forEach((l, i) => {
    if (!levels.has(l)) problems.push([['senior_levels', i], `unknown level "${l}" (levels: ${levelList})`]);
  });
  const unknownTeam = (t: string) => `unknown team "${t}" (teams: ${teamIds.join(', ')})`;
  c.product_lines.forEach((p, i) => {
    if (!teamIds.includes(p.team)) problems.push([['product_lines', i, 'team'], unknownTeam(p.team)]);
  });
  const logins = new Map<string, number>();
  const emails = new Map<string, number>();
  c.people.forEach((p, i) => {
    if (p.level !== undefined && !levels.has(p.level)) {
      problems.push([['people', i, 'level'], `unknown level "${p.level}" (levels: ${levelList})`]);
    }
    if (p.team !== undefined && !teamIds.includes(p.team))
      problems.push([['people', i, 'team'], unknownTeam(p.team)]);
    if (p.github !== undefined) {
      const k = p.github.toLowerCase();
      if (logins.has(k))
        problems.push([
          ['people', i, 'github'],
          `github login "${p.github}" is already used by people[${logins.get(k)}]`,
        ]);
      logins.set(k, i);
    }
    if (p.email !== undefined) {
      const k = p.email.toLowerCase();
      if (emails.has(k))
        problems.push([
          ['people', i, 'email'],
          `email "${p.email}" is already used by people[${emails.get(k)}]`,
        ]);
      emails.set(k, i);
    }
  });
  return problems;
}

/** `['product_lines', 2, 'repos', 0]` → `product_lines[2].repos[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}
