import picomatch from 'picomatch';
import type { Config } from '../config/schema.ts';
import type { PullRequestFile } from './types.ts';

/** A part of some activity: `weight` of it belongs to `productLine` (`null` = unallocated). */
export interface Share {
  productLine: string | null;
  weight: number;
}

export interface Attribution {
  /**
   * A pull request's product lines. Whole-repo entries claim every file; `owner/name:glob`
   * entries claim the files under the glob; each file goes to the first product line in config
   * order that claims it. The PR splits in proportion to the changed lines (additions +
   * deletions) each product line claims; when the claimed files changed no lines (renames,
   * binaries) they split by file count. A PR no entry claims any file of is unallocated,
   * unless a whole-repo entry exists (a PR without a file list goes there).
   */
  forPullRequest(repo: string, files: readonly PullRequestFile[]): Share[];
  /** Repo-level activity that no PR carries (deployments, CI runs): the first whole-repo entry. */
  forRepo(repo: string): Share[];
  /** The product line whose `pagerduty_services` lists the service, first in config order. */
  forService(serviceId: string): string | null;
  /** Repos that have at least one `owner/name:glob` entry. */
  hasGlobs(repo: string): boolean;
  /** Position of a product line in the config (for stable ordering). */
  order(productLine: string | null): number;
}

interface RepoSpec {
  productLine: string;
  /** null: the whole repository. */
  match: ((path: string) => boolean) | null;
}

/**
 * A glob matcher that first checks the glob's literal directory prefix (cheap) and remembers
 * answers per path: a monorepo with 60 product lines asks about the same paths again and again.
 */
function globMatcher(glob: string): (path: string) => boolean {
  const full = picomatch(glob, { dot: true });
  const base = picomatch.scan(glob).base;
  const prefix = base === '' ? '' : `${base}/`;
  return (path) => (prefix === '' || path.startsWith(prefix) || path === base) && full(path);
}

/** Remembers a path predicate's answers (file paths repeat across PRs). */
export function memoPath(test: (path: string) => boolean): (path: string) => boolean {
  const seen = new Map<string, boolean>();
  return (path) => {
    let hit = seen.get(path);
    if (hit === undefined) {
      hit = test(path);
      seen.set(path, hit);
    }
    return hit;
  };
}

const UNALLOCATED_SHARE: Share[] = [{ productLine: null, weight: 1 }];

export function createAttribution(config: Config): Attribution {
  const specs = new Map<string, RepoSpec[]>();
  for (const pl of config.product_lines) {
    for (const entry of pl.repos) {
      const i = entry.indexOf(':');
      const repo = (i < 0 ? entry : entry.slice(0, i)).toLowerCase();
      const glob = i < 0 ? null : entry.slice(i + 1);
      const list = specs.get(repo) ?? [];
      list.push({ productLine: pl.id, match: glob === null ? null : memoPath(globMatcher(glob)) });
      specs.set(repo, list);
    }
  }
  const services = new Map<string, string>();
  for (const pl of config.product_lines) {
    for (const s of pl.pagerduty_services) if (!services.has(s)) services.set(s, pl.id);
  }
  const orderOf = new Map(config.product_lines.map((p, i) => [p.id, i]));

  const wholeCache = new Map<string, Share[]>();
  const wholeRepo = (repo: string): Share[] => {
    let hit = wholeCache.get(repo);
    if (!hit) {
      const whole = specs.get(repo)?.find((s) => s.match === null);
      hit = whole ? [{ productLine: whole.productLine, weight: 1 }] : UNALLOCATED_SHARE;
      wholeCache.set(repo, hit);
    }
    return hit;
  };

  return {
    forPullRequest(repoName, files) {
      const repo = repoName.toLowerCase();
      const list = specs.get(repo);
      if (!list) return UNALLOCATED_SHARE;
      if (list.every((s) => s.match === null)) return wholeRepo(repo);
      const lines = new Map<string, number>();
      const count = new Map<string, number>();
      for (const f of files) {
        const spec = list.find((s) => s.match === null || s.match(f.path));
        if (!spec) continue;
        lines.set(spec.productLine, (lines.get(spec.productLine) ?? 0) + f.additions + f.deletions);
        count.set(spec.productLine, (count.get(spec.productLine) ?? 0) + 1);
      }
      if (count.size === 0) return wholeRepo(repo);
      let total = 0;
      for (const v of lines.values()) total += v;
      const basis = total > 0 ? lines : count;
      const denominator = total > 0 ? total : [...count.values()].reduce((a, b) => a + b, 0);
      return [...basis.entries()]
        .filter(([, v]) => v > 0)
        .sort((a, b) => (orderOf.get(a[0]) ?? 0) - (orderOf.get(b[0]) ?? 0))
        .map(([productLine, v]) => ({ productLine, weight: v / denominator }));
    },
    forRepo(repo) {
      return wholeCache.get(repo) ?? wholeRepo(repo.toLowerCase());
    },
    forService(serviceId) {
      return services.get(serviceId) ?? null;
    },
    hasGlobs(repo) {
      return specs.get(repo.toLowerCase())?.some((s) => s.match !== null) ?? false;
    },
    order(productLine) {
      return productLine === null ? Number.MAX_SAFE_INTEGER : (orderOf.get(productLine) ?? 0);
    },
  };
}

/** Share of a PR's changed lines in files matching `test_paths` (0 when it changed no lines). */
export function testLineShare(
  files: readonly PullRequestFile[],
  isTestPath: (path: string) => boolean,
): number {
  let all = 0;
  let tests = 0;
  for (const f of files) {
    const n = f.additions + f.deletions;
    all += n;
    if (isTestPath(f.path)) tests += n;
  }
  return all > 0 ? tests / all : 0;
}

export function testPathMatcher(config: Config): (path: string) => boolean {
  return config.model.test_paths.length > 0
    ? memoPath(picomatch(config.model.test_paths, { dot: true }))
    : () => false;
}
