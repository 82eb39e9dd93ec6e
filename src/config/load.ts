import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../lib/errors.ts';
import { type Config, configSchema, crossCheck, formatPath } from './schema.ts';

export type { Config } from './schema.ts';

/** Thrown when the config file is invalid; `problems` holds one line per problem. */
export class ConfigError extends InputError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    // One line per problem, each naming the file and the path, so every line stands on its own.
    super('config_invalid', problems.map((p) => `${file}: ${p}`).join('\n'));
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** sha256 of the validated config (defaults applied), first 16 hex chars: ties snapshots to the config that made them. */
  hash: string;
  path: string;
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      'config_missing',
      code === 'ENOENT'
        ? `config file ${path} not found: copy examples/finops.example.yml to ./finops.yml or set FINOPS_CONFIG`
        : `config file ${path} cannot be read (${code ?? 'error'})`,
    );
  }
  return { ...parseConfigText(text, path), path };
}

export function parseConfigText(text: string, file = 'finops.yml'): { config: Config; hash: string } {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'yaml'}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  return validateConfig(raw ?? {}, file);
}

export function validateConfig(raw: unknown, file = 'finops.yml'): { config: Config; hash: string } {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(issueLine);
    throw new ConfigError(file, [...lines, ...lenientCrossCheck(raw, lines)]);
  }
  const problems = crossCheck(parsed.data).map(([p, m]) => `${formatPath(p)}: ${m}`);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const config = deepFreeze(parsed.data);
  return { config, hash: configHash(config) };
}

/**
 * Cross-reference problems (unknown team, missing default level…) of a file that also has
 * shape problems, so the user sees every problem in one go. Best effort on unvalidated data.
 */
function lenientCrossCheck(raw: unknown, already: string[]): string[] {
  if (raw === null || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  const arr = (k: string) => (Array.isArray(r[k]) ? (r[k] as unknown[]) : []);
  const objs = <T>(k: string) => arr(k).filter((x): x is T => x !== null && typeof x === 'object');
  try {
    const lenient = {
      ...r,
      default_level: typeof r['default_level'] === 'string' ? r['default_level'] : 'mid',
      senior_levels: arr('senior_levels').filter((x) => typeof x === 'string'),
      teams: objs<{ id: string }>('teams').filter((t) => typeof t.id === 'string'),
      rates: objs<{ levels: unknown }>('rates').map((x) => ({
        ...x,
        levels: x.levels !== null && typeof x.levels === 'object' ? x.levels : {},
      })),
      product_lines: objs<{ id: string }>('product_lines'),
      people: objs('people'),
    } as unknown as Config;
    const taken = new Set(already.map((l) => l.slice(0, l.indexOf(':'))));
    return crossCheck(lenient)
      .map(([p, m]) => [formatPath(p), m] as const)
      .filter(([p]) => !taken.has(p))
      .map(([p, m]) => `${p}: ${m}`);
  } catch {
    return [];
  }
}

function issueLine(iss: z.core.$ZodIssue): string {
  let msg = iss.message;
  if (iss.code === 'invalid_type' && msg.includes('received undefined')) msg = `required (${iss.expected})`;
  if (iss.code === 'unrecognized_keys') msg = `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${formatPath(iss.path)}: ${msg}`;
}

export function configHash(config: Config): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
