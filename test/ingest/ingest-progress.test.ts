/**
 * Progress of `finops ingest` off a terminal: plain log lines on stderr (what, how many, how
 * long), while stdout stays the command's result. On a terminal the same reports redraw one
 * line (test/unit/progress.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakePagerDuty,
  PAGERDUTY_TEST_CONFIG,
  pagerDutyTestAccount,
  startFakePagerDuty,
} from '../fakes/fake-pagerduty.ts';
import { runFinops } from '../support/cli.ts';

describe('finops ingest progress off a terminal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-progress-'));
  let fake: FakePagerDuty;
  beforeAll(async () => {
    writeFileSync(path.join(dir, 'finops.yml'), PAGERDUTY_TEST_CONFIG);
    fake = await startFakePagerDuty({ data: pagerDutyTestAccount() });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('logs the step, its count and its time on stderr; stdout is the summary alone', async () => {
    const r = await runFinops(['ingest', 'pagerduty', '--since', '2026-06-01'], {
      FINOPS_CONFIG: path.join(dir, 'finops.yml'),
      FINOPS_DATA_DIR: path.join(dir, 'data'),
      PAGERDUTY_TOKEN: fake.token,
      PAGERDUTY_API_HOST: fake.host,
      NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'],
      LOG_LEVEL: 'info',
    });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`PagerDuty (${fake.host}): ingest run 1 succeeded`);
    expect(r.stdout).not.toContain('reading PagerDuty');
    expect(r.stderr).toMatch(/ INFO reading PagerDuty…\n/);
    expect(r.stderr).toMatch(/ INFO reading PagerDuty: 3 incidents stored \(\d+\.\d s\)\n/);
    expect(r.stderr).not.toContain('\x1b[');
  });
});
