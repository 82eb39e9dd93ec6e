/**
 * The local preview as a newcomer meets it: `finops start` without Slack tokens on an empty data
 * dir, as a real process. It seeds the demo, prints the review thread, a showback, the spike's
 * alert and the reminder, writes the payloads and charts, and exits 0; a second run seeds
 * nothing, adds no row and prints the review again; `--watch` re-renders on SIGHUP and stops on
 * SIGINT with exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/blocks/limits.ts';
import { connect } from '../../src/db/connect.ts';
import { DEMO_SPIKE } from '../../src/services/demo/story.ts';
import { type CliResult, runFinops } from '../support/cli.ts';

const BIN = path.resolve('bin/finops.mjs');
const SLOW = { timeout: 300_000 };

/** Rows in every table of the embedded database (the process must have exited). */
async function rowCounts(dataDir: string): Promise<Record<string, number>> {
  const h = await connect({ pgliteDir: path.join(dataDir, 'db') });
  try {
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(h.db);
    const out: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(h.db);
      out[name] = Number(r.rows[0]?.n);
    }
    return out;
  } finally {
    await h.close();
  }
}

/** The "months side by side" table the preview prints: month → its cells. */
function storyTable(stdout: string): Map<string, string[]> {
  const start = stdout.indexOf('The months side by side');
  const lines = stdout.slice(start).split('\n').slice(2);
  const rows = new Map<string, string[]>();
  for (const line of lines) {
    const m = /^ {2}(\d{4}-\d{2})\s+(.*)$/.exec(line);
    if (!m) break;
    rows.set(m[1] as string, (m[2] as string).split(/\s{2,}/));
  }
  return rows;
}

const num = (cell: string | undefined) => Number((cell ?? '').replace(/[^0-9.-]/g, ''));

