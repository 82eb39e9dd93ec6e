/**
 * Imports point inward (STYLE.md): entry points → services → (model, db/repos, ingest).
 * This test reads the import lines of src/ and keeps the layers honest:
 * - model/ is pure: nothing with I/O (no node:*, database, Slack, HTTP or cron packages), no logger;
 * - blocks/ renders: only blocks/, lib/ (not the logger), model/ TYPES and the config vocabulary;
 * - services/ never import slack/ or Bolt (they talk to Slack through the Messenger port);
 * - only src/main.ts reads process.env or calls process.exit.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

interface Import {
  spec: string;
  /** Absolute path for relative imports, undefined for packages. */
  target: string | undefined;
  typeOnly: boolean;
  line: string;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(file: string): Import[] {
  const src = stripComments(readFileSync(file, 'utf8'));
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean, line: string) =>
    out.push({
      spec,
      target: spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : undefined,
      typeOnly,
      line: line.replace(/\s+/g, ' ').trim(),
    });
  for (const m of src.matchAll(
    /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*['"]([^'"]+)['"]/g,
  )) {
    const clause = m[3] ?? '';
    const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
    const allNamedAreTypes =
      named !== null &&
      (named[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    add(m[4] as string, Boolean(m[2]) || allNamedAreTypes, m[0]);
  }
  for (const m of src.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) add(m[1] as string, false, m[0]);
  for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1] as string, false, m[0]);
  return out;
}

const rel = (p: string) => path.relative(SRC, p).split(path.sep).join('/');
const inside = (target: string | undefined, dir: string) =>
  target !== undefined && (rel(target) === dir || rel(target).startsWith(`${dir}/`));

function violations(dir: string, allowed: (imp: Import, file: string) => boolean): string[] {
  return filesUnder(path.join(SRC, dir)).flatMap((file) =>
    importsOf(file)
      .filter((imp) => !allowed(imp, file))
      .map((imp) => `${rel(file)}: ${imp.line}`),
  );
}

/** Pure libraries the model may use (no I/O): dates and glob matching. */
const MODEL_PACKAGES = new Set(['luxon', 'picomatch']);
const PURE_LIB = ['lib/dates.ts', 'lib/money.ts', 'lib/errors.ts'];

describe('import rules', () => {
  it('reads import lines, including multi-line, type-only and dynamic ones', () => {
    const imports = importsOf(path.join(SRC, 'commands/index.ts'));
    expect(imports.find((i) => i.spec === '@slack/bolt')).toMatchObject({ typeOnly: true });
    expect(imports.find((i) => i.spec === './help.ts' && i.line.startsWith('import('))).toMatchObject({
      typeOnly: false,
    });
    expect(imports.find((i) => i.spec === '../blocks/reply.ts')?.line).toContain('withShareButton');
  });

  it('sees every kind of import a violation could hide in', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-arch-'));
    const file = path.join(dir, 'x.ts');
    writeFileSync(
      file,
      [
        "import { readFileSync } from 'node:fs';",
        "import type { Pool } from 'pg';",
        'import {',
        '  type A,',
        '  type B,',
        "} from '../slack/gateway.ts';",
        "import { type C, d } from './d.ts';",
        "export { e } from './e.ts';",
        "import './side-effect.ts';",
        "// import { commented } from 'nope';",
        "const lazy = () => import('@slack/bolt');",
      ].join('\n'),
    );
    expect(importsOf(file).map((i) => [i.spec, i.typeOnly])).toEqual([
      ['node:fs', false],
      ['pg', true],
      ['../slack/gateway.ts', true],
      ['./d.ts', false],
      ['./e.ts', false],
      ['./side-effect.ts', false],
      ['@slack/bolt', false],
    ]);
  });

  it('model/ imports nothing with I/O', () => {
    expect(
      violations(
        'model',
        (imp) =>
          inside(imp.target, 'model') ||
          PURE_LIB.some((l) => imp.target !== undefined && rel(imp.target) === l) ||
          (imp.target !== undefined && rel(imp.target) === 'config/schema.ts') ||
          (imp.target === undefined && MODEL_PACKAGES.has(imp.spec)),
      ),
    ).toEqual([]);
  });

  it('blocks/ imports only blocks, lib, model types and the config vocabulary', () => {
    expect(
      violations(
        'blocks',
        (imp) =>
          inside(imp.target, 'blocks') ||
          (inside(imp.target, 'lib') && rel(imp.target as string) !== 'lib/logger.ts') ||
          (inside(imp.target, 'model') && imp.typeOnly) ||
          (imp.target !== undefined && rel(imp.target) === 'config/schema.ts'),
      ),
    ).toEqual([]);
  });

  it('services/ never import slack/ or Bolt', () => {
    expect(
      violations(
        'services',
        (imp) =>
          !inside(imp.target, 'slack') && !(imp.target === undefined && imp.spec.startsWith('@slack/')),
      ),
    ).toEqual([]);
  });

  it('only src/main.ts reads process.env or calls process.exit', () => {
    const offenders = filesUnder(SRC)
      .filter((f) => rel(f) !== 'main.ts')
      .filter((f) => /\bprocess\.(env|exit)\b/.test(stripComments(readFileSync(f, 'utf8'))))
      .map(rel);
    expect(offenders).toEqual([]);
  });
});
