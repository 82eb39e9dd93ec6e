/**
 * The demo organisation's story, and the constants that let tests and the preview point at it.
 *
 * Acme Shop: 40 engineers in 4 teams (payments, discovery, ai-experiences, mobile) building 6
 * product lines (checkout, billing, search, recommendations, assistant, mobile-app). The demo
 * covers `months` full calendar months ending with `endMonth` (default 6 months; the caller
 * passes the end month, usually the last closed month, so nothing lies in the future). Work in
 * flight starts two weeks before the first month, so the first month does not look idle.
 *
 * With the default 6 months:
 * - Months 1–3, the baseline: engineers write most of their code by hand in several sessions
 *   per pull request (many commits before the first review), a review round or two, steady
 *   incident load, cloud cost flat, a small AI pilot.
 * - Month 4 (always the third month from the end, `DEMO_STORY.rolloutMonthFromEnd`): an AI
 *   coding assistant rolls out. Adoption ramps from 15 % to 90 % of engineers over ~10 weeks
 *   (`adoptionAt`). Engineers who adopted it author pull requests in fewer, shorter sessions
 *   (authoring hours drop) and open more of them, with larger diffs; those pull requests get
 *   more review rounds and more comments, reviewed mostly by senior, staff and principal
 *   engineers (review hours rise and shift to seniors); incidents become more frequent and
 *   longer and escalate to senior engineers (incident hours rise); rework grows a little.
 * - AI inference cost ('AI and Machine Learning': Amazon Bedrock, Azure OpenAI, Amazon
 *   SageMaker, Vertex AI) grows smoothly with adoption from the rollout on, month 6 over 3×
 *   month 3; the coding assistant's own inference (Amazon Bedrock in the developer-tools
 *   account) is unallocated. Cloud cost drifts down ~4 % a month from the rollout on.
 * - `assistant` (Shopping Assistant, `DEMO_STORY.negativeMarginProductLine`): its Azure OpenAI
 *   cost grows about 4× by month 6 (5× at the end) while its revenue grows ~2 % a month, so its gross margin, healthy in
 *   the baseline, turns negative in the last month.
 * - The spike (`DEMO_SPIKE`): on day 15 and 16 of the last month, search's Amazon OpenSearch
 *   Service in eu-central-1 runs at 9.5× and 7× its usual daily cost (a runaway re-index; a
 *   PagerDuty incident on the search service that morning tells the same story). Its daily
 *   series is otherwise smooth, so anomaly detection finds exactly this anomaly on it.
 * - Realistic noise: vacations, working hours 9–18 Europe/Berlin on weekdays in sessions,
 *   dependabot and github-actions bots, two contractors the config does not list (unmapped
 *   people), a monorepo (acme/web) split between product lines, an infrastructure repo no
 *   product line claims (unallocated hours), shared networking/security cost and a monthly
 *   Savings Plan purchase (unallocated cost), merge commits and commits shared by two PRs.
 */
import { addDays, addMonths, type Day, type Month } from '../../lib/dates.ts';

export const DEMO_DEFAULT_SEED = 42;
export const DEMO_DEFAULT_MONTHS = 6;
export const DEMO_MIN_MONTHS = 4;
export const DEMO_MAX_MONTHS = 24;
/** Marks every cost source the demo writes (cost_source.kind) and its revenue (revenue.source_file). */
export const DEMO_KIND = 'demo';

export const DEMO_STORY = {
  /** The rollout month counted from the end: 3 → month 4 of 6. */
  rolloutMonthFromEnd: 3,
  /** Share of engineers using the assistant on the rollout day, and at the end of the ramp. */
  adoptionStart: 0.15,
  adoptionEnd: 0.9,
  /** Days from the rollout to full adoption. */
  rampDays: 75,
  /** Days from the rollout to the end of the AI cost growth. */
  aiRampDays: 90,
  negativeMarginProductLine: 'assistant',
  /** Cloud cost change per month after the rollout. */
  cloudDriftPerMonth: -0.04,
  /** Days of work in flight before the first month. */
  warmupDays: 14,
} as const;

/** The cost spike anomaly detection must find (day numbers are in the last month). */
export const DEMO_SPIKE = {
  productLine: 'search',
  serviceName: 'Amazon OpenSearch Service',
  provider: 'AWS',
  subAccountId: '333344445555',
  region: 'eu-central-1',
  dayOfMonth: 15,
  days: 2,
  /** Multiple of the region's usual daily cost, per spike day. */
  factors: [9.5, 7],
} as const;

export interface DemoTimeline {
  months: Month[];
  firstMonth: Month;
  endMonth: Month;
  rolloutMonth: Month;
  /** First and last day with cost; GitHub and PagerDuty activity starts at `warmupStart`. */
  firstDay: Day;
  lastDay: Day;
  warmupStart: Day;
  rolloutDay: Day;
  spikeDays: Day[];
}

export function demoTimeline(endMonth: Month, months: number): DemoTimeline {
  const list = Array.from({ length: months }, (_, i) => addMonths(endMonth, i - months + 1));
  const firstMonth = list[0] as Month;
  const rolloutMonth = addMonths(endMonth, 1 - DEMO_STORY.rolloutMonthFromEnd);
  const firstDay = `${firstMonth}-01`;
  const lastDay = addDays(`${addMonths(endMonth, 1)}-01`, -1);
  const spikeStart = `${endMonth}-${String(DEMO_SPIKE.dayOfMonth).padStart(2, '0')}`;
  return {
    months: list,
    firstMonth,
    endMonth,
    rolloutMonth,
    firstDay,
    lastDay,
    warmupStart: addDays(firstDay, -DEMO_STORY.warmupDays),
    rolloutDay: `${rolloutMonth}-01`,
    spikeDays: Array.from({ length: DEMO_SPIKE.days }, (_, i) => addDays(spikeStart, i)),
  };
}

/** Days since the rollout (negative before it). Plain arithmetic: called for every generated day. */
export function daysSinceRollout(t: DemoTimeline, day: Day): number {
  return epochDay(day) - epochDay(t.rolloutDay);
}

function epochDay(day: Day): number {
  return (
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000
  );
}

/** Share of engineers using the coding assistant on a day: 0 before the rollout, then a linear ramp. */
export function adoptionAt(t: DemoTimeline, day: Day): number {
  const d = daysSinceRollout(t, day);
  if (d < 0) return 0;
  const { adoptionStart, adoptionEnd, rampDays } = DEMO_STORY;
  return Math.min(adoptionEnd, adoptionStart + ((adoptionEnd - adoptionStart) * d) / rampDays);
}

/**
 * 0 before the rollout, rising linearly to 1 at the end of the AI cost ramp. AI cost grows as
 * `growth ** ramp`: a constant daily rate (at most ~1.8 % for the largest growth), so a day is
 * never more than ~15 % above the median of the 14 days before it and the smooth growth never
 * looks like an anomaly (only the spike should).
 */
export function costRampAt(t: DemoTimeline, day: Day): number {
  return Math.min(1, Math.max(0, daysSinceRollout(t, day) / DEMO_STORY.aiRampDays));
}
