/**
 * The real `finops` binary as a long-lived child process (`finops start`, or a `finops jobs run` /
 * `finops ingest` a test interrupts): its output as it comes, waits on what it prints (an event,
 * never a sleep), and its exit.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve('bin/finops.mjs');

export interface FinopsProcess {
  proc: ChildProcessWithoutNullStreams;
  /** stdout and stderr as printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `re` in stdout + stderr (now or later); rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  /** Resolves once every pattern has matched somewhere in stdout + stderr. */
  waitForAll(res: readonly RegExp[]): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnFinops(args: string[], env: Record<string, string | undefined>): FinopsProcess {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      LOG_LEVEL: 'warn',
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  proc.stdin.end();
  let stdout = '';
  let stderr = '';
  // Set on 'close', once both streams are read to the end.
  let exited = false;
  const listeners = new Set<() => void>();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
      for (const l of [...listeners]) l();
    });
  });
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    changed();
  });
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    changed();
  });
  const waitFor = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = `${stdout}\n${stderr}`.match(re);
        if (m) {
          listeners.delete(check);
          resolve(m);
        } else if (exited) {
          listeners.delete(check);
          reject(new Error(`finops ${args.join(' ')} exited before printing ${re}:\n${stdout}\n${stderr}`));
        }
      };
      listeners.add(check);
      check();
    });
  return {
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor,
    async waitForAll(res) {
      await Promise.all(res.map((re) => waitFor(re)));
    },
    exit,
  };
}

/** The log line each job's run ends with (succeeded, failed, or nothing to do), as runJob writes it. */
export function jobOutcomeLine(job: string): RegExp {
  return new RegExp(`(INFO|ERROR) ${job} \\S+: (succeeded|failed|already ran|already running)`);
}
