import { createHash } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import { DemoDays, WorkCalendar } from './calendar.ts';
import type { Rng } from './random.ts';
import { adoptionAt, type DemoTimeline, DEMO_STORY } from './story.ts';

export const LEVEL_RANK: Record<string, number> = { junior: 0, mid: 1, senior: 2, staff: 3, principal: 4 };

export interface DemoPerson {
  name: string;
  login: string;
  email: string;
  level: string;
  team: string;
  /** Listed in the config (contractors are not: the model counts them as unmapped). */
  mapped: boolean;
  pdUserId: string;
  /** Product lines this person works on, with weights (the first is their main one). */
  lines: Array<{ id: string; weight: number }>;
  calendar: WorkCalendar;
  /** Day index from which they use the coding assistant; null: never during the demo. */
  adoptionDay: number | null;
}

export interface RepoTarget {
  repo: string;
  /** Directory a monorepo glob claims (`apps/checkout`), or '' for a whole repository. */
  base: string;
  lineId: string | null;
  flavour: Flavour;
}

export type Flavour = 'ts' | 'go' | 'py' | 'web' | 'mobile' | 'infra' | 'ui';

export interface DemoOrg {
  config: Config;
  timeline: DemoTimeline;
  days: DemoDays;
  people: DemoPerson[];
  byLogin: Map<string, DemoPerson>;
  /** Repository targets per product line id. */
  targets: Map<string, RepoTarget[]>;
  infra: RepoTarget;
  sharedUi: RepoTarget;
  /** Every repository the demo writes rows for. */
  repos: string[];
  /** PagerDuty service id → product line id. */
  services: Map<string, string>;
  /** A PagerDuty user the config does not list (a NOC operator). */
  noc: { id: string; email: string; name: string };
}

/** A repository no product line claims: infrastructure work is unallocated hours. */
export const INFRA_REPO = 'acme/infra';
const NOC_EMAIL = 'noc@acme.example';

/** Contractors who commit but are not in the config: their hours are unmapped. */
const CONTRACTORS = [
  {
    name: 'Miguel Garcia',
    login: 'ext-mgarcia',
    email: 'miguel@garcia-consulting.example',
    team: 'discovery',
  },
  { name: 'Sven Kuehn', login: 'sk-devpartner', email: 'sven@devpartner.example', team: 'mobile' },
] as const;

const FLAVOURS: Record<string, Flavour> = {
  'acme/checkout-api': 'ts',
  'acme/billing-service': 'ts',
  'acme/invoice-worker': 'ts',
  'acme/search-api': 'go',
  'acme/recommender': 'py',
  'acme/assistant': 'py',
  'acme/mobile-app': 'mobile',
  'acme/web': 'web',
};

/** A stable PagerDuty-style id (P + 6) from a key: the same for every seed. */
export function pdId(key: string): string {
  const h = createHash('sha256').update(key).digest();
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let s = 'P';
  for (let i = 0; i < 6; i++) s += alphabet[(h[i] as number) % alphabet.length];
  return s;
}

export function buildOrg(config: Config, timeline: DemoTimeline, rng: Rng): DemoOrg {
  const days = new DemoDays(timeline.warmupStart, timeline.lastDay, config.timezone);
  const standup = new Map(config.teams.map((t, i) => [t.id, 570 + 15 * (i % 3)]));
  const linesOf = (team: string) => config.product_lines.filter((p) => p.team === team).map((p) => p.id);

  const rolloutIndex = days.days.indexOf(timeline.rolloutDay);
  const adoptionDayFor = (u: number): number | null => {
    // The person starts on the first day the org-wide adoption reaches their threshold u.
    if (u >= DEMO_STORY.adoptionEnd) return null;
    for (let i = Math.max(0, rolloutIndex); i < days.length; i++) {
      if (adoptionAt(timeline, days.days[i] as string) > u) return i;
    }
    return null;
  };

  const vacation = (): Set<number> => {
    // One week off per ~3 months, on working days of the demo.
    const out = new Set<number>();
    const blocks = Math.max(1, Math.round(days.length / 95));
    for (let b = 0; b < blocks; b++) {
      const start = rng.int(0, days.length - 10);
      const len = rng.int(5, 9);
      for (let i = start; i < start + len; i++) out.add(i);
    }
    return out;
  };

  const makePerson = (p: {
    name: string;
    login: string;
    email: string;
    level: string;
    team: string;
    mapped: boolean;
  }): DemoPerson => {
    const lines = linesOf(p.team);
    const main = rng.pick(lines);
    return {
      ...p,
      pdUserId: pdId(`user:${p.email}`),
      lines: lines.map((id) => ({ id, weight: id === main ? 0.75 : 0.25 / Math.max(1, lines.length - 1) })),
      calendar: new WorkCalendar(days, rng, {
        standupMinute: standup.get(p.team) ?? 570,
        vacationDays: vacation(),
      }),
      adoptionDay: adoptionDayFor(rng.next()),
    };
  };

  const people: DemoPerson[] = config.people.map((p) =>
    makePerson({
      name: p.name ?? p.github ?? '',
      login: p.github as string,
      email: p.email as string,
      level: p.level ?? config.default_level,
      team: p.team as string,
      mapped: true,
    }),
  );
  for (const c of CONTRACTORS) people.push(makePerson({ ...c, level: 'mid', mapped: false }));

  const targets = new Map<string, RepoTarget[]>();
  const repos = new Set<string>();
  for (const pl of config.product_lines) {
    const list: RepoTarget[] = pl.repos.map((spec) => {
      const [repo, ...rest] = spec.split(':');
      const glob = rest.join(':');
      repos.add(repo as string);
      return {
        repo: repo as string,
        base: glob.replace(/\/\*\*$/, ''),
        lineId: pl.id,
        flavour: FLAVOURS[repo as string] ?? 'ts',
      };
    });
    targets.set(pl.id, list);
  }
  const infra: RepoTarget = { repo: INFRA_REPO, base: '', lineId: null, flavour: 'infra' };
  const sharedUi: RepoTarget = { repo: 'acme/web', base: 'packages/ui', lineId: null, flavour: 'ui' };
  repos.add(infra.repo);

  const services = new Map<string, string>();
  for (const pl of config.product_lines) for (const s of pl.pagerduty_services) services.set(s, pl.id);

  return {
    config,
    timeline,
    days,
    people,
    byLogin: new Map(people.map((p) => [p.login, p])),
    targets,
    infra,
    sharedUi,
    repos: [...repos].sort(),
    services,
    noc: { id: pdId(`user:${NOC_EMAIL}`), email: NOC_EMAIL, name: 'NOC Operator' },
  };
}

