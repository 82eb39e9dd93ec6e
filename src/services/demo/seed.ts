import { performance } from 'node:perf_hooks';
import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';
import { isMonth, type Month } from '../../lib/dates.ts';
import { InputError } from '../../lib/errors.ts';
import type { ServiceDeps } from '../deps.ts';
import { demoConfig } from './config.ts';
import { type DemoData, generateDemo } from './generate.ts';
import { type DemoRowKeys, demoRowKeys } from './org.ts';
import { DEMO_DEFAULT_MONTHS, DEMO_KIND, DEMO_MAX_MONTHS, DEMO_MIN_MONTHS } from './story.ts';

/**
 * `seedDemo` writes the demo organisation (see ./story.ts for its story) into the same raw
 * tables real ingestion fills, in one transaction: it either replaces the previous demo
 * completely or changes nothing. It refuses to write next to data that did not come from the
 * demo unless `force` is set.
 */
export interface SeedDemoOptions {
  seed: number;
  /** Full months to cover, ending with `endMonth` (default 6). */
  months?: number;
  /** The last month seeded, `YYYY-MM`: usually the last closed month, so nothing lies in the future. */
  endMonth: Month;
  /** Seed even though the database holds data that is not from the demo (left in place). */
  force?: boolean;
  /** Called after each phase: generating, clearing, and each table written. */
  onProgress?: (p: SeedProgress) => void;
}

export interface SeedProgress {
  step: 'generate' | 'clear' | 'insert';
  /** The table written (insert) or a description (generate, clear). */
  what: string;
  rows: number;
  ms: number;
}

export interface SeedDemoResult {
  seed: number;
  months: number;
  firstMonth: Month;
  endMonth: Month;
  rolloutMonth: Month;
  spikeDays: string[];
  people: number;
  teams: number;
  productLines: number;
  tables: Array<{ table: string; rows: number; ms: number }>;
  totalRows: number;
  ms: number;
  /** Rows of an earlier demo that this seed replaced. */
  replacedRows: number;
  /** Rows not from the demo that were present (only with `force`), by table. */
  foreignRows: Array<{ table: string; rows: number }>;
}

/**
 * Tables computed from the raw data (and the action log kept on them): stale once the demo is
 * replaced, so cleared with it when the database holds only an earlier demo.
 */
const DERIVED_TABLES = [
  'action_event',
  'action_item',
  'labor_spike', // before anomaly: each spike references its anomaly row
  'anomaly',
  'snapshot',
  'posted_message',
  'job_run',
] as const;
/** Keeps two concurrent seeds (two replicas, two terminals) from interleaving. */
const SEED_LOCK = 0x64656d6f; // "demo"

