/**
 * A `finops jobs …` process for the multi-process tests: exactly the CLI's jobs command over a test
 * job list (the registry's jobs need sources a test does not have). It connects and migrates, prints
 * "ready", waits for "go" on stdin so the parent can start several at the same instant, then runs.
 *
 * The `probe` job prints "entered", waits for the parent's advisory lock 4242 (so the parent decides
 * when the winner may finish, while the losers try to claim), and records its pid in probe_effect.
 */
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { createCliContext } from '../../src/cli/context.ts';
import { runJobsCommand } from '../../src/cli/jobs.ts';
import { errorLine, isInputError } from '../../src/lib/errors.ts';
import { testJob } from './jobs.ts';

const probe = testJob('probe', async (ctx) => {
  process.stdout.write('entered\n');
  await ctx.deps.db.transaction().execute((trx) => sql`select pg_advisory_xact_lock(4242)`.execute(trx));
  await sql`insert into probe_effect (pid) values (${process.pid})`.execute(ctx.deps.db);
  return { stats: { pid: process.pid }, summary: 'probe ran' };
});

const ctx = createCliContext(
  { ...process.env },
  {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTty: false,
  },
);
let code: number;
try {
  await ctx.database();
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  code = await runJobsCommand(ctx, process.argv.slice(2), [probe]);
} catch (err) {
  process.stderr.write(`finops jobs: ${errorLine(err)}\n`);
  code = isInputError(err) ? 2 : 1;
} finally {
  await ctx.close();
}
process.exit(code);
