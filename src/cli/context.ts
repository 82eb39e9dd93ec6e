import path from 'node:path';
import { type LoadedConfig, loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { connect, type DbHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { addSecrets, createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../lib/logger.ts';
import type { ServiceDeps } from '../services/deps.ts';

/** The process environment, read once in main.ts and passed down frozen. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal: progress is drawn in place, otherwise logged as lines. */
  isTty: boolean;
}

export interface CliContext {
  env: Env;
  io: CliIo;
  logger: Logger;
  now: () => Date;
  dataDir: string;
  configPath: string;
  /** Loads and validates the config once (throws ConfigError → exit 2). */
  config(): LoadedConfig;
  /** Opens the database once and applies pending migrations. */
  database(): Promise<DbHandle>;
  /** Config + database + logger + clock, as every service takes them. */
  services(): Promise<ServiceDeps>;
  close(): Promise<void>;
}

export function createCliContext(env: Env, io: CliIo, now: () => Date = () => new Date()): CliContext {
  const dataDir = path.resolve(env['FINOPS_DATA_DIR'] ?? './.finops');
  const configPath = path.resolve(env['FINOPS_CONFIG'] ?? './finops.yml');
  const level = (LOG_LEVELS as readonly string[]).includes(env['LOG_LEVEL'] ?? '')
    ? (env['LOG_LEVEL'] as LogLevel)
    : 'info';
  const logger = createLogger({ level, secrets: secretValues(env) });
  let loaded: LoadedConfig | undefined;
  let handle: Promise<DbHandle> | undefined;
  return {
    env,
    io,
    logger,
    now,
    dataDir,
    configPath,
    config() {
      if (!loaded) {
        loaded = loadConfigFile(configPath);
        addSecrets(logger, configSecretValues(loaded.config, env));
      }
      return loaded;
    },
    database() {
      handle ??= (async () => {
        const h = await connect({
          databaseUrl: env['DATABASE_URL'],
          pgliteDir: path.join(dataDir, 'db'),
          onConnectionError: (err) =>
            logger.warn(`database connection lost (the next query opens a new one): ${err.message}`),
        });
        try {
          await migrateToLatest(h.db);
        } catch (err) {
          await h.close();
          throw err;
        }
        return h;
      })();
      return handle;
    },
    async services() {
      const { config, hash } = this.config();
      const { db } = await this.database();
      return { db, config, configHash: hash, logger, now, env, dataDir };
    },
    async close() {
      if (handle) await (await handle.catch(() => undefined))?.close();
    },
  };
}

/** Every value that must never appear in a log line: secret-named variables and the database password. */
export function secretValues(env: Env): string[] {
  const named = Object.entries(env)
    .filter(([k, v]) => v !== undefined && /TOKEN|SECRET|KEY|PASSWORD/.test(k))
    .map(([, v]) => v as string);
  return [...named, ...urlPassword(env['DATABASE_URL'])];
}

/** The values of the variables the config names for tokens and keys, whatever they are called. */
export function configSecretValues(config: Config, env: Env): string[] {
  const s = config.sources;
  return [s.github?.token_env, s.pagerduty?.token_env, s.openai?.key_env, s.anthropic?.key_env]
    .map((name) => (name === undefined ? undefined : env[name]))
    .filter((v): v is string => typeof v === 'string' && v !== '');
}

/** `postgres://user:pw@host/db` → the password as written and decoded. */
function urlPassword(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const pw = new URL(url).password;
    return pw ? [pw, decodeURIComponent(pw)] : [];
  } catch {
    return [];
  }
}
