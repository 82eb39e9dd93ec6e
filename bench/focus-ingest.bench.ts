import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateFocusCsv } from './focus-generate.ts';

/**
 * `npm run bench -- focus-ingest`: a 2-million-row FOCUS CSV (≈ 1.6 GB, generated once into
 * bench/out/), then `finops ingest focus` on it side by side with a bare DuckDB `read_csv` +
 * `GROUP BY` of the same file, each in its own process under /usr/bin/time (wall, CPU, peak RSS).
 * Rounds are interleaved so that a busy machine slows both alike. Goal (issue 5): ingestion within
 * 2× of the bare query, peak memory under 400 MB. The result replaces this bench's section of
 * docs/performance.md.
 *
 * Environment: FOCUS_BENCH_ROWS (default 2000000), FOCUS_BENCH_ROUNDS (default 3),
 * BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL: the Postgres rows run in a database of
 * their own, dropped afterwards; without it only embedded PGlite is measured).
 */

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'bench/out');
const ROWS = Number(process.env['FOCUS_BENCH_ROWS'] ?? 2_000_000);
const ROUNDS = Number(process.env['FOCUS_BENCH_ROUNDS'] ?? 3);
const SEED = 42;
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];

interface Run {
  wall: number;
  cpu: number;
  rssMb: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time; fails loudly if it fails. */
function timed(args: string[], env: Record<string, string | undefined> = {}): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '__BENCH__ %e %U %S %M', ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('__BENCH__'));
  if (r.status !== 0 || !line)
    throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  const [, wall, user, sys, rss] = line.split(' ').map(Number) as number[];
  return {
    wall: wall ?? 0,
    cpu: (user ?? 0) + (sys ?? 0),
    rssMb: Math.round((rss ?? 0) / 1024),
    stdout: r.stdout,
  };
}

const node = (script: string, ...args: string[]) => [process.execPath, '--import', 'tsx', script, ...args];
const finops = (...args: string[]) => [process.execPath, path.join(root, 'bin/finops.mjs'), ...args];