/** What identifies the demo's rows in the raw tables: its repositories, PagerDuty services and users. */
export interface DemoRowKeys {
  repos: string[];
  services: string[];
  users: string[];
}

export function demoRowKeys(config: Config): DemoRowKeys {
  const repos = new Set<string>([INFRA_REPO]);
  for (const pl of config.product_lines) for (const r of pl.repos) repos.add(r.split(':')[0] as string);
  return {
    repos: [...repos].sort(),
    services: config.product_lines.flatMap((p) => p.pagerduty_services),
    users: [...config.people.map((p) => pdId(`user:${p.email}`)), pdId(`user:${NOC_EMAIL}`)],
  };
}

/** Words for titles and file names, per product line. */
export const VOCABULARY: Record<string, { modules: string[]; nouns: string[] }> = {
  checkout: {
    modules: ['cart', 'payments', 'promotions', 'tax', 'shipping'],
    nouns: [
      'cart totals',
      'payment retries',
      '3-D Secure challenge flow',
      'promo code validation',
      'tax calculation',
      'shipping options',
      'order confirmation email',
      'Apple Pay button',
      'idempotency keys',
      'address autocomplete',
    ],
  },
  billing: {
    modules: ['invoices', 'subscriptions', 'dunning', 'ledger', 'exports'],
    nouns: [
      'invoice PDF rendering',
      'proration',
      'dunning emails',
      'ledger reconciliation',
      'VAT reverse charge',
      'subscription upgrades',
      'credit notes',
      'CSV export',
      'payment method updates',
    ],
  },
  search: {
    modules: ['index', 'query', 'ranking', 'synonyms', 'facets'],
    nouns: [
      'query parser',
      'synonym expansion',
      'facet counts',
      'ranking features',
      'spell correction',
      'index rebuild',
      'autocomplete latency',
      'zero-result fallback',
    ],
  },
  recommendations: {
    modules: ['models', 'features', 'serving', 'pipelines'],
    nouns: [
      'candidate generation',
      'feature store reads',
      'similar items model',
      'A/B bucketing',
      'embedding refresh job',
      'cold-start fallback',
      'batch scoring',
    ],
  },
  assistant: {
    modules: ['chat', 'retrieval', 'prompts', 'tools', 'guardrails'],
    nouns: [
      'prompt templates',
      'product retrieval',
      'answer streaming',
      'guardrail filters',
      'conversation memory',
      'tool calling',
      'token budget',
      'response caching',
      'model fallback',
    ],
  },
  'mobile-app': {
    modules: ['home', 'product', 'cart', 'account', 'push'],
    nouns: [
      'home feed',
      'product detail screen',
      'deep links',
      'push notification opt-in',
      'offline cart',
      'dark mode',
      'passkey login',
      'image prefetching',
    ],
  },
  infra: {
    modules: ['network', 'eks', 'rds', 'cdn', 'iam'],
    nouns: [
      'VPC peering',
      'EKS node groups',
      'RDS parameter groups',
      'Terraform provider versions',
      'CloudFront cache policy',
      'IAM roles for CI',
    ],
  },
  ui: {
    modules: ['tokens', 'forms', 'layout'],
    nouns: ['design tokens', 'Button component', 'date picker', 'analytics hooks', 'form validation'],
  },
};

/** The level a person must have to be picked, by weight, for reviews before/after adopting AI. */
export const REVIEW_WEIGHTS = {
  before: { junior: 0.5, mid: 1, senior: 1.2, staff: 1, principal: 0.6 },
  ai: { junior: 0.1, mid: 0.4, senior: 2.2, staff: 2.6, principal: 2.2 },
} as const satisfies Record<string, Record<string, number>>;

/** Senior engineers and up (escalation targets, infra reviewers). */
export function isSenior(p: DemoPerson): boolean {
  return (LEVEL_RANK[p.level] ?? 1) >= 2;
}
