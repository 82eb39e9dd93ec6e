/**
 * Building one month's snapshot (issue 6): an organisation of 1,000 engineers and 60 product lines
 * with 300,000 GitHub activity events in the month (and 75,000 / 150,000 to show the growth),
 * plus incidents, 18,600 daily cost rows and revenue (bench/snapshot-data.ts). Timed: reading the
 * month from the database, the pure model, and the whole `ensureSnapshot` (reads, model, drift
 * references, the write). PGlite in memory always; Postgres too when TEST_DATABASE_URL is set.
 * Goal: under 5 s at 300,000 events on both.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -- snapshot
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { readActivity, readMonthCosts, readMonthRevenue } from '../src/db/repos/model-inputs.ts';
import { monthBounds } from '../src/lib/dates.ts';
import { createLogger } from '../src/lib/logger.ts';
import { computeMonthFigures } from '../src/model/figures.ts';
import { ensureSnapshot } from '../src/services/build-snapshot.ts';
import pg from 'pg';
import { connect, type DbHandle } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { backends, createTestDb } from '../test/support/db.ts';
import { config, configHash, MONTH, seed, TZ } from './snapshot-data.ts';

const SIZES = (process.env['BENCH_SIZES'] ?? '75000,150000,300000').split(',').map(Number);

interface Row {
  backend: string;
  events: number;
  readMs: number;
  readCpuMs: number;
  modelMs: number;
  modelCpuMs: number;
  snapshotMs: number;
  cpuMs: number;
  eventsInMonth: number;
  heapMb: number;
  load: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * A database of its own per size. Postgres: dropped only once the pool's connections have left
 * (pg-pool's end() resolves before they close, and a forced drop would kill them mid-close).
 */
async function openDb(backend: 'pglite' | 'postgres'): Promise<DbHandle> {
  if (backend === 'pglite') return createTestDb('pglite');
  const adminUrl = process.env['TEST_DATABASE_URL']!;
  const name = `finops_bench_snapshot_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const h = await connect({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateToLatest(h.db);
  return {
    ...h,
    close: async () => {
      await h.close();
      for (let i = 0; i < 200; i++) {
        const r = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
          name,
        ]);
        if (r.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

async function measure(backend: 'pglite' | 'postgres', events: number): Promise<Row> {
  const h = await openDb(backend);
  try {
    const s0 = performance.now();
    // A month of history before the measured one, as a real database has (the reads must stay
    // the size of the month), and its snapshot stored, as it is once that month was reviewed.
    await seed(h.db, events, '2026-09');
    await seed(h.db, events);
    await sql`analyze`.execute(h.db);
    const asOf = new Date('2026-11-02T08:00:00Z');
    const deps = { db: h.db, config, configHash, now: () => asOf, logger: createLogger({ level: 'silent' }) };
    await ensureSnapshot(deps, '2026-09');
    console.log(
      `  ${backend} ${events}: seeded two months in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
    );
    const { start, end } = monthBounds(MONTH, TZ);

    // Reads and the model apart, then the whole service (reads + model + 3 reference months + write).
    globalThis.gc?.();
    const r0 = performance.now();
    const rc0 = cpuNow();
    const activity = await readActivity(h.db, {
      from: new Date(start.getTime() - 120 * 60_000),
      to: end,
      globRepos: ['acme/monorepo'],
    });
    const costs = await readMonthCosts(h.db, MONTH, '2026-11', 'USD', 'EffectiveCost');
    const revenue = await readMonthRevenue(h.db, MONTH);
    const r1 = performance.now();
    const rc1 = cpuNow();
    const figures = computeMonthFigures(activity, costs.costs, revenue, config, { month: MONTH, asOf });
    const r2 = performance.now();
    const rc2 = cpuNow();

    globalThis.gc?.();
    const t0 = performance.now();
    const c0 = cpuNow();
    const { snapshot } = await ensureSnapshot(deps, MONTH);
    const t1 = performance.now();
    const c1 = cpuNow();
    if (!snapshot.hasData) throw new Error('the benchmark month has no data');
    return {
      backend,
      events,
      readMs: r1 - r0,
      readCpuMs: rc1 - rc0,
      modelMs: r2 - r1,
      modelCpuMs: rc2 - rc1,
      snapshotMs: t1 - t0,
      cpuMs: c1 - c0,
      eventsInMonth: figures.counts['eventsInMonth'] ?? 0,
      heapMb: process.memoryUsage().heapUsed / 2 ** 20,
      load: loadavg()[0]!,
    };
  } finally {
    await h.close();
  }
}

const rows: Row[] = [];
for (const backend of backends()) {
  for (const events of SIZES) rows.push(await measure(backend, events));
}
console.log(
  '\n| backend | events generated | events in month | read (ms) | read CPU (ms) | model (ms) | model CPU (ms) | ensureSnapshot (ms) | ensureSnapshot CPU here (ms) | heap (MB) | load avg |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.backend} | ${r.events.toLocaleString('en-US')} | ${r.eventsInMonth.toLocaleString('en-US')} | ${r.readMs.toFixed(0)} | ${r.readCpuMs.toFixed(0)} | ${r.modelMs.toFixed(0)} | ${r.modelCpuMs.toFixed(0)} | ${r.snapshotMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.heapMb.toFixed(0)} | ${r.load.toFixed(1)} |`,
  );
}
const worst = Math.max(...rows.filter((r) => r.events === Math.max(...SIZES)).map((r) => r.snapshotMs));
console.log(
  `\ngoal < 5000 ms at ${Math.max(...SIZES).toLocaleString('en-US')} events: ${worst < 5000 ? 'met' : 'NOT met'} (${worst.toFixed(0)} ms wall; ${cpus().length} cores)`,
);