// ── the file ────────────────────────────────────────────────────────────────
mkdirSync(out, { recursive: true });
const file = path.join(out, `focus-${ROWS}.csv`);
const stampFile = `${file}.stamp`;
const stamp = JSON.stringify({
  rows: ROWS,
  seed: SEED,
  generator: readFileSync(path.join(root, 'bench/focus-generate.ts'), 'utf8').length,
});
if (!existsSync(file) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
  console.log(`generating ${ROWS.toLocaleString('en-US')} FOCUS rows into ${path.relative(root, file)} …`);
  const t = Date.now();
  await generateFocusCsv(file, ROWS, SEED);
  writeFileSync(stampFile, stamp);
  console.log(`  done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
const bytes = statSync(file).size;
console.log(
  `${path.relative(root, file)}: ${(bytes / 1e9).toFixed(2)} GB, ${ROWS.toLocaleString('en-US')} rows`,
);

const configFile = path.join(out, 'focus-bench.yml');
writeFileSync(
  configFile,
  `# written by bench/focus-ingest.bench.ts
timezone: Europe/Berlin
rates:
  - effective_from: 2024-01-01
    levels: { mid: 95, senior: 125, staff: 150, principal: 180 }
teams: [{ id: shop }]
product_lines:
  - { id: checkout, team: shop, cost: { tags: { product: checkout } } }
  - { id: search-ai, team: shop, cost: { tags: { product: search-ai } } }
  - { id: payments-api, team: shop, cost: { tags: { product: payments-api } } }
  - { id: catalog, team: shop, cost: { tags: { product: catalog } } }
shared_costs:
  - match: { tags: { product: platform } }
`,
);

// ── the backends ────────────────────────────────────────────────────────────
interface Backend {
  name: string;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}
const backends: Backend[] = [];
const dataDir = path.join(out, 'focus-bench-pglite');
rmSync(dataDir, { recursive: true, force: true });
backends.push({
  name: 'PGlite (embedded)',
  env: { FINOPS_CONFIG: configFile, FINOPS_DATA_DIR: dataDir },
  cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
});
if (adminUrl) {
  const dbName = `finops_bench_focus_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  backends.push({
    name: 'Postgres 15',
    env: {
      FINOPS_CONFIG: configFile,
      DATABASE_URL: url.toString(),
      FINOPS_DATA_DIR: path.join(out, 'unused'),
    },
    cleanup: async () => {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await a.end();
    },
  });
}

// What the database engine costs before any ingestion: `finops migrate` on an up-to-date database.
const floor = new Map<string, Run>();
for (const b of backends) {
  timed(finops('migrate'), b.env);
  floor.set(b.name, timed(finops('migrate'), b.env));
}

// ── the rounds ──────────────────────────────────────────────────────────────
const load = os.loadavg().map((l) => l.toFixed(1));
const bare: Run[] = [];
const ingests = new Map<string, Run[]>(backends.map((b) => [b.name, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const b0 = timed(node('bench/focus-bare-duckdb.ts', file));
    bare.push(b0);
    console.log(
      `round ${round}: bare DuckDB ${b0.wall.toFixed(1)} s, CPU ${b0.cpu.toFixed(1)} s, ${b0.rssMb} MB`,
    );
    for (const b of backends) {
      const r = timed(finops('ingest', 'focus', file), b.env);
      if (!r.stdout.includes(`${ROWS.toLocaleString('en-US')} rows`))
        throw new Error(`unexpected output:\n${r.stdout}`);
      ingests.get(b.name)?.push(r);
      console.log(
        `round ${round}: finops ingest focus on ${b.name} ${r.wall.toFixed(1)} s, CPU ${r.cpu.toFixed(1)} s, ${r.rssMb} MB`,
      );
    }
  }
} finally {
  for (const b of backends) await b.cleanup();
}
const loadAfter = os.loadavg().map((l) => l.toFixed(1));

// ── the report ──────────────────────────────────────────────────────────────
const min = (xs: number[]) => Math.min(...xs);
const max = (xs: number[]) => Math.max(...xs);
const range = (xs: number[], d = 1) => `${min(xs).toFixed(d)}–${max(xs).toFixed(d)}`;
const bareWall = min(bare.map((r) => r.wall));
const bareCpu = min(bare.map((r) => r.cpu));
const sample = ingests.get(backends[0]?.name ?? '')?.[0]?.stdout ?? '';
const sourceCount = (sample.split('\n').filter((l) => l.includes('daily row')) ?? []).length;
const dailyRows = [...sample.matchAll(/→ ([\d,]+) daily rows?/g)].reduce(
  (s, m) => s + Number((m[1] ?? '0').replaceAll(',', '')),
  0,
);

const lines = [
  '<!-- focus-ingest:begin (written by bench/focus-ingest.bench.ts) -->',
  '## FOCUS cost ingestion (`bench/focus-ingest.bench.ts`)',
  '',
  `\`npm run bench -- focus-ingest\`: a generated FOCUS 1.0 CSV of ${ROWS.toLocaleString('en-US')} rows, ${(bytes / 1e9).toFixed(2)} GB (the 43`,
  'columns of the real sample plus an `x_` column, ≈ 790 bytes a row, quoted strings, `NULL` nulls, JSON',
  'Tags on 78% of rows; hourly charges over one month for 4,000 resources of 3 providers, 2 currencies),',
  'ingested by `finops ingest focus FILE` (allocation by a `product` tag to 4 product lines plus a shared',
  `rule: ${sourceCount} cost sources, ${dailyRows.toLocaleString('en-US')} cost_daily rows), each run in its own process, interleaved with a bare`,
  "DuckDB query of the same file (`read_csv` with DuckDB's defaults + `GROUP BY` the same daily key,",
  '`bench/focus-bare-duckdb.ts`). Goal: within 2× of the bare query, peak RSS under 400 MB.',
  '',
  `| measured ${new Date().toISOString().slice(0, 10)}, load average ${load.join(' / ')} → ${loadAfter.join(' / ')} (1/5/15 min) on 2 cores | wall (${ROUNDS} runs) | CPU user+sys | ratio to bare, best wall / best CPU | peak RSS |`,
  '| --- | --- | --- | --- | --- |',
  `| bare DuckDB \`read_csv\` + \`GROUP BY\` | ${range(bare.map((r) => r.wall))} s | ${range(bare.map((r) => r.cpu))} s | 1 | ${max(bare.map((r) => r.rssMb))} MB |`,
];
for (const b of backends) {
  const runs = ingests.get(b.name) ?? [];
  const f = floor.get(b.name);
  lines.push(
    `| \`finops ingest focus\`, ${b.name} | ${range(runs.map((r) => r.wall))} s | ${range(runs.map((r) => r.cpu))} s | **${(min(runs.map((r) => r.wall)) / bareWall).toFixed(2)}× / ${(min(runs.map((r) => r.cpu)) / bareCpu).toFixed(2)}×** | **${max(runs.map((r) => r.rssMb))} MB** (\`finops migrate\` alone: ${f?.rssMb ?? '?'} MB) |`,
  );
}
// The goals, said plainly per backend: wall within 2× of the bare query (best run against best
// run, and CPU the same way, since load moves wall far more than CPU), peak RSS under 400 MB.
lines.push('');
for (const b of backends) {
  const runs = ingests.get(b.name) ?? [];
  const wallRatio = min(runs.map((r) => r.wall)) / bareWall;
  const cpuRatio = min(runs.map((r) => r.cpu)) / bareCpu;
  const peak = max(runs.map((r) => r.rssMb));
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  lines.push(
    `- ${b.name}: within 2× of the bare query ${verdict(wallRatio <= 2)} on wall (${wallRatio.toFixed(2)}×), ${verdict(cpuRatio <= 2)} on CPU (${cpuRatio.toFixed(2)}×); peak memory under 400 MB ${verdict(peak < 400)} (${peak} MB).`,
  );
}
lines.push(
  '',
  'How: DuckDB (`@duckdb/node-api`) reads the file with every column as VARCHAR, converts and checks each',
  'value and groups the rows by day in one pass into a staging table (128 MB memory limit, 4 MB CSV',
  'buffers, file-backed so that more groups spill to disk, not to RAM), while Node hashes the file',
  '(sha256). The pure model decides allocation once per distinct (sub-account, service name, tag',
  'values) subject, about a thousand here; DuckDB applies the decisions and hands JS',
  '≈ 105,000 groups as numbers (a dimension id, the day, the sums) plus the few thousand distinct',
  'dimensions as text once, so no per-group string conversion; each sum becomes an exact amount of its',
  '15 significant digits, shared costs are split exactly (integers of 10⁻¹⁸), and DuckDB is closed',
  'before the database is opened. The rows go to `cost_daily` as unnested column arrays, 2,000 a',
  'statement, each batch built while the previous one is in the database, one transaction in all.',
  '`LOG_LEVEL=debug finops ingest focus …` prints time, CPU and memory at the end of every phase.',
  '',
  'Where the time goes (`LOG_LEVEL=debug`, 2026-12-07, load 1–2; Postgres / PGlite, wall): start-up',
  '0.7–0.9 s (Node and the modules: `finops` runs the compiled `dist/`, see the README; kysely and',
  'DuckDB take 0.15 s each to load); reading, checking and grouping the file 4.2–5.5 s on both cores,',
  'as long as the bare query (which trusts its sniffed types and parses no JSON Tags) plus the',
  'sha256 of the file; the groups to JS 1.1–1.3 s and allocation 0.4–0.6 s, on one core; opening the',
  'database 0.2–0.3 s (Postgres: now while DuckDB reads) / 0.7 s; the write 1.7 / 2.8 s. The write on Postgres is the server’s: per row',
  'two indexes and the parsing of the column arrays. It was 2.3–2.7 s until migration 1500 dropped',
  'what cost_daily paid per row for nothing: the foreign key to cost_source (a lookup per row, ≈ 40 %',
  'of the insert in `psql`: 1.25 s → 0.77 s for the 141,622 rows) and an unread surrogate key; a',
  'source’s rows are deleted with it in code (deleteCostSources), tested by the restatement tests.',
  'On PGlite the database runs in this process: opening it (WebAssembly compiled with V8’s baseline',
  'compiler only, for this one-shot command) and writing the 141,000 rows, with the deletion of the',
  'previous run’s, are in the CPU figure, and that write is the embedded database’s own speed.',
  'Before the compiled start and migration 1500, on a comparable machine state: Postgres 2.08–2.21×,',
  'PGlite 2.93–3.58× (wall, best against best).',
  'Memory: PGlite now holds 16 MB of `shared_buffers` instead of Postgres’s 128 MB default',
  '(src/db/connect.ts), the groups reach JS as numbers and compact objects, and the insert sends',
  'arrays rather than JSON (PGlite’s memory grows with what a statement parses and never shrinks);',
  'before these changes this ingest peaked at 611 MB on PGlite (`finops migrate` alone: 422 MB).',
  '',
  'Every ingest run after the first replaces what the previous one stored (the daily restatement path:',
  'delete the cost sources, insert them again, one transaction). CPU is this process only, DuckDB threads',
  'included. On a saturated machine the wall figures mostly measure waiting for a core and move by 2×',
  'between runs of the same command (see the ranges): the bare query gets both cores for its whole run,',
  'while the ingest spends its last seconds on one (JS allocation, the database write).',
  '<!-- focus-ingest:end -->',
);
const section = lines.join('\n');
console.log(`\n${section}\n`);

const docs = path.join(root, 'docs/performance.md');
const text = readFileSync(docs, 'utf8');
const begin = text.indexOf('<!-- focus-ingest:begin');
const end = text.indexOf('<!-- focus-ingest:end -->');
const next =
  begin >= 0 && end > begin
    ? `${text.slice(0, begin)}${section}${text.slice(end + '<!-- focus-ingest:end -->'.length)}`
    : `${text.trimEnd()}\n\n${section}\n`;
writeFileSync(docs, next);
console.log(`updated ${path.relative(root, docs)}`);
