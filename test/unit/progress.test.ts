import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../src/lib/progress.ts';

/** A fake terminal or pipe: what was written, and a clock the test moves. */
function setup(isTty: boolean) {
  const out: string[] = [];
  let now = 0;
  const progress = createProgress(
    { stdout: (t) => out.push(t), isTty },
    { clock: () => now, redrawMs: 0, logEveryMs: 5000 },
  );
  return {
    progress,
    out,
    text: () => out.join(''),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('progress', () => {
  it('formats durations: tenths under 10 s, seconds under a minute, then minutes', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_400)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
  });

  it('on a terminal redraws one line in place (what, how many, how long, time left) and leaves a summary', () => {
    const t = setup(true);
    const task = t.progress.start('reading GitHub', { unit: 'repositories', total: 4 });
    t.advance(2000);
    task.update(1, { detail: 'acme/web' });
    expect(t.out.at(-1)).toBe('\r\x1b[K⠹ reading GitHub 1/4 repositories · acme/web · 2.0 s, ~6.0 s left');
    t.advance(6000);
    task.update(4, { detail: 'acme/api' });
    expect(t.out.at(-1)).toBe('\r\x1b[K⠸ reading GitHub 4/4 repositories · acme/api · 8.0 s');
    task.finish('4 repositories, 120 pull requests');
    expect(t.out.slice(-2)).toEqual([
      '\r\x1b[K',
      'reading GitHub: 4 repositories, 120 pull requests (8.0 s)\n',
    ]);
    // Nothing is redrawn after the end.
    task.update(5);
    expect(t.out.at(-1)).toBe('reading GitHub: 4 repositories, 120 pull requests (8.0 s)\n');
  });

  it('elsewhere writes plain lines: the start, at most one every 5 s while running, the end', () => {
    const t = setup(false);
    const task = t.progress.start('seeding the demo', { unit: 'rows', total: 1000 });
    t.advance(1000);
    task.update(100);
    t.advance(1000);
    task.update(200);
    t.advance(3500);
    task.update(600, { detail: 'gh_commit' });
    t.advance(500);
    task.update(1000);
    task.finish();
    expect(t.text()).toBe(
      [
        'seeding the demo… (1,000 rows)',
        '  seeding the demo: 600/1,000 rows · gh_commit · 5.5 s, ~3.7 s left',
        'seeding the demo: 1,000/1,000 rows (6.0 s)',
        '',
      ].join('\n'),
    );
    expect(t.text()).not.toContain('\x1b');
    expect(t.text()).not.toContain('\r');
  });

  it('takes a service report, finishes a running step when the next starts, and reports a failure', () => {
    const t = setup(false);
    const a = t.progress.start('reading PagerDuty');
    a.report({ unit: 'incidents', done: 12, detail: 'PSR5T8W' });
    t.advance(1500);
    const b = t.progress.start('storing');
    t.advance(250);
    b.fail('connection refused');
    expect(t.text()).toBe(
      [
        'reading PagerDuty…',
        'reading PagerDuty: 12 incidents (1.5 s)',
        'storing…',
        'storing: failed after 0.3 s: connection refused',
        '',
      ].join('\n'),
    );
  });

  it('sends the plain lines to a log sink when given one (stdout stays the command result)', () => {
    const out: string[] = [];
    const logged: string[] = [];
    let now = 0;
    const progress = createProgress(
      { stdout: (t) => out.push(t), isTty: false },
      { clock: () => now, redrawMs: 0, log: (line) => logged.push(line) },
    );
    const task = progress.start('reading FOCUS files', { unit: 'files', total: 2 });
    now = 800;
    task.update(2);
    task.finish('2 files, 1,204 rows');
    progress.log('a result line');
    expect(logged).toEqual([
      'reading FOCUS files… (2 files)',
      'reading FOCUS files: 2 files, 1,204 rows (0.8 s)',
    ]);
    expect(out).toEqual(['a result line\n']);
  });

  it('keeps log lines above the redrawn line on a terminal and clears it on close', () => {
    const t = setup(true);
    const task = t.progress.start('building snapshots', { unit: 'months', total: 6 });
    task.update(2);
    t.progress.log('note: 2026-07 is frozen');
    expect(t.out.slice(-3)).toEqual([
      '\r\x1b[K',
      'note: 2026-07 is frozen\n',
      '\r\x1b[K⠸ building snapshots 2/6 months · 0.0 s',
    ]);
    t.progress.close();
    expect(t.out.at(-1)).toBe('\r\x1b[K');
  });
});
