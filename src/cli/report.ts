import { STAGES, type Stage } from '../config/schema.ts';
import { FinopsError, InputError } from '../lib/errors.ts';
import { isMonth } from '../lib/dates.ts';
import { toReportJson } from '../model/report-json.ts';
import { ensureSnapshot, rebuildSnapshot } from '../services/build-snapshot.ts';
import type { CliContext } from './context.ts';
import { COMMANDS, parseCommandArgs } from './index.ts';
import { renderChanges, renderNoData, renderReportText } from './report-text.ts';

/**
 * `finops report --month YYYY-MM [--product ID] [--json] [--explain STAGE] [--rebuild --reason TEXT]`
 * Builds (or reads, when frozen) the month's snapshot and prints it: SPEC §9 JSON, or a table per
 * product line. Arguments are checked before the database is opened.
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const usage = COMMANDS.find((c) => c.name === 'report')!.usage;
  const { values } = parseCommandArgs(
    argv,
    {
      month: { type: 'string' },
      product: { type: 'string' },
      json: { type: 'boolean' },
      explain: { type: 'string' },
      rebuild: { type: 'boolean' },
      reason: { type: 'string' },
    },
    usage,
  );
  const month = values.month;
  if (month === undefined) {
    throw new InputError(
      'bad_arguments',
      `--month is required, for example --month 2026-10 (usage: ${usage})`,
    );
  }
  if (!isMonth(month)) {
    throw new InputError(
      'bad_month',
      `--month "${month}" is not a month: expected YYYY-MM with a month from 01 to 12, for example 2026-10`,
    );
  }
  const { config } = ctx.config();
  const ids = config.product_lines.map((p) => p.id);
  if (values.product !== undefined && !ids.includes(values.product)) {
    throw new InputError(
      'unknown_product',
      `unknown product line "${values.product}" (product lines: ${ids.join(', ')})`,
    );
  }
  const explain = values.explain;
  if (explain !== undefined && !(STAGES as readonly string[]).includes(explain)) {
    throw new InputError(
      'unknown_stage',
      `unknown stage "${explain}" for --explain (stages: ${STAGES.join(', ')})`,
    );
  }
  if (values.reason !== undefined && !values.rebuild) {
    throw new InputError('bad_arguments', '--reason goes with --rebuild (usage: ' + usage + ')');
  }
  if (values.rebuild && (values.reason === undefined || values.reason.trim() === '')) {
    throw new InputError(
      'rebuild_reason',
      '--rebuild needs --reason "why the numbers must change" (it is kept in the audit log)',
    );
  }

  const deps = await ctx.services();
  const productIds = values.product !== undefined ? [values.product] : undefined;
  let result: Awaited<ReturnType<typeof ensureSnapshot>>;
  if (values.rebuild) {
    const actor = `cli:${ctx.env['USER'] ?? ctx.env['LOGNAME'] ?? 'unknown'}`;
    const r = await rebuildSnapshot(deps, month, { actor, reason: values.reason! });
    const changes = renderChanges(month, r.before?.status === 'frozen', r.changes);
    // stdout stays pure JSON with --json; the rebuild summary goes to stderr then.
    if (values.json) ctx.io.stderr(changes);
    else ctx.io.stdout(`${changes}\n`);
    result = { snapshot: r.after, source: 'built' };
  } else {
    result = await ensureSnapshot(deps, month);
  }
  const { snapshot, source } = result;

  if (!snapshot.hasData) {
    if (values.json) {
      throw new FinopsError(
        'no_data',
        `no data for ${month}: nothing was ingested for that month, so there is no report to print (zeros would look like facts)`,
      );
    }
    ctx.io.stdout(renderNoData(month));
    return 0;
  }
  if (values.json) {
    ctx.io.stdout(`${JSON.stringify(toReportJson(snapshot, productIds), null, 2)}\n`);
    return 0;
  }
  ctx.io.stdout(
    renderReportText(snapshot, {
      source,
      ...(productIds ? { productIds } : {}),
      ...(explain ? { explain: explain as Stage } : {}),
    }),
  );
  return 0;
}
