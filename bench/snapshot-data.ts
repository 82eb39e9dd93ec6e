/**
 * The organisation of bench/snapshot.bench.ts: config and a seeded month. Building one month's snapshot (issue 6): an organisation of 1,000 engineers and 60 product lines
 * with 300,000 GitHub activity events in the month (and 75,000 / 150,000 to show the growth),
 * plus incidents, 18,000 daily cost rows and revenue. Timed: reading the month from the
 * database, the pure model, and the whole `ensureSnapshot` (reads, model, drift references,
 * the write). PGlite in memory always; Postgres too when TEST_DATABASE_URL is set.
 * Goal: under 5 s at 300,000 events on both.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -- snapshot
 */
import { sql } from 'kysely';
import { validateConfig } from '../src/config/load.ts';
import type { Db } from '../src/db/connect.ts';
import { monthBounds } from '../src/lib/dates.ts';

export const ENGINEERS = 1000;
export const LINES = 60;
const REPOS_PER_LINE = 3;
export const MONTH = '2026-10';
export const TZ = 'Europe/Berlin';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const LEVELS = ['junior', 'mid', 'mid', 'senior', 'senior', 'staff', 'principal'];
export const config = validateConfig({
  timezone: TZ,
  rates: [
    {
      effective_from: '2026-01-01',
      levels: { junior: 70, mid: 95, senior: 125, staff: 150, principal: 180 },
    },
    {
      effective_from: '2026-10-15',
      levels: { junior: 75, mid: 100, senior: 130, staff: 155, principal: 185 },
    },
  ],
  teams: [{ id: 'eng' }],
  // 950 of the 1,000 engineers are in the config; the rest count as unmapped.
  people: Array.from({ length: 950 }, (_, i) => ({
    github: `eng${i}`,
    email: `eng${i}@example.com`,
    level: LEVELS[i % LEVELS.length]!,
  })),
  product_lines: Array.from({ length: LINES }, (_, l) => ({
    id: `line-${l}`,
    team: 'eng',
    repos: [
      ...Array.from({ length: REPOS_PER_LINE }, (_, r) => `acme/repo-${l}-${r}`),
      `acme/monorepo:services/line-${l}/**`,
    ],
    pagerduty_services: [`PSVC${l}`],
    cost: { tags: { product: `line-${l}` } },
  })),
}).config;
export const configHash = 'bench';

/** Inserts rows column by column through unnest(): one statement per 20,000 rows, on both backends. */
async function insertColumns(
  db: Db,
  table: string,
  columns: Record<string, [string, unknown[]]>,
): Promise<void> {
  const names = Object.keys(columns);
  const n = columns[names[0]!]![1].length;
  const CHUNK = 20_000;
  for (let i = 0; i < n; i += CHUNK) {
    const parts = names.map((c) => {
      const [type, values] = columns[c]!;
      return sql`${sql.val(values.slice(i, i + CHUNK))}::${sql.raw(type)}[]`;
    });
    await sql`insert into ${sql.table(table)} (${sql.join(names.map((c) => sql.ref(c)))})
      select * from unnest(${sql.join(parts)})`.execute(db);
  }
}

/**
 * Seeds `events` activity events in `month` (default the benchmark month). Seeding a second
 * month gives the database history, as a real one has: ids, numbers and shas are offset by month.
 */
