/**
 * bin/finops.mjs runs dist/ only while it was compiled from exactly the sources in the tree, and
 * the sources through tsx otherwise. Exercised on a small copy of the package layout (the real
 * bin/ scripts and tsconfigs, a one-file src/) so the repository's own dist/ is never touched.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve('.');
let root: string;

const run = (script: string, env: Record<string, string> = {}): string =>
  execFileSync(process.execPath, [path.join(root, 'bin', script)], {
    cwd: root,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const writeMain = (body: string) => writeFileSync(path.join(root, 'src', 'main.ts'), body);
/** A main.ts that prints `word` and the path of the module that ran. */
const printing = (word: string) => `console.log('${word}', new URL(import.meta.url).pathname);\n`;

describe('the finops launcher', () => {
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'finops-launcher-'));
    for (const f of ['finops.mjs', 'build.mjs', 'source-stamp.mjs', 'node-modules-outside-tsx.mjs']) {
      cpSync(path.join(REPO, 'bin', f), path.join(root, 'bin', f));
    }
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
      cpSync(path.join(REPO, f), path.join(root, f));
    }
    symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
    mkdirSync(path.join(root, 'src'));
    mkdirSync(path.join(root, 'migrations'));
    writeFileSync(path.join(root, 'migrations', 'index.ts'), 'export const migrations = {};\n');
    writeMain(printing('one'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs the sources through tsx before any build', () => {
    expect(run('finops.mjs').trim()).toBe(`one ${root}/src/main.ts`);
  });

  it('runs dist/ once built, the sources again after an edit, and dist/ after the next build', () => {
    expect(run('build.mjs')).toContain('compiled the sources to dist/');
    expect(existsSync(path.join(root, 'dist', '.source-stamp'))).toBe(true);
    expect(run('finops.mjs').trim()).toBe(`one ${root}/dist/src/main.js`);
    expect(run('finops.mjs', { FINOPS_FROM_SOURCE: '1' }).trim()).toBe(`one ${root}/src/main.ts`);

    writeMain(printing('two'));
    expect(run('finops.mjs').trim()).toBe(`two ${root}/src/main.ts`);
    // A new file counts too, even with every existing file unchanged.
    run('build.mjs');
    expect(run('finops.mjs').trim()).toBe(`two ${root}/dist/src/main.js`);
    writeFileSync(path.join(root, 'src', 'extra.ts'), 'export const x = 1;\n');
    expect(run('finops.mjs').trim()).toBe(`two ${root}/src/main.ts`);
  });

  it('a build that fails says so, exits 0 (npm install goes on) and leaves the sources in charge', () => {
    run('build.mjs');
    writeMain('const = ;\n');
    const out = execFileSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    });
    expect(out).not.toContain('compiled the sources');
    expect(existsSync(path.join(root, 'dist.building'))).toBe(false);
    writeMain("console.log('three');\n");
    expect(run('finops.mjs').trim()).toBe('three');
  });
});
