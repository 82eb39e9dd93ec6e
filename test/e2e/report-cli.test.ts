import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { runFinops } from '../support/cli.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { expectedOctober, SNAPSHOT_CONFIG_YAML, seedOctober } from '../support/snapshot-seed.ts';

/** `finops report` through the real binary, on the embedded database and on Postgres. */
describe.each(backends())('finops report on %s', (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let pg: TestDb | undefined;
  const { hash } = parseConfigText(SNAPSHOT_CONFIG_YAML);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'finops-report-'));
    writeFileSync(path.join(dir, 'finops.yml'), SNAPSHOT_CONFIG_YAML);
    env = { FINOPS_CONFIG: path.join(dir, 'finops.yml'), FINOPS_DATA_DIR: dir, USER: 'lead' };
    if (backend === 'postgres') {
      pg = await createTestDb('postgres');
      await seedOctober(pg.db);
      env['DATABASE_URL'] = pg.url!;
    } else {
      const h = await connect({ pgliteDir: path.join(dir, 'db') });
      await migrateToLatest(h.db);
      await seedOctober(h.db);
      await h.close();
    }
  });
  afterAll(async () => {
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json prints exactly SPEC §9 with the hand-worked numbers', async () => {
    const r = await runFinops(['report', '--month', '2026-10', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expectedOctober(hash));
  });

  it('prints a readable table per product line, one product line, and where a stage’s hours came from', async () => {
    const r = await runFinops(
      ['report', '--month', '2026-10', '--product', 'checkout', '--explain', 'review'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('finops report — October 2026 (2026-10), USD');
    expect(r.stdout).toMatch(/Checkout \(checkout\) · team payments/);
    expect(r.stdout).toMatch(/review\s+1\.50\s+30\.0%\s+–\s+170\.00\s+██████\n/);
    expect(r.stdout).toContain('gross margin 75.8%');
    expect(r.stdout).toMatch(
      /margin −14\.2 pts vs 2026-09: AI −5\.0, cloud −5\.0, review labour −1\.7, incident labour −1\.2/,
    );
    expect(r.stdout).toContain('explain checkout · review (2026-10)');
    expect(r.stdout).toContain('1.50 h · labour 170.00 · 2 people');
    expect(r.stdout).toContain('acme/checkout#1 Change 1');
    expect(r.stdout).toContain('senior at 120.00/h (card of 2026-01-01) × 1.00 h = 120.00 · 1 person');
    expect(r.stdout).not.toContain('vs the mean of');
    expect(r.stdout).not.toContain('Search (search)');
  });

  it('a month with no data says so (text), and --json refuses rather than print zeros', async () => {
    const text = await runFinops(['report', '--month', '2027-02'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^No data for 2027-02: nothing was ingested/);
    const json = await runFinops(['report', '--month', '2027-02', '--json'], env);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    expect(json.stderr).toMatch(/^finops report: no data for 2027-02/);
  });

  it.each([
    [['--month', '2026-13'], /--month "2026-13" is not a month: expected YYYY-MM/],
    [
      ['--month', '2026-10', '--product', 'chekout'],
      /unknown product line "chekout" \(product lines: checkout, search\)/,
    ],
    [
      ['--month', '2026-10', '--explain', 'coding'],
      /unknown stage "coding" for --explain \(stages: authoring, review, qa/,
    ],
    [[], /--month is required/],
    [['--month', '2026-10', '--rebuild'], /--rebuild needs --reason/],
  ])('bad input %j: exit 2 with the valid choices', async (args, message) => {
    const r = await runFinops(['report', ...args], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--rebuild --reason rebuilds, records the audit event and shows the difference', async () => {
    const r = await runFinops(
      ['report', '--month', '2026-10', '--rebuild', '--reason', 'late FOCUS restatement'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Rebuilt 2026-10: no reported number changed; recorded in the audit log\./);
  });
});
