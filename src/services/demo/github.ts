import type { Insertable } from 'kysely';
import type {
  GhCommitTable,
  GhDeploymentTable,
  GhFile,
  GhPullRequestTable,
  GhReviewCommentTable,
  GhReviewTable,
  GhWorkflowRunTable,
} from '../../db/schema.ts';
import {
  type DemoOrg,
  type DemoPerson,
  isSenior,
  REVIEW_WEIGHTS,
  type RepoTarget,
  VOCABULARY,
} from './org.ts';
import type { Rng } from './random.ts';

/**
 * GitHub activity of the demo organisation, simulated pull request by pull request on each
 * engineer's working calendar: authoring sessions (commits), the PR opening, review rounds
 * (review comments and a review per reviewer, the author's replies and fix-up commits), the
 * merge and the deploy, CI runs with the occasional re-run. Engineers who use the coding
 * assistant (from their adoption day on) author in fewer, shorter sessions with larger diffs
 * and open a few more PRs; their PRs get more review rounds with more comments, mostly from
 * senior engineers. Rows come out in the shapes the GitHub ingestion stores.
 */
export interface GithubRows {
  pullRequests: Array<Insertable<GhPullRequestTable>>;
  reviews: Array<Insertable<GhReviewTable>>;
  reviewComments: Array<Insertable<GhReviewCommentTable>>;
  commits: Array<Insertable<GhCommitTable>>;
  workflowRuns: Array<Insertable<GhWorkflowRunTable>>;
  deployments: Array<Insertable<GhDeploymentTable>>;
}

const MIN = 60_000;
const DEPENDABOT = 'dependabot[bot]';
const ACTIONS_BOT = 'github-actions[bot]';

/** PRs a person opens per month of working days, by level (×AI_PR_FACTOR once they use the assistant). */
const PR_RATE: Record<string, number> = { junior: 6, mid: 7, senior: 5, staff: 3, principal: 2.5 };
const AI_PR_FACTOR = 1.2;

interface Actor {
  login: string;
  bot: boolean;
  person: DemoPerson | null;
}
interface SimCommit {
  sha: string;
  login: string;
  bot: boolean;
  ms: number;
  parents: number;
}
interface SimPr {
  target: RepoTarget;
  author: Actor;
  title: string;
  labels: string[];
  files: GhFile[];
  headRef: string;
  baseRef: string;
  createdMs: number;
  mergedMs: number | null;
  closedMs: number | null;
  updatedMs: number;
  commits: SimCommit[];
  reviews: Array<{ login: string; bot: boolean; state: string; ms: number }>;
  comments: Array<{ login: string; bot: boolean; ms: number }>;
  runs: SimRun[];
  deployments: SimDeploy[];
}
interface SimRun {
  repo: string;
  name: string;
  event: string;
  actor: Actor;
  triggering: Actor;
  attempt: number;
  conclusion: string;
  headSha: string;
  createdMs: number;
  startedMs: number;
  updatedMs: number;
  billableMs: number;
}
interface SimDeploy {
  repo: string;
  creator: Actor;
  environment: string;
  sha: string;
  createdMs: number;
  statuses: Array<{ state: string; createdAt: string }>;
}

const VERBS = [
  'Add',
  'Implement',
  'Refactor',
  'Improve',
  'Update',
  'Simplify',
  'Extract',
  'Support',
  'Speed up',
];
const PROBLEMS = [
  'race condition',
  'timeout under load',
  'wrong rounding',
  'null pointer on retry',
  'off-by-one in pagination',
  'crash on empty input',
  'regression after release',
  'stale cache entries',
];
const BUMPS: Record<string, string[]> = {
  ts: ['axios', 'zod', 'pino', 'typescript', '@types/node', 'vitest'],
  web: ['react', 'next', 'typescript', 'eslint', '@tanstack/react-query'],
  ui: ['react', 'typescript'],
  go: ['golang.org/x/net', 'github.com/stretchr/testify', 'google.golang.org/grpc'],
  py: ['fastapi', 'pydantic', 'numpy', 'boto3', 'openai'],
  mobile: ['com.squareup.okhttp3:okhttp', 'androidx.compose:compose-bom', 'io.coil-kt:coil'],
  infra: ['hashicorp/aws', 'terraform-aws-modules/eks/aws'],
};

