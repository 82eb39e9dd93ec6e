import type { Logger } from './logger.ts';

/**
 * One debug line per phase of a long run: wall and CPU time since the previous mark, the
 * process's resident memory now and its peak so far. Costs nothing unless the logger is at
 * debug level (`LOG_LEVEL=debug`), so the heavy paths (FOCUS ingestion) can say where their time
 * and memory go without a profiler.
 */
export type PhaseMark = (phase: string, fields?: Record<string, unknown>) => void;

/** `fromProcessStart`: the first phase counts from the start of the process (start-up included). */
export function phaseTimer(logger: Logger | undefined, prefix: string, fromProcessStart = false): PhaseMark {
  if (logger?.level !== 'debug') return () => {};
  let wall = fromProcessStart ? 0 : performance.now();
  let cpu: NodeJS.CpuUsage | undefined = fromProcessStart ? undefined : process.cpuUsage();
  return (phase, fields = {}) => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    logger.debug(`${prefix}: ${phase}`, {
      seconds: round((now - wall) / 1000),
      cpuSeconds: round((used.user + used.system) / 1e6),
      rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      ...fields,
    });
    wall = now;
    cpu = process.cpuUsage();
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
