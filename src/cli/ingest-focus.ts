import path from 'node:path';
import { compileEmbeddedDatabaseForShortRun } from '../db/connect.ts';
import { InputError } from '../lib/errors.ts';
import { phaseTimer } from '../lib/phases.ts';
import { createProgress } from '../lib/progress.ts';
import {
  focusPathsFromConfig,
  formatFocusIngest,
  prepareFocusIngest,
  storeFocusIngest,
} from '../services/ingest-focus.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

const USAGE = 'finops ingest focus [FILES…]';

/**
 * `finops ingest focus [FILES…]`: the files named, or every file `sources.focus.paths` matches.
 * All files are read and validated before the database is opened; a bad file exits 2 and
 * changes nothing.
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {}, USAGE, true);
  const { config } = ctx.config();
  const started = ctx.now();
  let files = positionals.map((f) => path.resolve(f));
  if (files.length === 0) {
    const patterns = config.sources.focus?.paths ?? [];
    if (patterns.length === 0) {
      throw new InputError(
        'focus_no_files',
        `no files given and sources.focus.paths is empty in ${ctx.configPath} (usage: ${USAGE})`,
      );
    }
    files = await focusPathsFromConfig(config, process.cwd());
    if (files.length === 0) {
      throw new InputError(
        'focus_no_files',
        `no file matches sources.focus.paths (${patterns.join(', ')}) from ${process.cwd()}`,
      );
    }
  }
  const progress = createProgress(ctx.io, { log: (line) => ctx.logger.info(line) });
  const mark = phaseTimer(ctx.logger, 'finops ingest focus', true);
  mark('started');
  // Postgres is a server: connecting and checking its migrations costs this process next to
  // nothing, so it happens while DuckDB reads (≈ 0.2 s less on the 2-million-row benchmark). The
  // embedded database is opened only once the files are read, so its ≈ 100 MB never adds to
  // DuckDB's peak. Either way nothing is written before every file has passed its checks; an
  // error opening the database is reported after the files' own errors.
  const opening = ctx.env['DATABASE_URL'] ? ctx.services() : undefined;
  opening?.catch(() => undefined); // awaited below; never unhandled meanwhile
  try {
    const reading = progress.start('reading and checking FOCUS files', {
      unit: 'files',
      total: files.length,
    });
    const prepared = await prepareFocusIngest(config, files, { mark });
    reading.finish(`${files.length} file(s)`);
    if (!opening) compileEmbeddedDatabaseForShortRun();
    const deps = await (opening ?? ctx.services());
    mark('database opened and migrated');
    const storing = progress.start('allocating and storing the daily cost');
    const result = await storeFocusIngest(deps, prepared, started, mark);
    storing.finish();
    for (const line of formatFocusIngest(result, config.model.cost_metric)) ctx.io.stdout(`${line}\n`);
    return 0;
  } finally {
    progress.close();
  }
}