export async function seedDemo(
  deps: Pick<ServiceDeps, 'db' | 'now'>,
  opts: SeedDemoOptions,
): Promise<SeedDemoResult> {
  const months = opts.months ?? DEMO_DEFAULT_MONTHS;
  validate(opts.seed, months, opts.endMonth);
  const started = performance.now();
  const report = opts.onProgress ?? (() => undefined);

  let t = performance.now();
  const data = generateDemo({ seed: opts.seed, months, endMonth: opts.endMonth });
  const generated = countRows(data);
  report({ step: 'generate', what: 'organisation generated', rows: generated, ms: performance.now() - t });

  return deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SEED_LOCK})`.execute(trx);
    const keys = demoRowKeys(data.org.config);
    // Snapshots, anomalies, action items… come from an earlier demo only if there was one;
    // otherwise they are somebody's work and count as data that is not the demo's.
    const seededBefore = (await readDemoSeed(trx)) !== null;
    const foreign = [...(await foreignData(trx, keys)), ...(seededBefore ? [] : await derivedData(trx))];
    if (foreign.length > 0 && !opts.force) {
      throw new InputError(
        'demo_over_real_data',
        `the database holds data that is not from the demo (${foreign
          .map((f) => `${f.table}: ${f.rows} rows`)
          .join(', ')}); seeding would mix synthetic and real numbers. Point FINOPS_DATA_DIR or ` +
          'DATABASE_URL at an empty database, or pass --force to add the demo next to that data',
      );
    }

    t = performance.now();
    const replacedRows = await clearDemo(trx, keys, seededBefore && foreign.length === 0);
    report({ step: 'clear', what: 'previous demo removed', rows: replacedRows, ms: performance.now() - t });

    const tables: SeedDemoResult['tables'] = [];
    const write = async <T extends keyof Database & string>(
      table: T,
      label: string,
      rows: ReadonlyArray<Insertable<Database[T]>>,
    ) => {
      const s = performance.now();
      await insertAll(trx, table, rows);
      const entry = { table: label, rows: rows.length, ms: performance.now() - s };
      tables.push(entry);
      report({ step: 'insert', what: label, rows: entry.rows, ms: entry.ms });
    };
    const { github: g, pagerduty: pd, cost } = data;
    await write('pdUser', 'pd_user', pd.users);
    await write('pdIncident', 'pd_incident', pd.incidents);
    await write('pdLogEntry', 'pd_log_entry', pd.logEntries);
    await write('ghPullRequest', 'gh_pull_request', g.pullRequests);
    await write('ghCommit', 'gh_commit', g.commits);
    await write('ghReview', 'gh_review', g.reviews);
    await write('ghReviewComment', 'gh_review_comment', g.reviewComments);
    await write('ghWorkflowRun', 'gh_workflow_run', g.workflowRuns);
    await write('ghDeployment', 'gh_deployment', g.deployments);

    let s = performance.now();
    const ids = new Map<string, number>();
    for (const src of cost.sources) {
      const row = await trx.insertInto('costSource').values(src).returning(['id']).executeTakeFirstOrThrow();
      ids.set(src.sourceKey, row.id);
    }
    tables.push({ table: 'cost_source', rows: cost.sources.length, ms: performance.now() - s });
    report({ step: 'insert', what: 'cost_source', rows: cost.sources.length, ms: performance.now() - s });
    await write(
      'costDaily',
      'cost_daily',
      cost.daily.map(({ sourceKey, ...r }) => ({ ...r, sourceId: ids.get(sourceKey) as number })),
    );
    await write('revenue', 'revenue', cost.revenue);

    const { timeline } = data.org;
    s = performance.now();
    await trx
      .insertInto('demoSeed')
      .values({
        seed: opts.seed,
        months,
        firstMonth: timeline.firstMonth,
        endMonth: timeline.endMonth,
        rolloutMonth: timeline.rolloutMonth,
        spikeDays: JSON.stringify(timeline.spikeDays),
        configHash: demoConfig().hash,
        rowCounts: JSON.stringify(Object.fromEntries(tables.map((x) => [x.table, x.rows]))),
        seededAt: deps.now(),
      })
      .execute();
    tables.push({ table: 'demo_seed', rows: 1, ms: performance.now() - s });

    return {
      seed: opts.seed,
      months,
      firstMonth: timeline.firstMonth,
      endMonth: timeline.endMonth,
      rolloutMonth: timeline.rolloutMonth,
      spikeDays: timeline.spikeDays,
      people: data.org.people.filter((p) => p.mapped).length,
      teams: data.org.config.teams.length,
      productLines: data.org.config.product_lines.length,
      tables,
      totalRows: tables.reduce((a, x) => a + x.rows, 0),
      ms: performance.now() - started,
      replacedRows,
      foreignRows: foreign,
    };
  });
}

export type DemoSeedRow = {
  seed: number;
  months: number;
  firstMonth: Month;
  endMonth: Month;
  rolloutMonth: Month;
  spikeDays: string[];
  configHash: string;
  rowCounts: Record<string, number>;
  seededAt: Date;
};

/** What the demo seeded in this database, or null when it never was (the preview reads this). */
export async function readDemoSeed(db: Db): Promise<DemoSeedRow | null> {
  const row = await db.selectFrom('demoSeed').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return null;
  const { id: _id, ...rest } = row;
  return rest;
}

export interface DemoDatabaseState {
  /** `empty`: nothing ingested, no demo; `demo`: only the demo; `data`: rows that are not the demo's. */
  state: 'empty' | 'demo' | 'data';
  seed: DemoSeedRow | null;
  foreign: Array<{ table: string; rows: number }>;
}

/**
 * What the database holds, for the preview's "seed the demo if the database is empty": `data`
 * exactly when `seedDemo` would refuse without `force`.
 */
export async function demoDatabaseState(db: Db): Promise<DemoDatabaseState> {
  const seed = await readDemoSeed(db);
  const foreign = [...(await findForeignData(db)), ...(seed ? [] : await derivedData(db))];
  return { state: foreign.length > 0 ? 'data' : seed ? 'demo' : 'empty', seed, foreign };
}

/** Rows in the raw tables that did not come from the demo (ingested data), by table; empty when none. */
export async function findForeignData(db: Db): Promise<Array<{ table: string; rows: number }>> {
  return foreignData(db, demoRowKeys(demoConfig().config));
}

function validate(seed: number, months: number, endMonth: string): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    throw new InputError('bad_seed', `the seed must be a whole number from 0 to 2147483647, got ${seed}`);
  }
  if (!Number.isInteger(months) || months < DEMO_MIN_MONTHS || months > DEMO_MAX_MONTHS) {
    throw new InputError(
      'bad_months',
      `months must be a whole number from ${DEMO_MIN_MONTHS} to ${DEMO_MAX_MONTHS} (the story needs three baseline months before the rollout's three), got ${months}`,
    );
  }
  if (!isMonth(endMonth)) {
    throw new InputError('bad_month', `the end month must be YYYY-MM, got ${JSON.stringify(endMonth)}`);
  }
}

function countRows(data: DemoData): number {
  const { github: g, pagerduty: pd, cost } = data;
  return (
    Object.values(g).reduce((a, rows) => a + rows.length, 0) +
    pd.users.length +
    pd.incidents.length +
    pd.logEntries.length +
    cost.sources.length +
    cost.daily.length +
    cost.revenue.length
  );
}