describe('finops start without Slack tokens (the local preview)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-preview-'));
  const dataDir = path.join(dir, 'data');
  const env = { FINOPS_DATA_DIR: dataDir, FINOPS_CONFIG: path.join(dir, 'absent.yml') };
  let first: CliResult;

  beforeAll(async () => {
    first = await runFinops(['start'], env);
  }, 300_000);

  it('seeds the demo into the empty data dir and prints the review, a showback, the alert and the reminder', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = first.stdout;
    expect(out).toContain('this is the local preview (nothing is posted to Slack)');
    expect(out).toMatch(/seeding the demo organisation \(seed 42\): 40 engineers, 4 teams, 6 product lines/);
    // The review parent, its charts and one reply per product line.
    expect(out).toMatch(/━━ 1 · The monthly review of \w+ \d{4} — #finops-review/);
    expect(out).toMatch(/FinOps review — \w+ \d{4}\n═+/);
    expect(out).toContain('Last month’s action items: 1 done');
    expect(out.match(/┄ in the thread: a chart/g)).toHaveLength(2);
    expect(out.match(/┄ reply in the thread/g)).toHaveLength(6);
    expect(out).toContain('Shopping Assistant · team ai-experiences');
    expect(out).toContain('[ Add action item ]');
    // The showback to the spike's team, linking the thread.
    expect(out).toContain('━━ 2 · Showback — #team-discovery');
    expect(out).toMatch(/Open the review thread \(https:\/\/acme-demo\.slack\.com\/archives\/C0\w+\/p\d+\)/);
    // The spike, alerted in the owning team's channel, with its buttons.
    expect(out).toContain('━━ 3 · Cost anomaly alert — #team-discovery');
    expect(out).toContain(`Cost anomaly: Search · ${DEMO_SPIKE.serviceName}`);
    expect(out).toContain('[ Acknowledge ] [ Expected ] [ Create action item ] [ Resolve ]');
    // The reminder DM, mentions shown as names.
    expect(out).toMatch(/━━ 4 · Action-item reminder — DM to [^\n,]+, \w{3} \d+ \w{3} \d{4}, 09:00/);
    expect(out).toContain('🔔 Due in 2 days');
    expect(out).toContain('[ Done ] [ Snooze ] [ Reassign ] [ Add note ]');
    expect(out).not.toMatch(/@U0P[0-9A-F]{7}/);
    // How to connect a real workspace.
    expect(out).toContain('Create New App → From a manifest → paste manifest.yml');
    expect(out).toContain('SLACK_APP_TOKEN (xapp-…)');
    expect(out).toContain('SLACK_SIGNING_SECRET');
  });

  it('prints numbers that tell the demo story: authoring down, review and incident up, AI up, a margin below zero', () => {
    const rows = storyTable(first.stdout);
    expect(rows.size).toBe(6);
    const months = [...rows.keys()];
    const before = rows.get(months[2] as string) as string[]; // month 3, before the rollout
    const last = rows.get(months[5] as string) as string[];
    // Cells: authoring, review, incident, senior review, AI cost, cloud cost, lowest margin.
    expect(num(last[0])).toBeLessThan(num(before[0]) - 10);
    expect(num(last[1])).toBeGreaterThan(num(before[1]) + 10);
    expect(num(last[2])).toBeGreaterThan(num(before[2]));
    expect(num(last[3])).toBeGreaterThan(num(before[3]));
    expect(num(last[4])).toBeGreaterThan(3 * num(before[4]));
    expect(num(last[5])).toBeLessThan(num(before[5]));
    expect(first.stdout).toContain('Shopping Assistant margin');
    expect(num(before[6])).toBeGreaterThan(0);
    expect(num(last[6])).toBeLessThan(0);
  });

  it('writes each payload as JSON within Block Kit limits, the charts as PNG, and a Block Kit Builder link per payload', () => {
    const dir = path.join(dataDir, 'preview');
    const files = readdirSync(dir).sort();
    const json = files.filter((f) => f.endsWith('.json'));
    const png = files.filter((f) => f.endsWith('.png'));
    expect(json[0]).toBe('01-review-parent.json');
    expect(json).toContain('14-anomaly-alert-search.json');
    expect(json.filter((f) => f.includes('-review-reply-'))).toHaveLength(6);
    expect(json.filter((f) => f.includes('-showback-'))).toHaveLength(4);
    expect(json.some((f) => f.includes('-reminder-dm-'))).toBe(true);
    expect(png).toHaveLength(2);
    for (const f of png) {
      expect(readFileSync(path.join(dir, f)).subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
    }
    for (const f of json) {
      const payload = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        channel: string;
        text: string;
        blocks: unknown[];
      };
      expect(payload.channel, f).toMatch(/^[CD]0?\w+$/);
      expect(validateMessage(payload), f).toEqual([]);
      expect(payload.blocks.length, f).toBeGreaterThan(0);
    }
    const links = readFileSync(path.join(dir, 'links.txt'), 'utf8').trim().split('\n');
    expect(links.map((l) => l.split('\t')[0])).toEqual(json);
    for (const l of links) {
      const [file, url] = l.split('\t') as [string, string];
      expect(url.startsWith('https://app.slack.com/block-kit-builder/#')).toBe(true);
      const decoded = JSON.parse(decodeURIComponent(url.slice(url.indexOf('#') + 1)));
      expect(decoded.blocks).toEqual(JSON.parse(readFileSync(path.join(dir, file), 'utf8')).blocks);
    }
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('02-stage-mix-');
  });

  it(
    'a second run seeds nothing, adds no row, records nothing as posted, and prints the review again',
    SLOW,
    async () => {
      const before = await rowCounts(dataDir);
      expect(before['demo_seed']).toBe(1);
      expect(before['snapshot']).toBe(6);
      expect(before['anomaly']).toBe(1);
      // The preview is not the real job: nothing posted, no job run, no action item kept.
      expect(before['posted_message']).toBe(0);
      expect(before['job_run']).toBe(0);
      expect(before['action_item']).toBe(0);
      expect(before['action_event']).toBe(0);
      const again = await runFinops(['start'], env);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('not seeded again');
      expect(again.stdout).not.toContain('seeding the demo organisation');
      expect(again.stdout).toMatch(/FinOps review — \w+ \d{4}\n═+/);
      expect(again.stdout).toContain(`Cost anomaly: Search · ${DEMO_SPIKE.serviceName}`);
      expect(again.stdout).toContain('🔔 Due in 2 days');
      expect(await rowCounts(dataDir)).toEqual(before);
      expect(storyTable(again.stdout)).toEqual(storyTable(first.stdout));
    },
  );

  it(
    'on an empty database with a config that is not the demo, says there is nothing to preview and seeds nothing',
    SLOW,
    async () => {
      const other = path.join(dir, 'other');
      const r = await runFinops(['start'], {
        FINOPS_DATA_DIR: other,
        FINOPS_CONFIG: path.resolve('examples/finops.example.yml'),
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('nothing ingested yet, and the config is not the demo organisation');
      expect(r.stdout).toContain('Create New App → From a manifest → paste manifest.yml');
      expect(r.stdout).not.toContain('FinOps review —');
      const counts = await rowCounts(other);
      const data = Object.entries(counts).filter(([t, n]) => !t.startsWith('kysely_') && n > 0);
      expect(data).toEqual([]);
    },
  );

  it('with --watch renders again on SIGHUP and stops cleanly on SIGINT', SLOW, async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--watch'], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const printed = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(out)) {
            child.stdout?.off('data', check);
            resolve();
          }
        };
        child.stdout?.on('data', check);
        void exited.then((code) =>
          reject(new Error(`exited (${code}) before ${re}: …${out.slice(-600)}\n${err}`)),
        );
        check();
      });
    try {
      await printed(/watching \(pid \d+\)/);
      child.kill('SIGHUP');
      await printed(/rendering the preview again[\s\S]*watching again/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(err).toBe('');
    expect(out.match(/FinOps review — \w+ \d{4}\n═+/g)).toHaveLength(2);
    expect(out).toMatch(/SIGINT received, stopping the preview\n$/);
  });
});
