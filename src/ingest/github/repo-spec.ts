import picomatch from 'picomatch';
import type { Config } from '../../config/schema.ts';
import { InputError } from '../../lib/errors.ts';

/** `owner/name` or `owner/name:glob` (a monorepo entry: the product line claims paths under the glob). */
export interface RepoSpec {
  owner: string;
  name: string;
  /** `owner/name` as written in the config. */
  fullName: string;
  glob: string | null;
}

/** A repository to fetch once, with every product line that claims it. */
export interface RepoTarget {
  owner: string;
  name: string;
  fullName: string;
  claims: Array<{ productLine: string; glob: string | null; where: string }>;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Parses one spec; returns the problem as a sentence instead of throwing. */
export function parseRepoSpec(spec: string): RepoSpec | { problem: string } {
  const colon = spec.indexOf(':');
  const repoPart = colon === -1 ? spec : spec.slice(0, colon);
  const glob = colon === -1 ? null : spec.slice(colon + 1);
  const parts = repoPart.split('/');
  const [owner, name] = parts;
  if (parts.length !== 2 || !owner || !name || !NAME_RE.test(owner) || !NAME_RE.test(name)) {
    return {
      problem: `"${spec}" is not "owner/name" or "owner/name:glob" (for example "acme/checkout-api")`,
    };
  }
  if (glob !== null) {
    if (glob.trim() === '') {
      return {
        problem: `"${spec}" has an empty glob after ":" (for example "${repoPart}:services/checkout/**")`,
      };
    }
    if (glob.startsWith('/')) {
      return {
        problem: `"${spec}": the glob must be relative to the repository root (write "${repoPart}:${glob.replace(/^\/+/, '')}")`,
      };
    }
    try {
      picomatch.makeRe(glob, { strictBrackets: true });
    } catch (err) {
      return { problem: `"${spec}": invalid glob "${glob}" (${(err as Error).message})` };
    }
  }
  return { owner, name, fullName: `${owner}/${name}`, glob };
}

/**
 * The repositories the config names, each once even when several product lines (or several
 * monorepo globs) claim it. GitHub names are case-insensitive, so `Acme/API` and `acme/api` are
 * one repository; the first spelling is kept. Throws an InputError naming the entry on bad specs.
 */
export function reposFromConfig(config: Pick<Config, 'product_lines'>): RepoTarget[] {
  const byKey = new Map<string, RepoTarget>();
  const problems: string[] = [];
  config.product_lines.forEach((pl, i) => {
    pl.repos.forEach((spec, j) => {
      const where = `product_lines[${i}].repos[${j}]`;
      const parsed = parseRepoSpec(spec);
      if ('problem' in parsed) {
        problems.push(`${where}: ${parsed.problem}`);
        return;
      }
      const key = parsed.fullName.toLowerCase();
      const target = byKey.get(key) ?? {
        owner: parsed.owner,
        name: parsed.name,
        fullName: parsed.fullName,
        claims: [],
      };
      target.claims.push({ productLine: pl.id, glob: parsed.glob, where });
      byKey.set(key, target);
    });
  });
  if (problems.length > 0) {
    throw new InputError('repo_spec_invalid', `${problems.join('; ')}: fix the entry in the config file`);
  }
  return [...byKey.values()];
}
