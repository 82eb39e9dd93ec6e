import type { Config, Stage } from '../config/schema.ts';
import { type Attribution, type Share, testLineShare, testPathMatcher } from './attribution.ts';
import { isBotLogin, type PeopleIndex, type Person } from './people.ts';
import type { ActivityInput, PullRequestInput } from './types.ts';

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
  /** Unique and stable: orders events that tie in time and stage. */
  key: string;
  repo: string;
  pr: PrInfo | null;
  shares: Share[];
}

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
  }
  const prs = new Map<string, PrState>();
  for (const pr of input.pullRequests) {
    const key = prKey(pr.repo, pr.number);
    if (prs.has(key)) continue;
    prs.set(key, {
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
    });
  }
  for (const r of input.reviews) {
    if (r.submittedAt === null || r.authorLogin === null || isBotLogin(r.authorLogin, r.authorIsBot))
      continue;
    const pr = prs.get(prKey(r.repo, r.prNumber));
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
    key: string,
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
    events.push({
      person: people.github(pr.authorLower),
      at: pr.createdAt,
      stage: pr.rework ? 'rework' : 'authoring',
      kind: 'pr_opened',
      key: `pr:${pr.key}`,
      repo: pr.repo,
      pr,
      shares: pr.shares,
    });
  }

  // Commits: merge commits out; one commit counted once however many PRs carry it, on the
  // earliest-opened PR whose author wrote it (a commit by someone else than the PR's author is
  // not an event of that PR).
  const bySha = new Map<string, typeof input.commits>();
  for (const c of input.commits) {
    const list = bySha.get(c.sha);
    if (list) list.push(c);
    else bySha.set(c.sha, [c]);
  }
  const shaPrs = new Map<string, PrState[]>(); // for linking CI runs and deployments in monorepos
  for (const [sha, rows] of bySha) {
    // The rows of one sha describe one commit; read them in a fixed order all the same.
    rows.sort(
      (a, b) =>
        (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.prNumber - b.prNumber) ||
        ((a.authorLogin ?? '') < (b.authorLogin ?? '')
          ? -1
          : (a.authorLogin ?? '') > (b.authorLogin ?? '')
            ? 1
            : 0),
    );
    const first = rows[0]!;
    const carriers: PrState[] = [];
    for (const c of rows) {
      const pr = prs.get(prKey(c.repo, c.prNumber));
      if (pr) carriers.push(pr);
    }
    carriers.sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    shaPrs.set(sha, carriers);
    if (first.parentCount > 1) {
      bump('mergeCommitsExcluded');
      continue;
    }
    if (rows.length > 1) counts['duplicateCommitsExcluded']! += rows.length - 1;
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
    push(first.authorLogin, false, at, stage, 'commit', `commit:${sha}`, pr.repo, pr);
  }

  for (const r of input.reviews) {
    if (r.submittedAt === null) continue;
    const pr = prs.get(prKey(r.repo, r.prNumber));
    if (!pr) {
      bump('activitiesWithoutPr');
      continue;
    }
    if (r.authorLogin !== null && r.authorLogin.toLowerCase() === pr.authorLower) continue;
    push(
      r.authorLogin,
      r.authorIsBot,
      r.submittedAt.getTime(),
      'review',
      'review',
      `review:${r.id}`,
      pr.repo,
      pr,
    );
  }

  for (const c of input.reviewComments) {
    const pr = prs.get(prKey(c.repo, c.prNumber));
    if (!pr) {
      bump('activitiesWithoutPr');
      continue;
    }
    push(
      c.authorLogin,
      c.authorIsBot,
      c.createdAt.getTime(),
      'review',
      'review_comment',
      `comment:${c.id}`,
      pr.repo,
      pr,
    );
  }

  // CI runs and deployments are repo-level; in a monorepo they follow the PR carrying their commit.
  const linkedPr = (repo: string, sha: string | null): PrState | null => {
    if (sha === null || !attribution.hasGlobs(repo)) return null;
    const lower = repo.toLowerCase();
    return shaPrs.get(sha)?.find((p) => p.repo.toLowerCase() === lower) ?? null;
  };
  for (const run of input.workflowRuns) {
    const at = (run.runStartedAt ?? run.createdAt).getTime();
    const pr = linkedPr(run.repo, run.headSha);
    const shares = pr?.shares ?? attribution.forRepo(run.repo);
    // qa and deploy are never re-labelled: rework applies to authoring and review events only.
    if (run.runAttempt > 1) {
      push(
        run.actorLogin,
        run.actorIsBot,
        at,
        'qa',
        'workflow_rerun',
        `rerun:${run.id}`,
        run.repo,
        pr,
        shares,
      );
    }
    if (DEPLOY_WORKFLOW.test(run.name)) {
      push(
        run.actorLogin,
        run.actorIsBot,
        at,
        'deploy',
        'deploy_run',
        `deployrun:${run.id}`,
        run.repo,
        pr,
        shares,
      );
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
      `deployment:${d.id}`,
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
