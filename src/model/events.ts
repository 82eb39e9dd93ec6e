import { type Config, STAGES, type Stage } from '../config/schema.ts';
import { type Attribution, type Share, testLineShare, testPathMatcher } from './attribution.ts';
import { isBotLogin, type PeopleIndex, type Person } from './people.ts';
import type { ActivityInput, CommitInput, PullRequestInput } from './types.ts';

/**
 * GitHub activity → events `(person, at, product line, stage)` (SPEC §4 "Events"), with the
 * rework re-label applied. The qa share is applied later, to hours (see effort.ts).
 */
export type ActivityKind =
  | 'pr_opened'
  | 'commit'
  | 'review'
  | 'review_comment'
  | 'workflow_rerun'
  | 'deployment'
  | 'deploy_run';

export interface PrInfo {
  key: string;
  repo: string;
  number: number;
  title: string;
  shares: Share[];
  /** Fraction of the PR's changed lines in `test_paths`: that part of its authoring hours is qa. */
  testShare: number;
}

export interface EffortEvent {
  person: Person;
  /** Epoch ms. */
  at: number;
  stage: Stage;
  kind: ActivityKind;
  /** With `kind`, unique and stable: orders events that tie in time and stage (a sha, an id, a PR key). */
  key: string | number;
  repo: string;
  pr: PrInfo | null;
  shares: Share[];
  /** at × 8 + the stage's rank in id order: one number orders time, then stage id. */
  order: number;
}

/** Stage ids in id order: ties in time are read in this order (SPEC §4: "ordered by stage id"). */
export const STAGE_RANK: Readonly<Record<Stage, number>> = Object.fromEntries(
  [...STAGES].sort().map((s, i) => [s, i]),
) as Record<Stage, number>;

