#!/usr/bin/env node
// Runs every bench/*.bench.ts (or the ones named on the command line) one after another, each in
// its own process through tsx, so one benchmark's memory does not colour the next one's figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ') || '(any)'} in bench/`);
  process.exit(2);
}
// Benchmarks that run `finops` measure what users run: the compiled dist/, rebuilt here when the
// sources changed since the last build (bin/build.mjs; it falls back to the sources and says so).
const built = spawnSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
if (built.status !== 0) process.exit(built.status ?? 1);
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(benchDir, f)], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
