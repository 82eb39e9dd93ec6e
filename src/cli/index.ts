import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/load.ts';
import { errorLine, FinopsError, InputError, isInputError } from '../lib/errors.ts';
import { type CliContext, type CliIo, createCliContext, type Env } from './context.ts';

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CliContext, argv: string[]): Promise<number | undefined>;
}

const lazy =
  (load: () => Promise<{ run: CommandSpec['run'] }>): CommandSpec['run'] =>
  async (ctx, argv) =>
    (await load()).run(ctx, argv);

/** Each command lives in its own file and is loaded only when called, so `--help` stays instant. */
export const COMMANDS: CommandSpec[] = [
  {
    name: 'start',
    summary: 'run the bot: scheduler + Slack; without Slack tokens, the local preview on demo data',
    usage: 'finops start [--watch]',
    run: lazy(() => import('./start.ts')),
  },
  {
    name: 'migrate',
    summary: 'apply pending database migrations',
    usage: 'finops migrate',
    run: lazy(() => import('./migrate.ts')),
  },
  {
    name: 'ingest',
    summary: 'one incremental ingestion run of a source, then print what it did',
    usage:
      'finops ingest github|pagerduty|focus [FILES…]|revenue [FILE]|openai [--since DAY]|anthropic [--since DAY]',
    run: lazy(() => import('./ingest.ts')),
  },
  {
    name: 'report',
    summary: "build (or read) a month's snapshot and print it",
    usage:
      'finops report --month YYYY-MM [--product ID] [--json] [--explain STAGE] [--rebuild --reason TEXT]',
    run: lazy(() => import('./report.ts')),
  },
  {
    name: 'anomalies',
    summary: 'run anomaly detection on ingested cost and print anomalies (never posts)',
    usage: 'finops anomalies [--since YYYY-MM-DD] [--json]',
    run: lazy(() => import('./anomalies.ts')),
  },
  {
    name: 'demo',
    summary: 'seed a synthetic organisation into the database',
    usage: 'finops demo [--seed N] [--months N] [--end-month YYYY-MM] [--force]',
    run: lazy(() => import('./demo.ts')),
  },
  {
    name: 'jobs',
    summary: 'list scheduled jobs, or run one now as if the clock read --at',
    usage: 'finops jobs list | finops jobs run NAME [--at ISO-TIME] [--dry-run]',
    run: lazy(() => import('./jobs.ts')),
  },
  {
    name: 'kpis',
    summary: 'print the FinOps KPI set with definitions and inputs',
    usage: 'finops kpis [--quarter YYYY-Qn] [--json]',
    run: lazy(() => import('./kpis.ts')),
  },
];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'finops — the monthly cloud-cost review of a FinOps practice, in Slack',
    '',
    'Usage: finops <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  ${c.usage}`),
    '',
    'Environment:',
    '  FINOPS_CONFIG       config file (default ./finops.yml)',
    '  FINOPS_DATA_DIR     embedded database and previews (default ./.finops)',
    '  DATABASE_URL        Postgres; absent: embedded PGlite under $FINOPS_DATA_DIR/db',
    '  SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN (Socket Mode), SLACK_API_URL, PORT',
    '  GITHUB_TOKEN, GITHUB_API_URL, PAGERDUTY_TOKEN, PAGERDUTY_API_HOST, LOG_LEVEL',
    "  OPENAI_ADMIN_KEY, OPENAI_API_URL, ANTHROPIC_ADMIN_KEY, ANTHROPIC_API_URL (AI vendors' cost APIs)",
    '',
    'Exit status: 0 success, 1 runtime failure, 2 bad input (config, arguments, files).',
  ].join('\n');
}

/** Parses options strictly; unknown flags are bad input (exit 2) with the command's usage. */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>({
      args: argv,
      options,
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw new InputError('bad_arguments', `${(err as Error).message.split('\n')[0]} (usage: ${usage})`);
  }
}

/** Runs the CLI and returns the exit status; never calls process.exit (main.ts does). */
export async function runCli(argv: string[], env: Env, io: CliIo, now?: () => Date): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${helpText()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('finops-review 0.1.0\n');
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(
      `finops: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see finops --help)\n`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`usage: ${cmd.usage}\n${cmd.summary}\n`);
    return 0;
  }
  const ctx = createCliContext(env, io, now);
  try {
    return (await cmd.run(ctx, rest)) ?? 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) io.stderr(`finops ${name}: ${line}\n`);
    } else {
      io.stderr(`finops ${name}: ${errorLine(err)}\n`);
    }
    if (!(err instanceof FinopsError) && env['LOG_LEVEL'] === 'debug') io.stderr(`${(err as Error).stack}\n`);
    return isInputError(err) ? 2 : 1;
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
