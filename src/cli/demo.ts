import { existsSync } from 'node:fs';
import { demoConfig } from '../services/demo/config.ts';
import { type SeedProgress, seedDemo } from '../services/demo/seed.ts';
import { DEMO_DEFAULT_MONTHS, DEMO_DEFAULT_SEED, DEMO_SPIKE, DEMO_STORY } from '../services/demo/story.ts';
import { isMonth, lastClosedMonth } from '../lib/dates.ts';
import { InputError } from '../lib/errors.ts';
import { createProgress } from '../lib/progress.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops demo [--seed N] [--months N] [--end-month YYYY-MM] [--force]';

/**
 * `finops demo`: seeds the demo organisation (src/services/demo/story.ts) into the database,
 * one progress line per table, then a summary of the story and where to look next.
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    argv,
    {
      seed: { type: 'string' },
      months: { type: 'string' },
      'end-month': { type: 'string' },
      force: { type: 'boolean' },
    },
    USAGE,
  ).values as { seed?: string; months?: string; 'end-month'?: string; force?: boolean };
  const seed = wholeNumber(values.seed, '--seed', DEMO_DEFAULT_SEED);
  const months = wholeNumber(values.months, '--months', DEMO_DEFAULT_MONTHS);
  const demo = demoConfig();
  // Without a finops.yml the demo's own config is used (as the preview does).
  const hasConfigFile = existsSync(ctx.configPath);
  const loaded = hasConfigFile ? ctx.config() : { ...demo, path: null };
  const lastClosed = lastClosedMonth(ctx.now(), demo.config.timezone);
  const endMonth = values['end-month'] ?? lastClosed;
  if (!isMonth(endMonth)) {
    throw new InputError('bad_arguments', `--end-month must be YYYY-MM, got "${endMonth}" (usage: ${USAGE})`);
  }
  if (endMonth > lastClosed) {
    throw new InputError(
      'bad_arguments',
      `--end-month ${endMonth} is not over yet: the demo covers full months, the latest is ${lastClosed}`,
    );
  }

  const { io } = ctx;
  const { db } = await ctx.database();
  const progress = createProgress(io, { log: (line) => ctx.logger.info(line) });
  const task = progress.start(`seeding the demo organisation (seed ${seed})`, { unit: 'rows' });
  let written = 0;
  const onProgress = (p: SeedProgress) => {
    const line =
      p.step === 'insert'
        ? `  ${p.what.padEnd(18)} ${fmt(p.rows).padStart(7)} rows  ${seconds(p.ms).padStart(7)}`
        : `  ${p.what.padEnd(26)}${p.rows > 0 ? ` ${fmt(p.rows)} rows` : ''}  ${seconds(p.ms)}`;
    progress.log(line);
    if (p.step === 'generate') task.update(0, { total: p.rows });
    if (p.step === 'insert') written += p.rows;
    task.update(written, { detail: p.what });
  };
  let r: Awaited<ReturnType<typeof seedDemo>>;
  try {
    r = await seedDemo(
      { db, now: ctx.now },
      { seed, months, endMonth, force: values.force === true, onProgress },
    );
    task.finish(`${fmt(r.totalRows)} rows`);
  } catch (err) {
    task.fail('nothing was written');
    throw err;
  } finally {
    progress.close();
  }

  const out = [
    `Seeded the demo organisation (seed ${r.seed}): ${r.people} engineers in ${r.teams} teams, ` +
      `${r.productLines} product lines, ${r.months} months ${r.firstMonth} … ${r.endMonth}: ` +
      `${fmt(r.totalRows)} rows in ${seconds(r.ms)}${r.replacedRows > 0 ? ` (replaced the previous demo, ${fmt(r.replacedRows)} rows)` : ''}.`,
    `The story: an AI coding assistant rolls out in ${r.rolloutMonth}; authoring hours fall while review and incident ` +
      `hours rise and move to senior engineers; AI inference cost grows, cloud cost drifts down; ` +
      `${DEMO_STORY.negativeMarginProductLine}'s gross margin turns negative; a cost spike on ${r.spikeDays.join(' and ')} ` +
      `(${DEMO_SPIKE.productLine}, ${DEMO_SPIKE.serviceName}).`,
  ];
  if (r.foreignRows.length > 0) {
    out.push(
      `--force: the demo now sits next to data that is not from it (${r.foreignRows
        .map((f) => `${f.table}: ${fmt(f.rows)}`)
        .join(', ')}); rebuild snapshots before trusting any report.`,
    );
  }
  if (!hasConfigFile) {
    out.push(
      `No config at ${ctx.configPath}: the demo's own config was used. Reports read the config too: ` +
        'copy examples/demo.finops.yml to ./finops.yml (or set FINOPS_CONFIG to it).',
    );
  } else if (loaded.hash !== demo.hash) {
    out.push(
      `Note: ${ctx.configPath} is not the demo's config, so the demo's repositories, services and cost ` +
        'will not map to its product lines; use examples/demo.finops.yml to explore the demo.',
    );
  }
  out.push(
    `Next: finops report --month ${r.endMonth}  ·  finops anomalies --since ${r.endMonth}-01  ·  finops start`,
  );
  io.stdout(`${out.join('\n')}\n`);
  return 0;
}

function wholeNumber(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new InputError('bad_arguments', `${flag} must be a whole number, got "${raw}" (usage: ${USAGE})`);
  }
  return Number(raw);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