export function generateGithub(org: DemoOrg, rng: Rng): GithubRows {
  const { days } = org;
  const endMs = days.endMs();
  const prs: SimPr[] = [];
  const looseRuns: SimRun[] = [];
  const looseDeploys: SimDeploy[] = [];
  const human = (p: DemoPerson): Actor => ({ login: p.login, bot: false, person: p });
  const bot = (login: string): Actor => ({ login, bot: true, person: null });
  const sha = () => rng.hex(40);
  const usesAi = (p: DemoPerson | null, ms: number) =>
    p !== null && p.adoptionDay !== null && days.indexOf(ms) >= p.adoptionDay;
  const within = (ms: number) => ms < endMs;

  // ── who reviews ──────────────────────────────────────────────────────────
  const teamOfLine = new Map(org.config.product_lines.map((p) => [p.id, p.team]));
  const reviewersFor = (target: RepoTarget, author: DemoPerson | null, ai: boolean, n: number) => {
    const team = target.lineId ? teamOfLine.get(target.lineId) : null;
    const pool = org.people.filter(
      (p) => p.mapped && p !== author && (team ? p.team === team : isSenior(p) && p.level !== 'senior'),
    );
    const weights = ai ? REVIEW_WEIGHTS.ai : REVIEW_WEIGHTS.before;
    const out: DemoPerson[] = [];
    for (let i = 0; i < n && pool.length > 0; i++) {
      const p = rng.weighted(pool, (x) => weights[x.level as keyof typeof weights] ?? 1);
      out.push(p);
      pool.splice(pool.indexOf(p), 1);
    }
    return out;
  };

  // ── CI and deploys ───────────────────────────────────────────────────────
  const ciRun = (pr: SimPr, actor: Actor, atMs: number, headSha: string, ai: boolean): void => {
    const minutes = rng.int(6, 14);
    const rerun = !actor.bot && rng.chance(ai ? 0.14 : 0.07);
    const attempt = rerun ? (rng.chance(0.25) ? 3 : 2) : 1;
    // A re-run (qa) starts a while after the first attempt failed, by the same person.
    const startedMs = rerun ? atMs + rng.int(20, 75) * MIN : atMs + 20_000;
    if (!within(startedMs + minutes * MIN)) return;
    pr.runs.push({
      repo: pr.target.repo,
      name: 'CI',
      event: 'pull_request',
      actor,
      triggering: actor,
      attempt,
      conclusion: 'success',
      headSha,
      createdMs: atMs,
      startedMs,
      updatedMs: startedMs + minutes * MIN,
      billableMs: attempt * minutes * MIN,
    });
  };

  const mergeAndDeploy = (pr: SimPr, merger: Actor, mergedMs: number): void => {
    pr.mergedMs = mergedMs;
    pr.closedMs = mergedMs;
    const mergeSha = sha();
    const at = mergedMs + MIN;
    const ciMinutes = rng.int(7, 15);
    pr.runs.push({
      repo: pr.target.repo,
      name: 'CI',
      event: 'push',
      actor: merger,
      triggering: merger,
      attempt: 1,
      conclusion: 'success',
      headSha: mergeSha,
      createdMs: at,
      startedMs: at + 15_000,
      updatedMs: at + ciMinutes * MIN,
      billableMs: ciMinutes * MIN,
    });
    if (pr.target.flavour === 'mobile') return; // the app ships in weekly releases instead
    const name = pr.target.flavour === 'infra' ? 'terraform-apply' : 'Deploy to production';
    const minutes = rng.int(4, 9);
    pr.runs.push({
      repo: pr.target.repo,
      name,
      event: 'push',
      actor: merger,
      triggering: merger,
      attempt: 1,
      conclusion: 'success',
      headSha: mergeSha,
      createdMs: at,
      startedMs: at + 20_000,
      updatedMs: at + minutes * MIN,
      billableMs: minutes * MIN,
    });
    if (pr.target.flavour === 'infra') return;
    const created = at + rng.int(2, 4) * MIN;
    pr.deployments.push({
      repo: pr.target.repo,
      creator: bot(ACTIONS_BOT),
      environment: 'production',
      sha: mergeSha,
      createdMs: created,
      statuses: [
        { state: 'in_progress', createdAt: new Date(created + 10_000).toISOString() },
        { state: 'success', createdAt: new Date(at + minutes * MIN).toISOString() },
      ],
    });
  };

  // ── titles and files ─────────────────────────────────────────────────────
  const vocabFor = (t: RepoTarget) =>
    VOCABULARY[t.flavour === 'infra' ? 'infra' : t.flavour === 'ui' ? 'ui' : (t.lineId ?? 'ui')] ??
    (VOCABULARY['ui'] as { modules: string[]; nouns: string[] });

  const titleFor = (
    t: RepoTarget,
    author: DemoPerson,
    rework: boolean,
  ): { title: string; labels: string[] } => {
    const v = vocabFor(t);
    const noun = rng.pick(v.nouns);
    const mod = rng.pick(v.modules);
    const conventional = author.team === 'payments';
    if (rework) {
      const kind = rng.weighted(['fix', 'label', 'hotfix', 'revert'] as const, (k) =>
        k === 'fix' ? 0.45 : k === 'label' ? 0.3 : k === 'hotfix' ? 0.15 : 0.1,
      );
      const problem = rng.pick(PROBLEMS);
      if (kind === 'fix')
        return {
          title: conventional ? `fix(${mod}): ${noun} ${problem}` : `Fix ${noun} ${problem}`,
          labels: [],
        };
      if (kind === 'label')
        return { title: `Handle ${noun} edge case`, labels: [rng.pick(['bug', 'regression'])] };
      if (kind === 'hotfix') return { title: `Hotfix: ${noun} ${problem}`, labels: ['hotfix'] };
      return { title: `Revert "${rng.pick(VERBS)} ${noun}"`, labels: [] };
    }
    const verb = rng.pick(VERBS);
    const title = conventional
      ? `${verb === 'Refactor' ? 'refactor' : 'feat'}(${mod}): ${verb.toLowerCase()} ${noun}`
      : `${verb} ${noun}`;
    const labels = rng.chance(0.3) ? [rng.pick(['enhancement', 'tech-debt', 'performance'])] : [];
    return { title, labels };
  };

  const pascal = (s: string) =>
    s
      .replace(/[^A-Za-z0-9 ]/g, ' ')
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w[0]?.toUpperCase() + w.slice(1))
      .join('');
  const snake = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '');

  const pathFor = (t: RepoTarget, mod: string, noun: string, test: boolean): string => {
    const base = t.base === '' ? '' : `${t.base}/`;
    const P = pascal(noun);
    const s = snake(noun);
    switch (t.flavour) {
      case 'go':
        return `${base}internal/${mod}/${s}${test ? '_test' : ''}.go`;
      case 'py':
        return test
          ? `${base}tests/${mod}/test_${s}.py`
          : `${base}${t.repo.split('/')[1]?.replace(/-/g, '_')}/${mod}/${s}.py`;
      case 'web':
      case 'ui':
        return `${base}src/${mod}/${P}${test ? '.spec' : ''}.tsx`;
      case 'mobile':
        return rng.chance(0.5)
          ? `${base}android/app/src/${test ? 'test' : 'main'}/java/com/acme/shop/${mod}/${P}${test ? 'Test' : ''}.kt`
          : `${base}ios/${test ? 'AcmeShopTests' : `AcmeShop/${pascal(mod)}`}/${P}${test ? 'Tests' : ''}.swift`;
      case 'infra':
        return test ? `terraform/modules/${mod}/tests/${s}.tftest.hcl` : `terraform/modules/${mod}/${s}.tf`;
      default:
        return test ? `${base}test/${mod}/${s}.test.ts` : `${base}src/${mod}/${s}.ts`;
    }
  };

  const filesFor = (t: RepoTarget, ai: boolean, rework: boolean): GhFile[] => {
    const v = vocabFor(t);
    const total = Math.round(Math.min(3000, Math.max(3, rng.logNormal(rework ? 40 : ai ? 220 : 120, 0.7))));
    const testShare = rng.chance(0.2) ? 0 : ai ? rng.float(0.2, 0.5) : rng.float(0.15, 0.45);
    const nFiles = Math.min(25, Math.max(1, Math.round(total / 45) + rng.int(0, 2)));
    const nTest = testShare > 0 ? Math.max(1, Math.round(nFiles * testShare)) : 0;
    const files = new Map<string, GhFile>();
    const add = (path: string, lines: number) => {
      const additions = Math.max(1, Math.round(lines * rng.float(0.55, 0.9)));
      const deletions = Math.max(0, lines - additions);
      const f = files.get(path);
      if (f) {
        f.additions += additions;
        f.deletions += deletions;
      } else files.set(path, { path, additions, deletions });
    };
    const srcLines = Math.max(1, Math.round(total * (1 - testShare)));
    const testLines = total - srcLines;
    const nSrc = Math.max(1, nFiles - nTest);
    for (let i = 0; i < nSrc; i++)
      add(pathFor(t, rng.pick(v.modules), rng.pick(v.nouns), false), srcLines / nSrc);
    for (let i = 0; i < nTest && testLines > 0; i++)
      add(pathFor(t, rng.pick(v.modules), rng.pick(v.nouns), true), testLines / nTest);
    if (t.flavour === 'web') {
      // Monorepo PRs sometimes touch the shared UI package (no product line) or another app.
      if (rng.chance(0.12))
        add(
          pathFor(org.sharedUi, 'forms', rng.pick(VOCABULARY['ui']?.nouns ?? ['x']), false),
          rng.int(10, 80),
        );
      if (rng.chance(0.05)) {
        const others = [...org.targets.values()].flat().filter((x) => x.repo === t.repo && x.base !== t.base);
        if (others.length > 0) {
          const o = rng.pick(others);
          add(pathFor(o, rng.pick(vocabFor(o).modules), rng.pick(vocabFor(o).nouns), false), rng.int(10, 60));
        }
      }
    }
    return [...files.values()];
  };

  // ── one human-authored pull request ──────────────────────────────────────
  const simulatePr = (author: DemoPerson, startMs: number, target: RepoTarget): void => {
    const ai = usesAi(author, startMs);
    const rework = rng.chance(ai ? 0.16 : 0.11);
    const { title, labels } = titleFor(target, author, rework);
    const pr: SimPr = {
      target,
      author: human(author),
      title,
      labels,
      files: filesFor(target, ai, rework),
      headRef: `${author.login}/${snake(title).slice(0, 40)}`,
      baseRef: 'main',
      createdMs: 0,
      mergedMs: null,
      closedMs: null,
      updatedMs: 0,
      commits: [],
      reviews: [],
      comments: [],
      runs: [],
      deployments: [],
    };
    const commit = (ms: number, parents = 1) =>
      pr.commits.push({ sha: sha(), login: author.login, bot: false, ms, parents });

    // Authoring sessions: several before the assistant, fewer with it.
    const bursts = rework ? rng.int(1, 2) : ai ? rng.int(1, 3) : rng.int(2, 4);
    let earliest = startMs;
    for (let b = 0; b < bursts; b++) {
      const n = rework ? rng.int(1, 3) : ai ? rng.int(2, 3) : rng.int(2, 4);
      const lead = rng.int(10, 30);
      const gaps = Array.from({ length: n - 1 }, () => rng.int(25, 60));
      const last = b === bursts - 1;
      const dur = lead + gaps.reduce((a, x) => a + x, 0) + (last ? 15 : 5);
      const s = author.calendar.place(earliest, dur);
      if (s === null || !within(s + dur * MIN)) return; // never opened within the demo
      let t = s + lead * MIN;
      for (let i = 0; i < n; i++) {
        commit(t);
        t += (gaps[i] ?? 0) * MIN;
      }
      if (last) pr.createdMs = (pr.commits.at(-1)?.ms ?? t) + rng.int(3, 10) * MIN;
      earliest = s + dur * MIN + rng.int(30, 1200) * MIN;
    }
    prs.push(pr);
    pr.updatedMs = pr.createdMs;
    ciRun(pr, pr.author, pr.createdMs + MIN, pr.commits.at(-1)?.sha ?? sha(), ai);

    // Review rounds.
    const reviewers = reviewersFor(target, author, ai, rng.chance(ai ? 0.5 : 0.3) ? 2 : 1);
    if (reviewers.length === 0) return;
    let rounds = 1 + (rng.chance(ai ? 0.8 : 0.45) ? 1 : 0) + (rng.chance(ai ? 0.3 : 0.1) ? 1 : 0);
    if (rework) rounds = Math.max(1, rounds - 1);
    let ready = pr.createdMs;
    let approval: { by: DemoPerson; ms: number } | null = null;
    for (let r = 1; r <= rounds; r++) {
      const lastRound = r === rounds;
      let roundEnd = ready;
      for (const [i, rev] of reviewers.entries()) {
        if (i > 0 && !lastRound && r > 1 && rng.chance(0.4)) continue;
        const latency = rng.logNormal(ai ? 200 : 130, 0.8);
        const n = lastRound ? rng.int(0, 2) : ai ? rng.int(2, 5) : rng.int(1, 4);
        const lead = rng.int(5, 20);
        const gaps = Array.from({ length: n }, () => rng.int(4, 15));
        const dur = lead + gaps.reduce((a, x) => a + x, 0) + 8;
        const s = rev.calendar.place(ready + latency * MIN, dur);
        if (s === null || !within(s + dur * MIN)) return;
        let t = s + lead * MIN;
        for (const g of gaps) {
          pr.comments.push({ login: rev.login, bot: false, ms: t });
          t += g * MIN;
        }
        const state = lastRound ? 'APPROVED' : rng.chance(0.6) ? 'CHANGES_REQUESTED' : 'COMMENTED';
        pr.reviews.push({ login: rev.login, bot: false, state, ms: t });
        pr.updatedMs = Math.max(pr.updatedMs, t);
        roundEnd = Math.max(roundEnd, t);
        if (lastRound && (!approval || t > approval.ms)) approval = { by: rev, ms: t };
      }
      if (lastRound) break;
      if (r === 1 && rng.chance(0.04)) {
        // Abandoned after the first review.
        const closed = roundEnd + rng.int(60, 2880) * MIN;
        if (within(closed)) {
          pr.closedMs = closed;
          pr.updatedMs = closed;
        }
        return;
      }
      // The author answers: replies in the review and fix-up commits, sometimes merging main in.
      const replies = rng.int(1, ai ? 4 : 3);
      const fixups = rng.int(1, ai ? 4 : 3);
      const kinds = [...Array(replies).fill('reply'), ...Array(fixups).fill('commit')] as string[];
      if (rng.chance(0.06)) kinds.push('merge');
      const lead = rng.int(5, 20);
      const gaps = kinds.map(() => rng.int(5, 30));
      const dur = lead + gaps.reduce((a, x) => a + x, 0) + 5;
      const s = author.calendar.place(roundEnd + rng.int(15, 180) * MIN, dur);
      if (s === null || !within(s + dur * MIN)) return;
      let t = s + lead * MIN;
      for (const [i, k] of kinds.entries()) {
        if (k === 'reply') pr.comments.push({ login: author.login, bot: false, ms: t });
        else commit(t, k === 'merge' ? 2 : 1);
        t += (gaps[i] ?? 0) * MIN;
      }
      ciRun(pr, pr.author, t, pr.commits.at(-1)?.sha ?? sha(), ai);
      pr.updatedMs = Math.max(pr.updatedMs, t);
      ready = t;
    }
    if (!approval) return;
    const merger = rng.chance(0.85) ? author : approval.by;
    const s = merger.calendar.place(approval.ms + rng.int(5, 120) * MIN, 15);
    if (s === null || !within(s + 15 * MIN)) return;
    mergeAndDeploy(pr, human(merger), s + 5 * MIN);
    pr.updatedMs = s + 10 * MIN;

    // Now and then a fix goes to the release branch too: the same commits (same SHAs) in a backport PR.
    if ((target.flavour === 'ts' || target.flavour === 'go') && rng.chance(rework ? 0.15 : 0.02)) {
      backport(pr, author, s + 15 * MIN);
    }
  };

  const backport = (orig: SimPr, author: DemoPerson, afterMs: number): void => {
    const s = author.calendar.place(afterMs + rng.int(30, 600) * MIN, 20);
    if (s === null) return;
    const [rev] = reviewersFor(orig.target, author, false, 1);
    if (!rev) return;
    const r = rev.calendar.place(s + rng.int(30, 240) * MIN, 15);
    if (r === null) return;
    const m = author.calendar.place(r + 20 * MIN, 10);
    if (m === null || !within(m + 10 * MIN)) return;
    const pr: SimPr = {
      ...orig,
      title: `Backport: ${orig.title}`,
      labels: [...orig.labels, 'backport'],
      headRef: `backport/${orig.headRef.split('/')[1] ?? 'fix'}`,
      baseRef: 'release/2.x',
      createdMs: s + 5 * MIN,
      mergedMs: null,
      closedMs: null,
      updatedMs: s + 5 * MIN,
      commits: orig.commits.filter((c) => c.parents === 1),
      reviews: [{ login: rev.login, bot: false, state: 'APPROVED', ms: r + 8 * MIN }],
      comments: [],
      runs: [],
      deployments: [],
    };
    prs.push(pr);
    mergeAndDeploy(pr, human(author), m + 5 * MIN);
    pr.updatedMs = m + 6 * MIN;
  };

  // ── plans: when each person starts a pull request ───────────────────────
  const infraTarget = org.infra;
  const plans: Array<{ person: DemoPerson; ms: number; target: RepoTarget }> = [];
  for (const person of org.people) {
    const rate = PR_RATE[person.level] ?? 6;
    for (let d = 0; d < days.length; d++) {
      if (!person.calendar.isWorking(d)) continue;
      const ai = person.adoptionDay !== null && d >= person.adoptionDay;
      if (!rng.chance((rate * (ai ? AI_PR_FACTOR : 1)) / 21)) continue;
      const ms = days.at(d, rng.int(480, 1000));
      let target: RepoTarget;
      if (isSenior(person) && person.mapped && rng.chance(0.06)) target = infraTarget;
      else {
        const line = rng.weighted(person.lines, (l) => l.weight).id;
        const ts = org.targets.get(line) ?? [];
        target = rng.weighted(ts, (t) => (t.base === '' ? 1 : 0.6));
      }
      plans.push({ person, ms, target });
    }
  }
  plans.sort((a, b) => a.ms - b.ms);
  for (const p of plans) simulatePr(p.person, p.ms, p.target);

  // ── dependabot: a dependency bump per repository every two weeks ─────────
  const repoTargets = new Map<string, RepoTarget>();
  for (const list of org.targets.values())
    for (const t of list) if (!repoTargets.has(t.repo)) repoTargets.set(t.repo, t);
  repoTargets.set(infraTarget.repo, infraTarget);
  for (const t of [...repoTargets.values()].sort((a, b) => a.repo.localeCompare(b.repo))) {
    const offset = rng.int(0, 13);
    for (let d = offset; d < days.length; d += 14) {
      const openMs = days.at(d, rng.int(300, 420));
      const eco = t.flavour === 'web' || t.flavour === 'ui' ? 'web' : t.flavour;
      const pkg = rng.pick(BUMPS[eco] ?? ['lodash']);
      const minor = rng.int(1, 30);
      const manifest =
        t.flavour === 'go'
          ? ['go.mod', 'go.sum']
          : t.flavour === 'py'
            ? ['requirements.txt']
            : t.flavour === 'mobile'
              ? ['android/gradle/libs.versions.toml']
              : t.flavour === 'infra'
                ? ['terraform/.terraform.lock.hcl']
                : ['package.json', 'package-lock.json'];
      const pr: SimPr = {
        target: t,
        author: bot(DEPENDABOT),
        title: `Bump ${pkg} from 1.${minor}.0 to 1.${minor + 1}.0`,
        labels: ['dependencies'],
        files: manifest.map((path, i) => ({
          path,
          additions: i === 0 ? 1 : rng.int(4, 60),
          deletions: i === 0 ? 1 : rng.int(4, 60),
        })),
        headRef: `dependabot/${eco}/${pkg.replace(/[^a-z0-9]+/gi, '-')}-1.${minor + 1}.0`,
        baseRef: 'main',
        createdMs: openMs,
        mergedMs: null,
        closedMs: null,
        updatedMs: openMs,
        commits: [{ sha: sha(), login: DEPENDABOT, bot: true, ms: openMs - MIN, parents: 1 }],
        reviews: [],
        comments: [],
        runs: [],
        deployments: [],
      };
      if (!within(openMs)) continue;
      prs.push(pr);
      ciRun(pr, bot(DEPENDABOT), openMs + MIN, pr.commits[0]?.sha ?? sha(), false);
      const [rev] = reviewersFor(t, null, false, 1);
      if (!rev) continue;
      const s = rev.calendar.place(openMs + rng.int(60, 2880) * MIN, 15);
      if (s === null || !within(s + 15 * MIN)) continue;
      pr.reviews.push({ login: rev.login, bot: false, state: 'APPROVED', ms: s + 6 * MIN });
      mergeAndDeploy(pr, human(rev), s + 9 * MIN);
      pr.updatedMs = s + 10 * MIN;
    }
  }

  // ── the mobile app ships weekly (Thursday afternoon), by a release captain ──
  const mobileTarget = (org.targets.get('mobile-app') ?? [])[0];
  const captains = org.people.filter((p) => p.mapped && p.team === 'mobile' && p.level !== 'junior');
  if (mobileTarget && captains.length > 0) {
    let week = 0;
    for (let d = 0; d < days.length; d++) {
      if (new Date(days.at(d, 720)).getUTCDay() !== 4) continue;
      const captain = captains[week++ % captains.length] as DemoPerson;
      const s = captain.calendar.place(days.at(d, 840), 20);
      if (s === null || !within(s + 20 * MIN)) continue;
      // The captain creates the deployment with the release tool (a person: a deploy event); the
      // App Store workflow it triggers runs as github-actions.
      const at = s + 5 * MIN;
      const minutes = rng.int(12, 25);
      const relSha = sha();
      looseDeploys.push({
        repo: mobileTarget.repo,
        creator: human(captain),
        environment: 'app-store',
        sha: relSha,
        createdMs: at,
        statuses: [
          { state: 'in_progress', createdAt: new Date(at + MIN).toISOString() },
          { state: 'success', createdAt: new Date(at + (minutes + 1) * MIN).toISOString() },
        ],
      });
      looseRuns.push({
        repo: mobileTarget.repo,
        name: 'Release to App Store',
        event: 'deployment',
        actor: bot(ACTIONS_BOT),
        triggering: human(captain),
        attempt: 1,
        conclusion: 'success',
        headSha: relSha,
        createdMs: at + 20_000,
        startedMs: at + 40_000,
        updatedMs: at + minutes * MIN,
        billableMs: minutes * MIN,
      });
    }
  }

  return toRows(prs, looseRuns, looseDeploys);
}

