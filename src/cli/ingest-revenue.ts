import path from 'node:path';
import { InputError } from '../lib/errors.ts';
import { formatRevenueIngest, readRevenueFile, storeRevenue } from '../services/ingest-revenue.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops ingest revenue [FILE]';

/**
 * `finops ingest revenue [FILE]`: FILE, or `sources.revenue.path`. The file is checked before the
 * database is opened; a bad line exits 2 and changes nothing.
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {}, USAGE, true);
  if (positionals.length > 1) {
    throw new InputError('bad_arguments', `one revenue file at a time (usage: ${USAGE})`);
  }
  const { config } = ctx.config();
  const given = positionals[0] ?? config.sources.revenue?.path;
  if (given === undefined) {
    throw new InputError(
      'revenue_no_file',
      `no file given and sources.revenue.path is not set in ${ctx.configPath} (usage: ${USAGE})`,
    );
  }
  const file = path.resolve(given);
  const lines = await readRevenueFile(config, file);
  const deps = await ctx.services();
  const result = await storeRevenue(deps, file, lines);
  for (const line of formatRevenueIngest(result, config.currency)) ctx.io.stdout(`${line}\n`);
  return 0;
}
