import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { detectCostAnomalies } from '../../src/model/anomalies.ts';
import { DEMO_CONFIG_YAML, demoConfig } from '../../src/services/demo/config.ts';
import { generateDemo } from '../../src/services/demo/generate.ts';
import { createRng } from '../../src/services/demo/random.ts';
import {
  adoptionAt,
  costRampAt,
  DEMO_SPIKE,
  DEMO_STORY,
  demoTimeline,
} from '../../src/services/demo/story.ts';

describe('demo config', () => {
  it('is the text of examples/demo.finops.yml, byte for byte', () => {
    expect(readFileSync('examples/demo.finops.yml', 'utf8')).toBe(DEMO_CONFIG_YAML);
  });

  it('validates, and describes 40 engineers in 4 teams, 6 product lines, every level', () => {
    const { config } = parseConfigText(DEMO_CONFIG_YAML, 'demo.finops.yml');
    expect(config.timezone).toBe('Europe/Berlin');
    expect(config.currency).toBe('USD');
    expect(config.people).toHaveLength(40);
    expect(config.teams.map((t) => t.id)).toEqual(['payments', 'discovery', 'ai-experiences', 'mobile']);
    expect(config.product_lines.map((p) => p.id)).toEqual([
      'checkout',
      'billing',
      'search',
      'recommendations',
      'assistant',
      'mobile-app',
    ]);
    const levels = new Map<string, number>();
    for (const p of config.people) levels.set(p.level ?? '', (levels.get(p.level ?? '') ?? 0) + 1);
    expect(Object.fromEntries(levels)).toEqual({ junior: 11, mid: 14, senior: 10, staff: 3, principal: 2 });
    for (const p of config.people) {
      expect(p.github).toMatch(/^[a-z]+$/);
      expect(p.email).toMatch(/@acme\.example$/);
    }
    for (const pl of config.product_lines) {
      expect(pl.pagerduty_services).toHaveLength(1);
      expect(pl.pagerduty_services[0]).toMatch(/^P[A-Z0-9]{6}$/);
      expect(Object.keys(pl.cost.tags)).toEqual(['product']);
    }
    expect(demoConfig().config).toEqual(config);
  });
});

describe('demo random streams', () => {
  it('repeat for a seed and stream, and differ across seeds and streams', () => {
    const draw = (seed: number, stream: string) => {
      const r = createRng(seed, stream);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42, 'github')).toEqual(draw(42, 'github'));
    expect(draw(42, 'github')).not.toEqual(draw(43, 'github'));
    expect(draw(42, 'github')).not.toEqual(draw(42, 'cost'));
    const r = createRng(1, 'x');
    for (let i = 0; i < 1000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      expect(r.int(3, 5)).toBeGreaterThanOrEqual(3);
    }
    expect(createRng(7, 's').hex(40)).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('demo timeline', () => {
  it('ends with the given month; the rollout is the third month from the end; the spike is day 15–16 of the last', () => {
    const t = demoTimeline('2026-10', 6);
    expect(t.months).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(t.rolloutMonth).toBe('2026-08');
    expect(t.firstDay).toBe('2026-05-01');
    expect(t.lastDay).toBe('2026-10-31');
    expect(t.warmupStart).toBe('2026-04-17');
    expect(t.spikeDays).toEqual(['2026-10-15', '2026-10-16']);
    expect(demoTimeline('2027-01', 4).rolloutMonth).toBe('2026-11');
  });

  it('ramps adoption from 15 % on the rollout day to 90 %, and AI cost growth from 0 to 1', () => {
    const t = demoTimeline('2026-10', 6);
    expect(adoptionAt(t, '2026-07-31')).toBe(0);
    expect(adoptionAt(t, '2026-08-01')).toBe(DEMO_STORY.adoptionStart);
    expect(adoptionAt(t, '2026-10-31')).toBe(DEMO_STORY.adoptionEnd);
    expect(costRampAt(t, '2026-07-31')).toBe(0);
    expect(costRampAt(t, '2026-08-16')).toBeCloseTo(15 / 90, 10);
    expect(costRampAt(t, '2026-10-31')).toBe(1);
  });
});

describe('generateDemo', () => {
  const a = generateDemo({ seed: 42, months: 6, endMonth: '2026-10' });

  it('is a pure function of the seed: the same seed gives the same rows, another seed others', () => {
    const b = generateDemo({ seed: 42, months: 6, endMonth: '2026-10' });
    const c = generateDemo({ seed: 43, months: 6, endMonth: '2026-10' });
    const rows = (d: typeof a) => JSON.stringify([d.github, d.pagerduty, d.cost]);
    expect(rows(b)).toBe(rows(a));
    expect(rows(c)).not.toBe(rows(a));
  });

  it('puts all GitHub activity on weekdays between 08:00 and 19:30 Berlin time, except bots', () => {
    const fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const human = [
      ...a.github.commits.filter((c) => !c.authorIsBot).map((c) => c.authoredAt as Date),
      ...a.github.reviewComments.map((c) => c.createdAt as Date),
      ...a.github.reviews.map((r) => r.submittedAt as Date),
    ];
    expect(human.length).toBeGreaterThan(20_000);
    const outside = human.filter((at) => {
      const parts = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
      const time = `${parts['hour']}:${parts['minute']}`;
      return parts['weekday'] === 'Sat' || parts['weekday'] === 'Sun' || time < '08:00' || time > '19:30';
    });
    expect(outside.map((d) => d.toISOString())).toEqual([]);
  });

  it('is found by anomaly detection (SPEC §7, the demo thresholds) as exactly one anomaly: the spike', () => {
    const { config } = demoConfig();
    const found = detectCostAnomalies(
      a.cost.daily.map((r) => ({
        day: r.day,
        productLine: r.productLine ?? null,
        service: r.serviceName,
        currency: r.billingCurrency,
        subAccount: r.subAccountId ?? null,
        region: r.region ?? null,
        cost: Number(r.effectiveCost),
        chargeCategory: r.chargeCategory,
        isCorrection: r.isCorrection ?? false,
      })),
      {
        minImpact: config.anomalies.min_impact,
        minIncreasePct: config.anomalies.min_increase_pct,
        madK: config.anomalies.mad_k,
      },
    );
    expect(found.map((x) => [x.productLine, x.service, x.firstDay, x.lastDay])).toEqual([
      [DEMO_SPIKE.productLine, DEMO_SPIKE.serviceName, '2026-10-15', '2026-10-16'],
    ]);
    expect(found[0]?.rootCause[0]).toMatchObject({
      subAccount: DEMO_SPIKE.subAccountId,
      region: DEMO_SPIKE.region,
    });
  });
});