export async function seed(db: Db, events: number, month: string = MONTH): Promise<void> {
  const first = month === MONTH;
  const off = first ? 0 : 10_000_000;
  const tag = first ? '' : `${month}-`;
  const rand = prng(events);
  const { start, end } = monthBounds(month, TZ);
  const t0 = start.getTime();
  const span = end.getTime() - t0;
  const at = (ms: number) => new Date(Math.min(end.getTime() - 1, Math.max(t0, ms))).toISOString();
  const login = (i: number) => `eng${i % ENGINEERS}`;
  const TEAM = Math.floor(ENGINEERS / LINES);
  /** Another engineer of the same team. */
  const teammate = (e: number) =>
    (e % LINES) + LINES * ((Math.floor(e / LINES) + 1 + Math.floor(rand() * (TEAM - 1))) % TEAM);
  const repoOf = (p: number) => {
    const l = p % LINES;
    return p % 10 === 0 ? 'acme/monorepo' : `acme/repo-${l}-${p % REPOS_PER_LINE}`;
  };

  // The mix: 8 % PRs opened, 45 % commits, 15 % reviews, 22 % review comments, 7 % CI runs, 3 % deployments.
  const nPr = Math.round(events * 0.08);
  const nCommit = Math.round(events * 0.45);
  const nReview = Math.round(events * 0.15);
  const nComment = Math.round(events * 0.22);
  const nRun = Math.round(events * 0.07);
  const nDeploy = events - nPr - nCommit - nReview - nComment - nRun;

  const prAuthor: number[] = [];
  const prAt: number[] = [];
  const pr = {
    repo: [] as string[],
    number: [] as number[],
    author: [] as string[],
    title: [] as string[],
    labels: [] as string[],
    state: [] as string[],
    created: [] as string[],
    files: [] as string[],
  };
  for (let p = 0; p < nPr; p++) {
    // Engineers work mostly on their own team's product line (engineer e is on line e mod 60).
    const a = (p % LINES) + LINES * Math.floor(rand() * TEAM);
    const ms = t0 + rand() * span;
    prAuthor.push(a);
    prAt.push(ms);
    const l = p % LINES;
    const files =
      p % 10 === 0
        ? [
            { path: `services/line-${l}/src/a.ts`, additions: 40, deletions: 5 },
            { path: `services/line-${(l + 1) % LINES}/src/b.ts`, additions: 10, deletions: 2 },
            { path: `services/line-${l}/test/a.test.ts`, additions: 20, deletions: 0 },
          ]
        : [
            { path: 'src/a.ts', additions: Math.floor(rand() * 200), deletions: Math.floor(rand() * 50) },
            { path: 'src/a.test.ts', additions: Math.floor(rand() * 80), deletions: 0 },
          ];
    pr.repo.push(repoOf(p));
    pr.number.push(off + p);
    pr.author.push(login(a));
    pr.title.push(p % 9 === 0 ? `fix: issue ${p}` : `Feature ${p}`);
    pr.labels.push(p % 13 === 0 ? '["bug"]' : '[]');
    pr.state.push('open');
    pr.created.push(at(ms));
    pr.files.push(JSON.stringify(files));
  }
  await insertColumns(db, 'gh_pull_request', {
    repo: ['text', pr.repo],
    number: ['int', pr.number],
    author_login: ['text', pr.author],
    title: ['text', pr.title],
    labels: ['jsonb', pr.labels],
    state: ['text', pr.state],
    created_at: ['timestamptz', pr.created],
    updated_at: ['timestamptz', pr.created],
    files: ['jsonb', pr.files],
  });

  const c = {
    repo: [] as string[],
    pr: [] as number[],
    sha: [] as string[],
    author: [] as string[],
    at: [] as string[],
    parents: [] as number[],
  };
  for (let i = 0; i < nCommit; i++) {
    const p = Math.floor(rand() * nPr);
    // A few commits are carried by two PRs (same sha): counted once.
    const dup = i % 40 === 0 && i > 0;
    const sha = dup ? `${tag}sha${i - 1}` : `${tag}sha${i}`;
    const ms = prAt[p]! + rand() * 3 * 86_400_000;
    c.repo.push(repoOf(p));
    c.pr.push(off + p);
    c.sha.push(sha);
    c.author.push(login(i % 11 === 0 ? teammate(prAuthor[p]!) : prAuthor[p]!));
    c.at.push(at(dup ? prAt[p]! : ms));
    c.parents.push(i % 50 === 0 ? 2 : 1);
  }
  // Keep (repo, pr, sha) unique as the table requires.
  const seen = new Set<string>();
  const keep = c.sha.map((s, i) => {
    const k = `${c.repo[i]}|${c.pr[i]}|${s}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const f = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
  await insertColumns(db, 'gh_commit', {
    repo: ['text', f(c.repo)],
    pr_number: ['int', f(c.pr)],
    sha: ['text', f(c.sha)],
    author_login: ['text', f(c.author)],
    authored_at: ['timestamptz', f(c.at)],
    parent_count: ['int', f(c.parents)],
  });

  const r = {
    id: [] as number[],
    repo: [] as string[],
    pr: [] as number[],
    author: [] as string[],
    state: [] as string[],
    at: [] as string[],
  };
  for (let i = 0; i < nReview; i++) {
    const p = Math.floor(rand() * nPr);
    r.id.push(off + i + 1);
    r.repo.push(repoOf(p));
    r.pr.push(off + p);
    r.author.push(login(rand() < 0.1 ? Math.floor(rand() * ENGINEERS) : teammate(prAuthor[p]!)));
    r.state.push('APPROVED');
    r.at.push(at(prAt[p]! + rand() * 2 * 86_400_000));
  }
  await insertColumns(db, 'gh_review', {
    id: ['bigint', r.id],
    repo: ['text', r.repo],
    pr_number: ['int', r.pr],
    author_login: ['text', r.author],
    state: ['text', r.state],
    submitted_at: ['timestamptz', r.at],
  });

  const m = {
    id: [] as number[],
    repo: [] as string[],
    pr: [] as number[],
    author: [] as string[],
    at: [] as string[],
  };
  for (let i = 0; i < nComment; i++) {
    const p = Math.floor(rand() * nPr);
    m.id.push(off + i + 1);
    m.repo.push(repoOf(p));
    m.pr.push(off + p);
    m.author.push(login(rand() < 0.4 ? prAuthor[p]! : teammate(prAuthor[p]!)));
    m.at.push(at(prAt[p]! + rand() * 2 * 86_400_000));
  }
  await insertColumns(db, 'gh_review_comment', {
    id: ['bigint', m.id],
    repo: ['text', m.repo],
    pr_number: ['int', m.pr],
    author_login: ['text', m.author],
    created_at: ['timestamptz', m.at],
  });

  const w = {
    id: [] as number[],
    repo: [] as string[],
    name: [] as string[],
    actor: [] as string[],
    attempt: [] as number[],
    status: [] as string[],
    sha: [] as string[],
    at: [] as string[],
    end: [] as string[],
    billable: [] as number[],
  };
  for (let i = 0; i < nRun; i++) {
    const p = Math.floor(rand() * nPr);
    const ms = prAt[p]! + rand() * 86_400_000;
    w.id.push(off + i + 1);
    w.repo.push(repoOf(p));
    w.name.push(i % 8 === 0 ? 'Deploy production' : 'CI');
    w.actor.push(i % 5 === 0 ? 'github-actions[bot]' : login(prAuthor[p]!));
    w.attempt.push(i % 3 === 0 ? 2 : 1);
    w.status.push('completed');
    w.sha.push(`${tag}sha${Math.floor(rand() * nCommit)}`);
    w.at.push(at(ms));
    w.end.push(at(ms + 600_000));
    w.billable.push(Math.floor(rand() * 1_800_000));
  }
  await insertColumns(db, 'gh_workflow_run', {
    id: ['bigint', w.id],
    repo: ['text', w.repo],
    name: ['text', w.name],
    actor_login: ['text', w.actor],
    triggering_actor_login: ['text', w.actor],
    run_attempt: ['int', w.attempt],
    status: ['text', w.status],
    head_sha: ['text', w.sha],
    created_at: ['timestamptz', w.at],
    run_started_at: ['timestamptz', w.at],
    updated_at: ['timestamptz', w.end],
    billable_ms: ['bigint', w.billable],
  });

  const d = { id: [] as number[], repo: [] as string[], creator: [] as string[], at: [] as string[] };
  for (let i = 0; i < nDeploy; i++) {
    const p = Math.floor(rand() * nPr);
    d.id.push(off + i + 1);
    d.repo.push(repoOf(p));
    d.creator.push(login(teammate(prAuthor[p]!)));
    d.at.push(at(prAt[p]! + rand() * 4 * 86_400_000));
  }
  await insertColumns(db, 'gh_deployment', {
    id: ['bigint', d.id],
    repo: ['text', d.repo],
    creator_login: ['text', d.creator],
    created_at: ['timestamptz', d.at],
    updated_at: ['timestamptz', d.at],
  });

  // PagerDuty: one incident per 500 events, each assigned, acknowledged, noted and resolved.
  const nInc = Math.round(events / 500);
  const users = { id: [] as string[], email: [] as string[] };
  for (let u = 0; u < ENGINEERS; u++) {
    users.id.push(`PU${u}`);
    users.email.push(`eng${u}@example.com`);
  }
  if (first) await insertColumns(db, 'pd_user', { id: ['text', users.id], email: ['text', users.email] });
  const inc = {
    id: [] as string[],
    number: [] as number[],
    svc: [] as string[],
    status: [] as string[],
    at: [] as string[],
    resolved: [] as string[],
  };
  const le = {
    id: [] as string[],
    inc: [] as string[],
    type: [] as string[],
    agent: [] as string[],
    agentType: [] as string[],
    assignees: [] as string[],
    at: [] as string[],
  };
  for (let i = 0; i < nInc; i++) {
    const ms = t0 + rand() * span;
    const u = (i % LINES) + LINES * Math.floor(rand() * TEAM);
    const u2 = teammate(u);
    const dur = (0.2 + rand() * 10) * 3_600_000;
    inc.id.push(`Q${tag}${i}`);
    inc.number.push(off + i);
    inc.svc.push(`PSVC${i % LINES}`);
    inc.status.push('resolved');
    inc.at.push(at(ms));
    inc.resolved.push(new Date(ms + dur).toISOString());
    const entries: Array<[string, string, string, string[], number]> = [
      ['trigger_log_entry', `PSVC${i % LINES}`, 'service_reference', [], 0],
      ['assign_log_entry', `PSVC${i % LINES}`, 'service_reference', [`PU${u}`], 0],
      ['acknowledge_log_entry', `PU${u}`, 'user_reference', [], 0.05],
      ['annotate_log_entry', `PU${u2}`, 'user_reference', [], 0.3],
      ['resolve_log_entry', `PU${u}`, 'user_reference', [], 1],
    ];
    entries.forEach(([type, agent, agentType, assignees, frac], k) => {
      le.id.push(`L${tag}${i}-${k}`);
      le.inc.push(`Q${tag}${i}`);
      le.type.push(type);
      le.agent.push(agent);
      le.agentType.push(agentType);
      le.assignees.push(JSON.stringify(assignees));
      le.at.push(new Date(ms + frac * dur).toISOString());
    });
  }
  await insertColumns(db, 'pd_incident', {
    id: ['text', inc.id],
    number: ['int', inc.number],
    service_id: ['text', inc.svc],
    status: ['text', inc.status],
    created_at: ['timestamptz', inc.at],
    resolved_at: ['timestamptz', inc.resolved],
  });
  await insertColumns(db, 'pd_log_entry', {
    id: ['text', le.id],
    incident_id: ['text', le.inc],
    type: ['text', le.type],
    agent_id: ['text', le.agent],
    agent_type: ['text', le.agentType],
    assignee_ids: ['jsonb', le.assignees],
    created_at: ['timestamptz', le.at],
  });

  // Cost: 60 lines × 31 days × 10 services (one AI), and revenue per line.
  const src = await sql<{
    id: number;
  }>`insert into cost_source (source_key, kind, provider) values (${`bench:${month}`}, 'focus', 'AWS') returning id`.execute(
    db,
  );
  const cost = {
    src: [] as number[],
    day: [] as string[],
    line: [] as (string | null)[],
    cat: [] as string[],
    svc: [] as string[],
    amount: [] as number[],
  };
  for (let l = 0; l < LINES; l++) {
    const [yy, mm] = month.split('-').map(Number);
    const days = new Date(Date.UTC(yy!, mm!, 0)).getUTCDate();
    for (let day = 1; day <= days; day++) {
      for (let s = 0; s < 10; s++) {
        cost.src.push(src.rows[0]!.id);
        cost.day.push(`${month}-${String(day).padStart(2, '0')}`);
        cost.line.push(l === 0 && s < 3 ? null : `line-${l}`);
        cost.cat.push(s === 0 ? 'AI and Machine Learning' : 'Compute');
        cost.svc.push(`Service ${s}`);
        cost.amount.push(Math.round(rand() * 50_000) / 100);
      }
    }
  }
  const n = cost.day.length;
  await insertColumns(db, 'cost_daily', {
    source_id: ['bigint', cost.src],
    day: ['date', cost.day],
    provider: ['text', Array(n).fill('AWS')],
    service_category: ['text', cost.cat],
    service_name: ['text', cost.svc],
    charge_category: ['text', Array(n).fill('Usage')],
    billing_currency: ['text', Array(n).fill('USD')],
    product_line: ['text', cost.line],
    allocation: ['text', cost.line.map((x) => (x === null ? 'none' : 'direct'))],
    billed_cost: ['numeric', cost.amount],
    effective_cost: ['numeric', cost.amount],
  });
  await insertColumns(db, 'revenue', {
    month: ['text', Array(LINES).fill(month)],
    product_line: ['text', Array.from({ length: LINES }, (_, l) => `line-${l}`)],
    revenue: ['numeric', Array.from({ length: LINES }, () => 50_000 + Math.round(rand() * 100_000))],
  });
  await sql`analyze`.execute(db);
}
