/**
 * The CLI's logger redacts every secret it can know of: secret-named variables from the start,
 * the database password, and — once the config is read — the variables the config names for
 * tokens and keys, whatever they are called.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCliContext } from '../../src/cli/context.ts';

const CONFIG = `timezone: Europe/Berlin
rates: [{ effective_from: 2026-01-01, levels: { mid: 95 } }]
senior_levels: []
teams: [{ id: payments }]
product_lines: [{ id: checkout, team: payments }]
sources:
  github: { token_env: ACME_GH_PAT }
  pagerduty: { token_env: PD_READONLY }
`;

describe('log redaction in the CLI context', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('redacts secret-named values, the database password and config-named tokens', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-redact-'));
    const file = path.join(dir, 'finops.yml');
    writeFileSync(file, CONFIG);
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const env = {
      FINOPS_CONFIG: file,
      FINOPS_DATA_DIR: dir,
      SLACK_BOT_TOKEN: 'xoxb-redact-me-123456',
      ACME_GH_PAT: 'ghp_config_named_secret_42',
      PD_READONLY: 'pd+config+named+secret',
      DATABASE_URL: 'postgres://finops:p%40ss-w0rd-99@db.internal:5432/finops',
    };
    const ctx = createCliContext(env, { stdout: () => {}, stderr: () => {}, isTty: false });
    ctx.config();
    ctx.logger.error(
      `saw ${env.SLACK_BOT_TOKEN} ${env.ACME_GH_PAT} ${env.PD_READONLY} p%40ss-w0rd-99 p@ss-w0rd-99`,
    );
    const out = lines.join('');
    expect(out).toContain('ERROR saw [redacted] [redacted] [redacted] [redacted] [redacted]');
    for (const secret of [env.SLACK_BOT_TOKEN, env.ACME_GH_PAT, env.PD_READONLY, 'p@ss-w0rd-99'])
      expect(out).not.toContain(secret);
  });
});
