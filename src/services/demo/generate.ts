import type { Month } from '../../lib/dates.ts';
import { demoConfig } from './config.ts';
import { type CostRows, generateCost } from './cost.ts';
import { type GithubRows, generateGithub } from './github.ts';
import { buildOrg, type DemoOrg } from './org.ts';
import { generatePagerDuty, type PagerDutyRows } from './pagerduty.ts';
import { createRng } from './random.ts';
import { demoTimeline } from './story.ts';

export interface DemoData {
  org: DemoOrg;
  github: GithubRows;
  pagerduty: PagerDutyRows;
  cost: CostRows;
}

/**
 * The whole demo organisation as rows, in memory: a pure function of (seed, months, endMonth).
 * Each source draws from its own random stream.
 */
export function generateDemo(opts: { seed: number; months: number; endMonth: Month }): DemoData {
  const { config } = demoConfig();
  const timeline = demoTimeline(opts.endMonth, opts.months);
  const org = buildOrg(config, timeline, createRng(opts.seed, 'org'));
  return {
    org,
    github: generateGithub(org, createRng(opts.seed, 'github')),
    pagerduty: generatePagerDuty(org, createRng(opts.seed, 'pagerduty')),
    cost: generateCost(org, createRng(opts.seed, 'cost')),
  };
}
