import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFinops } from '../support/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'finops-cli-'));

describe('finops CLI', () => {
  it('prints every subcommand of SPEC §8 in --help and exits 0', async () => {
    const r = await runFinops(['--help'], {});
    expect(r.code).toBe(0);
    for (const c of ['start', 'migrate', 'ingest', 'report', 'anomalies', 'demo', 'jobs list', 'jobs run']) {
      expect(r.stdout).toContain(`finops ${c}`);
    }
  });

  it('exits 2 with one line naming an unknown command', async () => {
    const r = await runFinops(['frobnicate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('stops on a bad config with exit 2 and one line per problem, by path', async () => {
    const cfg = path.join(dir, 'bad.yml');
    writeFileSync(
      cfg,
      'timezone: Mars/Olympus\nrates: [{ effective_from: 2026-01-01, levels: { mid: 95 } }]\nteams: [{ id: payments }]\nproduct_lines: [{ id: checkout, team: paymnts }]\n',
    );
    const r = await runFinops(['report', '--month', '2026-10'], {
      FINOPS_CONFIG: cfg,
      FINOPS_DATA_DIR: path.join(dir, 'data'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `finops report: ${cfg}: timezone: unknown time zone "Mars/Olympus" (use an IANA name like "Europe/Berlin")`,
      `finops report: ${cfg}: product_lines[0].team: unknown team "paymnts" (teams: payments)`,
    ]);
  });

  it('migrates the embedded database and says so', async () => {
    const r = await runFinops(['migrate'], { FINOPS_DATA_DIR: path.join(dir, 'data-migrate') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/latest migration \(\d+ applied\)/);
  });
});
