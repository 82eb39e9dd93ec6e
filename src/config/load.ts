import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
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

/**
 * A finops.yml lists teams, product lines and people: a few hundred KB for a large company. A file
 * far beyond that is the wrong file (an export, a log), not a config, and is not read into memory.
 */
export const CONFIG_MAX_BYTES = 4 * 1024 * 1024;
/** YAML aliases a config may expand; far more than anchors for shared cost rules need (the "billion laughs" bomb needs thousands). */
const MAX_ALIASES = 100;
/** Syntax errors listed before "…and N more": the first ones say what is wrong. */
const MAX_YAML_ERRORS = 20;

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > CONFIG_MAX_BYTES) {
      throw new InputError(
        'config_too_large',
        `config file ${path} is ${(size / 1024 / 1024).toFixed(1)} MB, more than a config can be (${CONFIG_MAX_BYTES / 1024 / 1024} MB): check FINOPS_CONFIG points at finops.yml`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
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
    const lines = doc.errors.slice(0, MAX_YAML_ERRORS).map((e) => {
      const pos = e.linePos?.[0];
      return `${pos ? `line ${pos.line}, column ${pos.col}` : 'yaml'}: ${e.message.split('\n')[0]}`;
    });
    // A broken file (or one that is not YAML at all) can yield hundreds of follow-on errors.
    if (doc.errors.length > MAX_YAML_ERRORS)
      lines.push(`yaml: …and ${doc.errors.length - MAX_YAML_ERRORS} more error(s) after these`);
    throw new ConfigError(file, lines);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // The yaml library refuses alias expansion past the limit (a "billion laughs" bomb).
    throw new ConfigError(file, [
      `yaml: ${(err as Error).message.split('\n')[0]}: aliases (*name) expand to too much data; write the values out instead of nesting aliases`,
    ]);
  }
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

/** Key names that suggest someone pasted a secret into the file. */
const SECRET_KEY_RE = /token|secret|password|passwd|api_?key|^key$|credential/i;

function issueLine(iss: z.core.$ZodIssue): string {
  let msg = iss.message;
  if (iss.code === 'invalid_type' && msg.includes('received undefined')) msg = `required (${iss.expected})`;
  if (iss.code === 'unrecognized_keys') {
    msg = `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    if (iss.keys.some((k) => SECRET_KEY_RE.test(k)))
      msg +=
        ': secrets never live in this file; put the value in an environment variable and name it (token_env: MY_TOKEN)';
  }
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
