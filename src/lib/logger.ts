/**
 * A small leveled logger writing one line per record to stderr. Secrets registered
 * with `redact` are replaced wherever they appear, so a token never reaches a log.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  secrets?: readonly (string | undefined)[];
}

/** The secrets each logger redacts, so ones learnt later (from the config) can join. */
const REDACTED = new WeakMap<Logger, string[]>();

const worthRedacting = (s: string | undefined): s is string => typeof s === 'string' && s.length >= 6;

/**
 * Adds secrets to what a logger made by `createLogger` redacts: values the config points at (a
 * token in a variable of any name), known only once the config is read.
 */
export function addSecrets(logger: Logger, values: readonly (string | undefined)[]): void {
  const list = REDACTED.get(logger);
  if (!list) return;
  for (const v of values) if (worthRedacting(v) && !list.includes(v)) list.push(v);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = (opts.secrets ?? []).filter(worthRedacting);
  const redact = (s: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);
  const logger: Logger = {
    level: opts.level ?? 'info',
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
  REDACTED.set(logger, secrets);
  function emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(logger.level)) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
    write(redact(`${new Date().toISOString()} ${level.toUpperCase()} ${msg}${extra}`));
  }
  return logger;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val) => (val instanceof Error ? { message: val.message } : val));
  } catch {
    return '[unserialisable]';
  }
}

export const silentLogger: Logger = createLogger({ level: 'silent', write: () => {} });