/** Numbers PRs per repository in opening order, gives runs and deployments ids, flattens to rows. */
function toRows(prs: SimPr[], looseRuns: SimRun[], looseDeploys: SimDeploy[]): GithubRows {
  const out: GithubRows = {
    pullRequests: [],
    reviews: [],
    reviewComments: [],
    commits: [],
    workflowRuns: [],
    deployments: [],
  };
  const ordered = [...prs].sort((a, b) => a.createdMs - b.createdMs);
  const nextNumber = new Map<string, number>();
  const runs: SimRun[] = [...looseRuns];
  const deploys: SimDeploy[] = [...looseDeploys];
  const reviews: Array<Insertable<GhReviewTable> & { ms: number }> = [];
  const comments: Array<Insertable<GhReviewCommentTable> & { ms: number }> = [];
  const d = (ms: number) => new Date(ms);
  for (const [i, pr] of ordered.entries()) {
    const repo = pr.target.repo;
    const number = nextNumber.get(repo) ?? 100 + ((repo.length * 37) % 400);
    nextNumber.set(repo, number + 1);
    out.pullRequests.push({
      repo,
      number,
      githubId: 2_100_000_000 + i * 7 + 3,
      authorLogin: pr.author.login,
      authorIsBot: pr.author.bot,
      title: pr.title,
      labels: JSON.stringify(pr.labels),
      state: pr.closedMs !== null ? 'closed' : 'open',
      createdAt: d(pr.createdMs),
      updatedAt: d(Math.max(pr.updatedMs, pr.createdMs)),
      mergedAt: pr.mergedMs !== null ? d(pr.mergedMs) : null,
      closedAt: pr.closedMs !== null ? d(pr.closedMs) : null,
      headRef: pr.headRef,
      baseRef: pr.baseRef,
      files: JSON.stringify(pr.files),
      fetchedAt: d(Math.max(pr.updatedMs, pr.createdMs) + 30 * MIN),
    });
    const seen = new Set<string>();
    for (const c of pr.commits) {
      if (seen.has(c.sha)) continue;
      seen.add(c.sha);
      out.commits.push({
        repo,
        prNumber: number,
        sha: c.sha,
        authorLogin: c.login,
        authorIsBot: c.bot,
        authoredAt: d(c.ms),
        parentCount: c.parents,
      });
    }
    for (const r of pr.reviews)
      reviews.push({
        id: 0,
        repo,
        prNumber: number,
        authorLogin: r.login,
        authorIsBot: r.bot,
        state: r.state,
        submittedAt: d(r.ms),
        ms: r.ms,
      });
    for (const c of pr.comments)
      comments.push({
        id: 0,
        repo,
        prNumber: number,
        authorLogin: c.login,
        authorIsBot: c.bot,
        createdAt: d(c.ms),
        ms: c.ms,
      });
    runs.push(...pr.runs);
    deploys.push(...pr.deployments);
  }
  // Ids grow with time, as GitHub's do.
  const byTime = <T extends { ms: number; repo: string; prNumber: number }>(a: T, b: T) =>
    a.ms - b.ms || a.repo.localeCompare(b.repo) || a.prNumber - b.prNumber;
  reviews.sort(byTime);
  comments.sort(byTime);
  out.reviews = reviews.map(({ ms: _ms, ...r }, i) => ({ ...r, id: 1_700_000_000 + i * 3 + 1 }));
  out.reviewComments = comments.map(({ ms: _ms, ...c }, i) => ({ ...c, id: 1_400_000_000 + i * 5 + 2 }));
  runs.sort(
    (a, b) => a.createdMs - b.createdMs || a.repo.localeCompare(b.repo) || a.name.localeCompare(b.name),
  );
  out.workflowRuns = runs.map((r, i) => ({
    id: 9_100_000_000 + i * 11 + 5,
    repo: r.repo,
    name: r.name,
    event: r.event,
    actorLogin: r.actor.login,
    triggeringActorLogin: r.triggering.login,
    actorIsBot: r.actor.bot,
    runAttempt: r.attempt,
    status: 'completed',
    conclusion: r.conclusion,
    headSha: r.headSha,
    createdAt: d(r.createdMs),
    runStartedAt: d(r.startedMs),
    updatedAt: d(r.updatedMs),
    billableMs: r.billableMs,
  }));
  deploys.sort((a, b) => a.createdMs - b.createdMs || a.repo.localeCompare(b.repo));
  out.deployments = deploys.map((x, i) => ({
    id: 1_900_000_000 + i * 13 + 7,
    repo: x.repo,
    creatorLogin: x.creator.login,
    creatorIsBot: x.creator.bot,
    environment: x.environment,
    sha: x.sha,
    createdAt: d(x.createdMs),
    updatedAt: new Date(x.statuses.at(-1)?.createdAt ?? x.createdMs),
    statuses: JSON.stringify(x.statuses),
  }));
  return out;
}