type Executor = Db;

/**
 * Counts raw rows that are not the demo's: anything ingested (an ingest run, a cost file that is
 * not `demo`, revenue from a file), GitHub rows of other repositories, PagerDuty rows of other
 * services or users.
 */
async function foreignData(db: Executor, keys: DemoRowKeys): Promise<Array<{ table: string; rows: number }>> {
  const notIn = (col: string, values: string[]) =>
    values.length === 0
      ? sql`true`
      : sql`${sql.ref(col)} not in (${sql.join(values.map((v) => sql.val(v)))})`;
  const checks: Array<[string, RawBuilder<{ c: number }>]> = [
    ['ingest_run', sql<{ c: number }>`select count(*) as c from ingest_run`],
    ['ingest_cursor', sql<{ c: number }>`select count(*) as c from ingest_cursor`],
    ['cost_source', sql<{ c: number }>`select count(*) as c from cost_source where kind <> ${DEMO_KIND}`],
    [
      'revenue',
      sql<{ c: number }>`select count(*) as c from revenue where source_file is distinct from ${DEMO_KIND}`,
    ],
    [
      'pd_incident',
      sql<{ c: number }>`select count(*) as c from pd_incident where ${notIn('service_id', keys.services)}`,
    ],
    ['pd_user', sql<{ c: number }>`select count(*) as c from pd_user where ${notIn('id', keys.users)}`],
    [
      'pd_log_entry',
      sql<{
        c: number;
      }>`select count(*) as c from pd_log_entry l where not exists (select 1 from pd_incident i where i.id = l.incident_id and not (${notIn('i.service_id', keys.services)}))`,
    ],
  ];
  for (const table of [
    'gh_pull_request',
    'gh_review',
    'gh_review_comment',
    'gh_commit',
    'gh_workflow_run',
    'gh_deployment',
  ]) {
    checks.push([
      table,
      sql<{ c: number }>`select count(*) as c from ${sql.table(table)} where ${notIn('repo', keys.repos)}`,
    ]);
  }
  const out: Array<{ table: string; rows: number }> = [];
  for (const [table, query] of checks) {
    const r = await query.execute(db);
    const rows = Number(r.rows[0]?.c ?? 0);
    if (rows > 0) out.push({ table, rows });
  }
  return out;
}

async function derivedData(db: Executor): Promise<Array<{ table: string; rows: number }>> {
  const out: Array<{ table: string; rows: number }> = [];
  for (const table of DERIVED_TABLES) {
    const r = await sql<{ c: number }>`select count(*) as c from ${sql.table(table)}`.execute(db);
    const rows = Number(r.rows[0]?.c ?? 0);
    if (rows > 0) out.push({ table, rows });
  }
  return out;
}

/** Deletes the previous demo's rows (and, in a database that holds only the demo, what was computed from them). */
async function clearDemo(db: Executor, keys: DemoRowKeys, demoOnly: boolean): Promise<number> {
  let removed = 0;
  const del = async (query: RawBuilder<unknown>) => {
    const r = await query.execute(db);
    removed += Number(r.numAffectedRows ?? 0);
  };
  const inList = (values: string[]) => sql.join(values.map((v) => sql.val(v)));
  if (demoOnly) {
    for (const table of DERIVED_TABLES) await del(sql`delete from ${sql.table(table)}`);
  }
  await del(
    sql`delete from pd_log_entry where incident_id in (select id from pd_incident where service_id in (${inList(keys.services)}))`,
  );
  await del(sql`delete from pd_incident where service_id in (${inList(keys.services)})`);
  await del(sql`delete from pd_user where id in (${inList(keys.users)})`);
  for (const table of [
    'gh_pull_request',
    'gh_review',
    'gh_review_comment',
    'gh_commit',
    'gh_workflow_run',
    'gh_deployment',
  ]) {
    await del(sql`delete from ${sql.table(table)} where repo in (${inList(keys.repos)})`);
  }
  await del(
    sql`delete from cost_daily where source_id in (select id from cost_source where kind = ${DEMO_KIND})`,
  );
  await del(sql`delete from cost_source where kind = ${DEMO_KIND}`);
  await del(sql`delete from revenue where source_file = ${DEMO_KIND}`);
  await del(sql`delete from demo_seed`);
  return removed;
}

/**
 * Multi-row inserts, sized to stay well under Postgres' 65,535 bind parameters per statement.
 * Kysely cannot type an insert into a table chosen at run time, hence the casts.
 */
async function insertAll<T extends keyof Database & string>(
  db: Executor,
  table: T,
  rows: ReadonlyArray<Insertable<Database[T]>>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object).length;
  const size = Math.max(1, Math.floor(20_000 / columns));
  for (let i = 0; i < rows.length; i += size) {
    await db
      .insertInto(table as never)
      .values(rows.slice(i, i + size) as never)
      .execute();
  }
}
