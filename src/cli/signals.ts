/**
 * Shutdown signals for the long-running commands (`finops start`, `finops jobs run`, `finops ingest`):
 * the first SIGINT or SIGTERM asks the command to stop at its next safe point (a job records its
 * run, ingestion keeps what it committed and its cursor); the handlers are then removed, so a second
 * signal ends the process at once, as Ctrl-C twice is expected to.
 */
export interface StopSignal {
  /** Aborted (reason: the signal's name) on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Resolves with the signal's name. */
  stopped: Promise<string>;
  /** Removes the handlers (the command finished on its own). */
  dispose(): void;
}

export function listenForStop(): StopSignal {
  const controller = new AbortController();
  let resolve!: (name: string) => void;
  const stopped = new Promise<string>((r) => {
    resolve = r;
  });
  const dispose = () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  function on(name: NodeJS.Signals) {
    dispose();
    controller.abort(name);
    resolve(name);
  }
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: controller.signal, stopped, dispose };
}
