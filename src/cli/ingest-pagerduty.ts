import { DateTime } from 'luxon';
import { FinopsError, InputError } from '../lib/errors.ts';
import { createProgress } from '../lib/progress.ts';
import {
  configuredPagerDutyServices,
  type IngestPagerDutyResult,
  ingestPagerDuty,
  missingTokenError,
  pagerDutyTokenEnv,
} from '../services/ingest-pagerduty.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';
import { listenForStop } from './signals.ts';

const USAGE = 'finops ingest pagerduty [--since YYYY-MM-DD|ISO-TIME]';

/** `finops ingest pagerduty`: one incremental run, then what it did. */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const values = parseCommandArgs(argv, { since: { type: 'string' } }, USAGE).values as { since?: string };
  const { config } = ctx.config();
  // Config problems first, before the database is opened.
  configuredPagerDutyServices(config);
  const tokenEnv = pagerDutyTokenEnv(config);
  if (!ctx.env[tokenEnv]?.trim()) throw missingTokenError(tokenEnv);
  let since: Date | undefined;
  if (values.since !== undefined) {
    const dt = DateTime.fromISO(values.since, { zone: config.timezone });
    if (!dt.isValid) {
      throw new InputError(
        'bad_arguments',
        `--since ${values.since}: expected YYYY-MM-DD or an ISO time (usage: ${USAGE})`,
      );
    }
    since = dt.toJSDate();
  }
  const deps = await ctx.services();
  const progress = createProgress(ctx.io, { log: (line) => ctx.logger.info(line) });
  const task = progress.start('reading PagerDuty', { unit: 'services' });
  const stop = listenForStop();
  let result: IngestPagerDutyResult;
  try {
    result = await ingestPagerDuty(deps, {
      ...(since ? { since } : {}),
      onProgress: (p) => task.report(p),
      signal: stop.signal,
    });
  } catch (err) {
    // Asked to stop: every incident stored so far is committed, and the cursor moves only when a
    // run completes, so the next run reads again from where this one began. A clean stop.
    if (!stop.signal.aborted || !(err instanceof FinopsError && err.code === 'aborted')) throw err;
    ctx.io.stdout(
      `stopped by ${String(stop.signal.reason)}; what is stored stays and the next run reads on from the last complete window\n`,
    );
    return 0;
  } finally {
    stop.dispose();
    progress.close();
  }
  task.finish(`${result.stats.incidentsStored} incidents stored`);
  ctx.io.stdout(formatResult(result, ctx.env['PAGERDUTY_API_HOST']?.trim() || 'api.pagerduty.com'));
  return 0;
}

export function formatResult(r: IngestPagerDutyResult, host: string): string {
  const s = r.stats;
  const lines = [`PagerDuty (${host}): ingest run ${r.runId} succeeded`];
  for (const svc of r.services) {
    lines.push(
      `  ${svc.productLine} ${svc.serviceId}${svc.name ? ` "${svc.name}"` : ''}: ${svc.incidents} incident(s) created ` +
        `${svc.from.toISOString()} … ${svc.to.toISOString()} (${svc.windows} window(s))`,
    );
  }
  lines.push(
    `  incidents: ${s.incidentsRead} read, ${s.incidentsStored} stored with ${s.logEntriesStored} log entries, ` +
      `${s.incidentsUnchanged} already resolved; ${s.openReread} open one(s) re-read` +
      (s.openGone > 0 ? `, ${s.openGone} no longer in PagerDuty` : ''),
  );
  const unmapped = r.unmappedResponders
    .slice(0, 10)
    .map((u) => `${u.name ?? u.id} (${u.email ?? 'no email'})`)
    .join(', ');
  lines.push(
    `  users: ${s.users} (${s.usersMapped} mapped to people by email` +
      (s.usersKeptFromLog > 0 ? `, ${s.usersKeptFromLog} known only from log entries` : '') +
      `); responders: ${s.responders}, ${s.respondersUnmapped} not in people` +
      (unmapped ? `: ${unmapped}${r.unmappedResponders.length > 10 ? ', …' : ''}` : ''),
  );
  lines.push(
    `  requests: ${s.requests}` +
      (s.rateLimited > 0
        ? ` (${s.rateLimited} rate-limited, waited ${Math.round(s.rateLimitWaitMs / 1000)} s)`
        : ''),
  );
  return `${lines.join('\n')}\n`;
}
