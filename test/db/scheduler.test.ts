import cron from 'node-cron';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import { findJobRun } from '../../src/db/repos/job-runs.ts';
import type { JobOutcome } from '../../src/jobs/runner.ts';
import { startScheduler } from '../../src/jobs/scheduler.ts';
import { InputError } from '../../src/lib/errors.ts';
import { type Backend, backends, createTestDb, type TestDb } from '../support/db.ts';
import { deferred, jobTestDeps, testJob } from '../support/jobs.ts';

const ok = async () => ({ stats: { posted: 1 }, summary: 'posted' });

afterEach(() => {
  vi.useRealTimers();
});

describe.each(backends())('scheduler on %s', (backend: Backend) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await createTestDb(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  it('fires a job at its cron tick in config.timezone, as of the tick', async () => {
    // node-cron's clock and timers are the fake ones: 1 s before 09:00 Berlin on 2 December.
    vi.useFakeTimers({
      now: new Date('2026-12-02T07:59:59.000Z'),
      toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    });
    const fired = deferred<JobOutcome>();
    let calls = 0;
    const job = testJob('tick', async () => {
      calls++;
      return ok();
    });
    const deps = { ...jobTestDeps(h.db), now: () => new Date() };
    const scheduler = startScheduler({
      deps,
      messenger: undefined,
      jobs: [job],
      catchUpMs: 0,
      onOutcome: (o) => fired.resolve(o),
    });
    try {
      await vi.advanceTimersByTimeAsync(500);
      expect(calls).toBe(0);
      await vi.advanceTimersByTimeAsync(500);
      const outcome = await fired.promise;
      expect(calls).toBe(1);
      expect(outcome.status).toBe('succeeded');
      expect(outcome.periodKey).toBe('2026-11');
      expect(outcome.status === 'succeeded' && outcome.run.asOf?.toISOString()).toBe(
        '2026-12-02T08:00:00.000Z',
      );
      expect(deps.logger.lines[0]).toContain(
        'scheduled tick: "0 9 2 * *" in Europe/Berlin, next 2026-12-02T08:00:00.000Z',
      );
    } finally {
      await scheduler.stop();
    }
  });

  it.skipIf(backend === 'pglite')(
    'runs a tick once when two app instances schedule the same job on one database',
    async () => {
      vi.useFakeTimers({
        now: new Date('2026-12-02T07:59:59.000Z'),
        toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
      });
      const pools = [
        await connect({ databaseUrl: h.url, poolSize: 2 }),
        await connect({ databaseUrl: h.url, poolSize: 2 }),
      ];
      const outcomes: JobOutcome[] = [];
      const both = deferred();
      let calls = 0;
      const job = testJob('two-instances', async () => {
        calls++;
        return ok();
      });
      const schedulers = pools.map((p) =>
        startScheduler({
          deps: { ...jobTestDeps(p.db), now: () => new Date() },
          messenger: undefined,
          jobs: [job],
          catchUpMs: 0,
          onOutcome: (o) => {
            outcomes.push(o);
            if (outcomes.length === 2) both.resolve();
          },
        }),
      );
      try {
        await vi.advanceTimersByTimeAsync(1000);
        await both.promise;
        expect(calls).toBe(1);
        expect(outcomes.map((o) => o.status).sort()).toEqual(['skipped', 'succeeded']);
        const rows = await h.db.selectFrom('jobRun').selectAll().where('job', '=', 'two-instances').execute();
        expect(rows.map((r) => [r.periodKey, r.status])).toEqual([['2026-11', 'succeeded']]);
      } finally {
        for (const s of schedulers) await s.stop();
        for (const p of pools) await p.close();
      }
    },
  );

  it('names each node-cron task after its job; execute() runs as of the injected clock, once per period', async () => {
    const deps = jobTestDeps(h.db, new Date('2026-12-09T12:00:00Z'));
    const scheduler = startScheduler({
      deps,
      messenger: undefined,
      jobs: [testJob('exec', ok), testJob('exec-weekly', ok, '0 8 * * 1')],
      catchUpMs: 0,
    });
    try {
      const task = scheduler.tasks.get('exec');
      expect(task?.name).toBe('exec');
      expect(task?.getStatus()).toBe('idle');
      expect([...scheduler.tasks.keys()]).toEqual(['exec', 'exec-weekly']);
      const first = (await task?.execute()) as JobOutcome;
      expect(first.status).toBe('succeeded');
      expect(first.periodKey).toBe('2026-11');
      expect(first.status === 'succeeded' && first.run.asOf).toEqual(new Date('2026-12-09T12:00:00Z'));
      const second = (await task?.execute()) as JobOutcome;
      expect(second.status === 'skipped' && second.reason).toBe('succeeded');
    } finally {
      await scheduler.stop();
    }
  });

  it('catches up a tick missed less than 24 hours ago, and leaves an older one to an operator', async () => {
    const caught = deferred<JobOutcome>();
    const recent = startScheduler({
      deps: jobTestDeps(h.db, new Date('2026-12-02T10:00:00Z')),
      messenger: undefined,
      jobs: [testJob('catch-up', ok)],
      onOutcome: (o) => caught.resolve(o),
    });
    const outcome = await caught.promise;
    await recent.stop();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.status === 'succeeded' && outcome.run.asOf?.toISOString()).toBe(
      '2026-12-02T08:00:00.000Z',
    );

    const outcomes: JobOutcome[] = [];
    const late = startScheduler({
      deps: jobTestDeps(h.db, new Date('2026-12-05T10:00:00Z')),
      messenger: undefined,
      jobs: [testJob('too-late', ok)],
      onOutcome: (o) => outcomes.push(o),
    });
    await late.stop();
    expect(outcomes).toEqual([]);
    expect(await findJobRun(h.db, 'too-late', '2026-11')).toBeUndefined();
  });

  it('survives a failing job and skips a second trigger while the first run is still going', async () => {
    const gate = deferred();
    const entered = deferred();
    const deps = jobTestDeps(h.db, new Date('2026-12-02T08:00:00Z'));
    const scheduler = startScheduler({
      deps,
      messenger: undefined,
      jobs: [
        testJob('boom', async () => {
          throw new TypeError('cannot read properties of undefined');
        }),
        testJob('slow', async () => {
          entered.resolve();
          await gate.promise;
          return ok();
        }),
      ],
      catchUpMs: 0,
    });
    try {
      const failed = (await scheduler.tasks.get('boom')?.execute()) as JobOutcome;
      expect(failed.status === 'failed' && failed.error).toBe('cannot read properties of undefined');
      expect(scheduler.tasks.get('boom')?.getStatus()).toBe('idle');
      expect(await findJobRun(h.db, 'boom', '2026-11')).toMatchObject({ status: 'failed' });

      const slow = scheduler.tasks.get('slow');
      const running = slow?.execute();
      await entered.promise;
      expect(await slow?.execute()).toBeUndefined();
      expect(deps.logger.lines.some((l) => l.includes('WARN slow: previous run still going'))).toBe(true);
      gate.resolve();
      expect(((await running) as JobOutcome).status).toBe('succeeded');
    } finally {
      await scheduler.stop();
    }
  });

  it('stop() ends the ticks, signals the running job and waits for it to settle', async () => {
    const entered = deferred();
    const before = cron.getTasks().size;
    const scheduler = startScheduler({
      deps: jobTestDeps(h.db, new Date('2026-12-02T08:00:00Z')),
      messenger: undefined,
      jobs: [
        testJob('stoppable', async (ctx) => {
          entered.resolve();
          await new Promise((resolve) => ctx.signal?.addEventListener('abort', resolve, { once: true }));
          throw ctx.signal?.reason;
        }),
      ],
      catchUpMs: 0,
    });
    expect(cron.getTasks().size).toBe(before + 1);
    const task = scheduler.tasks.get('stoppable');
    const running = task?.execute();
    await entered.promise;
    await scheduler.stop();
    // stop() resolved only after the job settled: its failure is already recorded.
    expect(await findJobRun(h.db, 'stoppable', '2026-11')).toMatchObject({
      status: 'failed',
      error: 'the scheduler is stopping',
    });
    expect(((await running) as JobOutcome).status).toBe('failed');
    expect(task?.getStatus()).toBe('destroyed');
    expect(cron.getTasks().size).toBe(before);
    expect(await task?.execute()).toBeUndefined();
    await scheduler.stop();
  });

  it('refuses invalid schedules and duplicate job names, every problem in one error', () => {
    const start = () =>
      startScheduler({
        deps: jobTestDeps(h.db),
        messenger: undefined,
        jobs: [testJob('bad', ok, '0 25 * * *'), testJob('twice', ok), testJob('twice', ok)],
      });
    expect(start).toThrow(InputError);
    expect(start).toThrow(/^job "bad": schedule "0 25 \* \* \*": hour: .+; job "twice" is registered twice$/);
  });

  it('logs the AND rule for a schedule restricting both day-of-month and day-of-week', async () => {
    const deps = jobTestDeps(h.db);
    const scheduler = startScheduler({
      deps,
      messenger: undefined,
      jobs: [testJob('first-monday', ok, '0 9 1 * 1')],
      catchUpMs: 0,
    });
    await scheduler.stop();
    expect(deps.logger.lines.find((l) => l.includes('WARN job "first-monday"'))).toContain(
      '"0 9 1 * 1" runs only on days matching BOTH its day-of-month and its day-of-week',
    );
  });
});
