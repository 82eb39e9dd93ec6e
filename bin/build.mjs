#!/usr/bin/env node
// Compiles src/ and migrations/ to JavaScript in dist/ (tsc, one file per source file, types not
// checked here: `npm run typecheck` does that). Runs on `npm install` / `npm ci` (the `prepare`
// script) and as `npm run build`. The bot started from dist/ is ready in half the time and holds
// about 40 MB less than through tsx (docs/performance.md). A build that cannot run (no
// TypeScript installed, a compile error) says so and leaves dist/ as it was: `finops` runs the
// sources through tsx whenever dist/ is missing or was built from other sources.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIST, ROOT, STAMP_FILE, sourceStamp } from './source-stamp.mjs';

const building = `${DIST}.building`;
const fallBack = (why) => {
  rmSync(building, { recursive: true, force: true });
  console.warn(`finops build: ${why}; \`finops\` runs the TypeScript sources through tsx instead.`);
  process.exit(0);
};

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fallBack('TypeScript is not installed (a production install without dev dependencies)');
}
const stamp = sourceStamp();
rmSync(building, { recursive: true, force: true });
const run = spawnSync(
  process.execPath,
  [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', building],
  { cwd: ROOT, stdio: 'inherit' },
);
if (run.status !== 0 || !existsSync(path.join(building, 'src', 'main.js'))) {
  fallBack(`compiling to dist/ failed (tsc exit ${run.status ?? run.signal})`);
}
writeFileSync(path.join(building, path.basename(STAMP_FILE)), `${stamp}\n`);
rmSync(DIST, { recursive: true, force: true });
renameSync(building, DIST);
console.log('finops build: compiled the sources to dist/');
