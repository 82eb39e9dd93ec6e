/**
 * `npm run bench -- demo`: seeds the demo organisation (default seed, 6 months) into a fresh
 * embedded PGlite, and into Postgres too when TEST_DATABASE_URL is set; 3 runs each (the first
 * into an empty database, the next two replacing it). Reports wall and CPU time (the process's
 * own, garbage collector threads included: the figure that stands for an idle machine), the split
 * between generating the rows and writing them, and the rows written. Target: < 10 s on PGlite.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connect, type DbHandle } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedDemo } from '../src/services/demo/seed.ts';

const RUNS = 3;

async function bench(name: string, open: () => Promise<DbHandle>): Promise<void> {
  const h = await open();
  await migrateToLatest(h.db);
  try {
    for (let i = 0; i < RUNS; i++) {
      let generateMs = 0;
      let writeMs = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await seedDemo(
        { db: h.db, now: () => new Date('2026-11-05T10:00:00Z') },
        {
          seed: 42,
          endMonth: '2026-10',
          onProgress: (p) => {
            if (p.step === 'generate') generateMs += p.ms;
            else writeMs += p.ms;
          },
        },
      );
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `${name} run ${i + 1}: ${r.totalRows.toLocaleString('en-US')} rows, wall ${(wall / 1000).toFixed(2)} s ` +
          `(generate ${(generateMs / 1000).toFixed(2)} s, clear + write ${(writeMs / 1000).toFixed(2)} s), ` +
          `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  } finally {
    await h.close();
  }
}

console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
await bench('pglite', () => connect({}));
const url = process.env['TEST_DATABASE_URL'];
if (url) {
  // A database of its own, so the demo never meets other data.
  const pg = await import('pg');
  const name = `finops_bench_demo_${process.pid}`;
  const admin = new pg.default.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  try {
    await bench('postgres', () => connect({ databaseUrl: u.toString(), poolSize: 2 }));
  } finally {
    // pg-pool's end() resolves before its connections have closed; dropping WITH (FORCE) then
    // kills them mid-close and the pool throws. Wait for them to leave first.
    for (let i = 0; i < 100; i++) {
      const r = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
        name,
      ]);
      if (r.rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
