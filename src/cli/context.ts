import path from 'node:path';
import { type LoadedConfig, loadConfigFile } from '../config/load.ts';
import { connect, type DbHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../lib/logger.ts';
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
      loaded ??= loadConfigFile(configPath);
      return loaded;
    },
    database() {
      handle ??= (async () => {
        const h = await connect({
          databaseUrl: env['DATABASE_URL'],
          pgliteDir: path.join(dataDir, 'db'),
          onConnectionError: (err) =>
            logger.warn(`database connection lost while idle (a new one is opened): ${err.message}`),
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

/** Every value that must never appear in a log line. */
export function secretValues(env: Env): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && /TOKEN|SECRET|KEY|PASSWORD/.test(k))
    .map(([, v]) => v as string);
}