const REWORK_TITLE = /^(revert "|revert|fix|hotfix)/i;
const DEPLOY_WORKFLOW = /deploy/i;

/** SPEC §4: a PR is rework when it has a `rework_labels` label or its title starts with `Revert "`, `revert`, `fix`, `hotfix`. */
export function isReworkPr(
  pr: Pick<PullRequestInput, 'title' | 'labels'>,
  reworkLabels: readonly string[],
): boolean {
  const wanted = new Set(reworkLabels.map((l) => l.toLowerCase()));
  return pr.labels.some((l) => wanted.has(l.toLowerCase())) || REWORK_TITLE.test(pr.title.trimStart());
}

export interface EventBuild {
  events: EffortEvent[];
  counts: Record<string, number>;
  /** Product lines of repo-level activity (a CI run, a deployment) at a commit. */
  sharesAt(repo: string, sha: string | null): Share[];
}

const prKey = (repo: string, n: number) => `${repo.toLowerCase()}#${n}`;

export function buildEvents(
  input: ActivityInput,
  config: Config,
  people: PeopleIndex,
  attribution: Attribution,
): EventBuild {
  const counts: Record<string, number> = {
    botActivitiesExcluded: 0,
    mergeCommitsExcluded: 0,
    duplicateCommitsExcluded: 0,
    commitsByOthersIgnored: 0,
    activitiesWithoutLogin: 0,
    activitiesWithoutPr: 0,
  };
  const bump = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const isTest = testPathMatcher(config);
  const reworkLabels = config.model.rework_labels;

  interface PrState extends PrInfo {
    authorLower: string | null;
    authorIsBot: boolean;
    rework: boolean;
    createdAt: number;
    /** First review submitted by someone other than the author (and not a bot); null if none. */
    firstReviewAt: number | null;
    /** The repo has `owner/name:glob` entries. */
    globRepo: boolean;
    /** `[this]`, made once: the carriers of a commit only this PR carries. */
    alone: PrState[];
  }
  // PRs by repo then number; repo names are looked up as stored first, lower-cased on a miss.
  const byRepo = new Map<string, Map<number, PrState>>();
  const prs = {
    get(repo: string, n: number): PrState | undefined {
      return (byRepo.get(repo) ?? byRepo.get(repo.toLowerCase()))?.get(n);
    },
    set(repo: string, n: number, pr: PrState) {
      const lower = repo.toLowerCase();
      let inner = byRepo.get(lower);
      if (!inner) {
        inner = new Map();
        byRepo.set(lower, inner);
      }
      if (!byRepo.has(repo)) byRepo.set(repo, inner);
      inner.set(n, pr);
    },
    *values(): Generator<PrState> {
      const seen = new Set<Map<number, PrState>>();
      for (const inner of byRepo.values()) {
        if (seen.has(inner)) continue;
        seen.add(inner);
        yield* inner.values();
      }
    },
  };
  for (const pr of input.pullRequests) {
    const key = prKey(pr.repo, pr.number);
    if (prs.get(pr.repo, pr.number)) continue;
    prs.set(pr.repo, pr.number, {
      key,
      repo: pr.repo,
      number: pr.number,
      title: pr.title,
      shares: attribution.forPullRequest(pr.repo, pr.files),
      testShare: testLineShare(pr.files, isTest),
      authorLower: pr.authorLogin?.toLowerCase() ?? null,
      authorIsBot: isBotLogin(pr.authorLogin, pr.authorIsBot),
      rework: isReworkPr(pr, reworkLabels),
      createdAt: pr.createdAt.getTime(),
      firstReviewAt: null,
      globRepo: attribution.hasGlobs(pr.repo),
      alone: [],
    });
  }
  for (const r of input.reviews) {
    if (r.submittedAt === null || r.authorLogin === null || isBotLogin(r.authorLogin, r.authorIsBot))
      continue;
    const pr = prs.get(r.repo, r.prNumber);
    if (!pr || r.authorLogin.toLowerCase() === pr.authorLower) continue;
    const at = r.submittedAt.getTime();
    if (pr.firstReviewAt === null || at < pr.firstReviewAt) pr.firstReviewAt = at;
  }

  const events: EffortEvent[] = [];
  const push = (
    login: string | null,
    flaggedBot: boolean,
    at: number,
    stage: Stage,
    kind: ActivityKind,
    key: string | number,
    repo: string,
    pr: PrState | null,
    shares?: Share[],
  ) => {
    if (login === null) return bump('activitiesWithoutLogin');
    if (isBotLogin(login, flaggedBot)) return bump('botActivitiesExcluded');
    const relabelled = pr?.rework && (stage === 'authoring' || stage === 'review') ? 'rework' : stage;
    events.push({
      person: people.github(login),
      at,
      stage: relabelled,
      kind,
      key,
      repo,
      pr,
      shares: shares ?? pr?.shares ?? attribution.forRepo(repo),
      order: at * 8 + STAGE_RANK[relabelled],
    });
  };

  // PR opened by its author.
  for (const pr of prs.values()) {
    if (pr.authorLower === null) {
      bump('activitiesWithoutLogin');
      continue;
    }
    if (pr.authorIsBot) {
      bump('botActivitiesExcluded');
      continue;
    }
    const stage: Stage = pr.rework ? 'rework' : 'authoring';
    events.push({
      person: people.github(pr.authorLower),
      at: pr.createdAt,
      stage,
      order: pr.createdAt * 8 + STAGE_RANK[stage],
      kind: 'pr_opened',
      key: pr.key,
      repo: pr.repo,
      pr,
      shares: pr.shares,
    });
  }

  // Commits: merge commits out; one commit counted once however many PRs carry it, on the
  // earliest-opened PR whose author wrote it (a commit by someone else than the PR's author is
  // not an event of that PR).
  // Grouped by sha without an array for the usual commit carried by one PR.
  const bySha = new Map<string, CommitInput | CommitInput[]>();
  for (const c of input.commits) {
    const prev = bySha.get(c.sha);
    if (prev === undefined) bySha.set(c.sha, c);
    else if (Array.isArray(prev)) prev.push(c);
    else bySha.set(c.sha, [prev, c]);
  }
  const shaPrs = new Map<string, PrState[]>(); // for linking CI runs and deployments in monorepos
  const NONE: PrState[] = [];
  for (const [sha, entry] of bySha) {
    let first: CommitInput;
    let carriers: PrState[];
    if (Array.isArray(entry)) {
      // The rows of one sha describe one commit; read them in a fixed order all the same.
      entry.sort(
        (a, b) =>
          (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.prNumber - b.prNumber) ||
          ((a.authorLogin ?? '') < (b.authorLogin ?? '')
            ? -1
            : (a.authorLogin ?? '') > (b.authorLogin ?? '')
              ? 1
              : 0),
      );
      first = entry[0]!;
      carriers = [];
      for (const c of entry) {
        const pr = prs.get(c.repo, c.prNumber);
        if (pr) carriers.push(pr);
      }
      carriers.sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      counts['duplicateCommitsExcluded']! += entry.length - 1;
    } else {
      first = entry;
      const pr = prs.get(entry.repo, entry.prNumber);
      if (pr && pr.alone.length === 0) pr.alone.push(pr);
      carriers = pr ? pr.alone : NONE;
    }
    if (carriers.some((p) => p.globRepo)) shaPrs.set(sha, carriers);
    if (first.parentCount > 1) {
      bump('mergeCommitsExcluded');
      continue;
    }
    if (first.authorLogin === null) {
      bump('activitiesWithoutLogin');
      continue;
    }
    if (isBotLogin(first.authorLogin, first.authorIsBot)) {
      bump('botActivitiesExcluded');
      continue;
    }
    const author = first.authorLogin.toLowerCase();
    const pr = carriers.find((p) => p.authorLower === author);
    if (!pr) {
      if (carriers.length === 0) bump('activitiesWithoutPr');
      else bump('commitsByOthersIgnored');
      continue;
    }
    const at = first.authoredAt.getTime();
    const stage: Stage = pr.firstReviewAt !== null && at >= pr.firstReviewAt ? 'review' : 'authoring';
    push(first.authorLogin, false, at, stage, 'commit', sha, pr.repo, pr);
  }

  for (const r of input.reviews) {
    if (r.submittedAt === null) continue;
    const pr = prs.get(r.repo, r.prNumber);
    if (!pr) {
      bump('activitiesWithoutPr');
      continue;
    }
    if (r.authorLogin !== null && r.authorLogin.toLowerCase() === pr.authorLower) continue;
    push(r.authorLogin, r.authorIsBot, r.submittedAt.getTime(), 'review', 'review', r.id, pr.repo, pr);
  }

  for (const c of input.reviewComments) {
    const pr = prs.get(c.repo, c.prNumber);
    if (!pr) {
      bump('activitiesWithoutPr');
      continue;
    }
    push(c.authorLogin, c.authorIsBot, c.createdAt.getTime(), 'review', 'review_comment', c.id, pr.repo, pr);
  }

  // CI runs and deployments are repo-level; in a monorepo they follow the PR carrying their commit.
  const linkedPr = (repo: string, sha: string | null): PrState | null => {
    if (sha === null || !attribution.hasGlobs(repo)) return null;
    const lower = repo.toLowerCase();
    return shaPrs.get(sha)?.find((p) => p.repo.toLowerCase() === lower) ?? null;
  };
  for (const run of input.workflowRuns) {
    const at = (run.runStartedAt ?? run.createdAt).getTime();
    // The person behind this attempt: GitHub's `triggering_actor` (who pressed re-run); `actor`
    // stays the one who triggered the first attempt.
    const by = run.triggeringActorLogin ?? null;
    const who = by ?? run.actorLogin;
    const whoIsBot = by !== null ? run.triggeringActorIsBot === true : run.actorIsBot;
    const pr = linkedPr(run.repo, run.headSha);
    const shares = pr?.shares ?? attribution.forRepo(run.repo);
    // qa and deploy are never re-labelled: rework applies to authoring and review events only.
    if (run.runAttempt > 1) {
      push(who, whoIsBot, at, 'qa', 'workflow_rerun', run.id, run.repo, pr, shares);
    }
    if (DEPLOY_WORKFLOW.test(run.name)) {
      push(who, whoIsBot, at, 'deploy', 'deploy_run', run.id, run.repo, pr, shares);
    }
  }
  for (const d of input.deployments) {
    const pr = linkedPr(d.repo, d.sha);
    const shares = pr?.shares ?? attribution.forRepo(d.repo);
    push(
      d.creatorLogin,
      d.creatorIsBot,
      d.createdAt.getTime(),
      'deploy',
      'deployment',
      d.id,
      d.repo,
      pr,
      shares,
    );
  }
  return {
    events,
    counts,
    sharesAt: (repo, sha) => linkedPr(repo, sha)?.shares ?? attribution.forRepo(repo),
  };
}
