/**
 * `npm run bench -- preview`: the README's first command as a newcomer runs it. `finops start`
 * without Slack tokens, in a fresh data dir without a finops.yml (embedded PGlite: initdb,
 * migrations, demo seeding, six snapshots, anomaly detection, the scenes, charts and files), then
 * again on the same data dir (no seeding). Three rounds, each in a new directory; wall time of
 * the whole process (tsx start-up included) and the phases the preview itself prints.
 * Target: < 30 s for a fresh data dir on the shared 2-core machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = 3;
const BIN = path.resolve('bin/finops.mjs');

function start(dataDir: string): Promise<{ ms: number; out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        LOG_LEVEL: 'warn',
        FINOPS_DATA_DIR: dataDir,
        FINOPS_CONFIG: path.join(dataDir, 'absent.yml'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, out, code }));
  });
}

/** `seeding … (1.6 s)` → the phase's figure, as the preview printed it. */
function phase(out: string, what: string): string {
  const m = new RegExp(`^${what}[^\\n]*\\((\\d+\\.\\d) s\\)$`, 'm').exec(out);
  return m ? `${m[1]} s` : '—';
}

console.log(
  `node ${process.version}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (let i = 0; i < ROUNDS; i++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-preview-bench-'));
  try {
    for (const run of ['fresh', 'again']) {
      const r = await start(path.join(dir, 'data'));
      if (r.code !== 0) throw new Error(`finops start exited ${r.code}`);
      const rendered = /Rendered in (\d+\.\d) s/.exec(r.out)?.[1] ?? '—';
      console.log(
        `round ${i + 1} ${run}: wall ${(r.ms / 1000).toFixed(1)} s (seeding ${phase(r.out, 'seeding the demo')}, ` +
          `snapshots ${phase(r.out, 'building the monthly snapshots')}, scenes ${phase(r.out, 'running the scenes')}, ` +
          `preview total ${rendered} s), load ${loadavg()[0]?.toFixed(1)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
