/**
 * Progress of long commands (`finops ingest …`, `finops demo`, the preview's seeding): what is
 * being done, how many of how many, and how long it has taken.
 *
 * - On a terminal, one line is redrawn in place (`\r` + erase line) as the work moves, with the
 *   elapsed time ticking and, once a total is known, an estimate of the time left. A finished
 *   step leaves one summary line behind.
 * - Anywhere else (a pipe, a log file, CI), plain lines: one when a step starts, at most one every
 *   `logEveryMs` while it runs, and one when it ends. No control characters.
 *
 * Services report through the plain callback type `ProgressReport` (no terminal knowledge); the
 * CLI turns those reports into a `Progress` task.
 */

/** What a service says about its progress; the CLI decides how to show it. */
export interface ProgressReport {
  /** The unit of work counted (`repositories`, `incidents`, `files`). */
  unit: string;
  done: number;
  /** Known total, when there is one. */
  total?: number;
  /** What it is on now (`acme/web`). */
  detail?: string;
}

export type OnProgress = (p: ProgressReport) => void;

export interface ProgressIo {
  stdout(text: string): void;
  /** True when stdout is a terminal: the line is redrawn in place. */
  isTty: boolean;
}

export interface ProgressOptions {
  /** Milliseconds on a monotonic clock (default: performance.now). */
  clock?: () => number;
  /** Terminal: redraw the elapsed time this often even without news; 0 = only on updates (tests). */
  redrawMs?: number;
  /** Not a terminal: at most one line per this many milliseconds while a step runs. */
  logEveryMs?: number;
  /**
   * Not a terminal: where the plain lines go (default: stdout). Commands whose stdout is their
   * result pass the logger here, so progress becomes log lines on stderr.
   */
  log?: (line: string) => void;
}

export interface ProgressTask {
  /** How far it got: `done` (of `total`, when known) and what it is on now. */
  update(done: number, opts?: { total?: number; detail?: string }): void;
  /** Applies a service's report (see `ProgressReport`). */
  report(p: ProgressReport): void;
  /** Ends the step with one line: `what: summary (1.2 s)`. */
  finish(summary?: string): void;
  /** Ends the step as failed (the line says so; the error itself is the caller's to print). */
  fail(reason: string): void;
}

export interface Progress {
  /** Starts a step. A step still running is finished first. */
  start(what: string, opts?: { unit?: string; total?: number }): ProgressTask;
  /** A line that stays, printed above the redrawn line on a terminal. */
  log(line: string): void;
  /** Stops redrawing and clears the line (call in `finally`). */
  close(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR = '\r\x1b[K';

/** `1.2 s`, `42 s`, `3 min 05 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

const count = (n: number) => n.toLocaleString('en-US');

export function createProgress(io: ProgressIo, opts: ProgressOptions = {}): Progress {
  const clock = opts.clock ?? (() => performance.now());
  const redrawMs = opts.redrawMs ?? 250;
  const logEveryMs = opts.logEveryMs ?? 5000;
  const plain = opts.log ?? ((line: string) => io.stdout(`${line}\n`));
  let current: Active | null = null;
  let drawn = false;
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  interface Active {
    what: string;
    unit: string;
    started: number;
    done: number;
    total: number | undefined;
    detail: string | undefined;
    lastLogged: number;
    ended: boolean;
  }

  const elapsed = (a: Active) => clock() - a.started;

  /** `12/40 repositories`, `12 repositories`, or nothing before anything is counted. */
  function countText(a: Active): string {
    if (a.total !== undefined) return `${count(a.done)}/${count(a.total)} ${a.unit}`.trimEnd();
    return a.done > 0 ? `${count(a.done)} ${a.unit}`.trimEnd() : '';
  }

  /** `12/40 repositories · acme/web · 3.4 s, ~8 s left`. */
  function status(a: Active): string {
    const ms = elapsed(a);
    let time = formatDuration(ms);
    if (a.total !== undefined && a.done > 0 && a.done < a.total && ms >= 1000) {
      time += `, ~${formatDuration((ms / a.done) * (a.total - a.done))} left`;
    }
    return [countText(a), a.detail ?? '', time].filter(Boolean).join(' · ');
  }

  /** `what: summary (1.2 s)`, the line a finished step leaves. */
  function doneLine(a: Active, summary: string | undefined): string {
    const body = summary ?? countText(a);
    return `${a.what}${body ? `: ${body}` : ''} (${formatDuration(elapsed(a))})`;
  }

  function draw(): void {
    if (!current || current.ended) return;
    frame = (frame + 1) % SPINNER.length;
    io.stdout(`${CLEAR}${SPINNER[frame]} ${current.what} ${status(current)}`);
    drawn = true;
  }

  function clearLine(): void {
    if (drawn) io.stdout(CLEAR);
    drawn = false;
  }

  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  function end(a: Active, line: string): void {
    if (a.ended) return;
    a.ended = true;
    if (current === a) current = null;
    stopTimer();
    if (io.isTty) {
      clearLine();
      io.stdout(`${line}\n`);
    } else plain(line);
  }

  return {
    start(what, o = {}) {
      if (current) end(current, doneLine(current, undefined));
      const a: Active = {
        what,
        unit: o.unit ?? '',
        started: clock(),
        done: 0,
        total: o.total,
        detail: undefined,
        lastLogged: clock(),
        ended: false,
      };
      current = a;
      if (io.isTty) {
        draw();
        if (redrawMs > 0) {
          timer = setInterval(draw, redrawMs);
          // A forgotten close() must not keep the process alive.
          timer.unref?.();
        }
      } else {
        plain(`${what}…${a.total !== undefined ? ` (${count(a.total)} ${a.unit})`.trimEnd() : ''}`);
      }
      const task: ProgressTask = {
        update(done, u = {}) {
          if (a.ended) return;
          a.done = done;
          if (u.total !== undefined) a.total = u.total;
          if (u.detail !== undefined) a.detail = u.detail;
          if (io.isTty) {
            draw();
          } else if (clock() - a.lastLogged >= logEveryMs) {
            a.lastLogged = clock();
            plain(`  ${what}: ${status(a)}`);
          }
        },
        report(p) {
          if (p.unit) a.unit = p.unit;
          task.update(p.done, {
            ...(p.total !== undefined ? { total: p.total } : {}),
            ...(p.detail !== undefined ? { detail: p.detail } : {}),
          });
        },
        finish(summary) {
          end(a, doneLine(a, summary));
        },
        fail(reason) {
          end(a, `${what}: failed after ${formatDuration(elapsed(a))}: ${reason}`);
        },
      };
      return task;
    },
    log(line) {
      if (io.isTty) clearLine();
      io.stdout(`${line}\n`);
      if (io.isTty) draw();
    },
    close() {
      stopTimer();
      if (io.isTty) clearLine();
      current = null;
    },
  };
}
