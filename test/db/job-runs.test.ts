import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../../src/db/connect.ts';
import { claimJobRun, findJobRun, heartbeatJobRun, listJobRuns } from '../../src/db/repos/job-runs.ts';
import { type JobOutcome, runJob } from '../../src/jobs/runner.ts';
import type { JobContext } from '../../src/jobs/types.ts';
import type { Messenger } from '../../src/services/deps.ts';
import { type Backend, backends, createTestDb, type TestDb } from '../support/db.ts';
import { deferred, jobTestDeps, testJob } from '../support/jobs.ts';

const DEC_2 = new Date('2026-12-02T08:00:00Z'); // 09:00 in Berlin: the review of 2026-11
const DEC_15 = new Date('2026-12-15T10:00:00Z');
const JAN_2 = new Date('2027-01-02T08:00:00Z');

/** Runs `contenders` claims of one job and period at once; the job body blocks until every loser has
 * returned, so the losers are refused while the winner's row is `running` (or two entries unblock it). */
async function race(dbs: Db[], name: string) {
  const gate = deferred();
  let entered = 0;
  let settled = 0;
  const job = testJob(name, async () => {
    entered++;
    if (entered > 1) gate.resolve();
    await gate.promise;
    return { stats: { posted: 1 }, summary: 'posted' };
  });
  const outcomes = await Promise.all(
    dbs.map((db) =>
      runJob(job, { deps: jobTestDeps(db), messenger: undefined, at: DEC_2, dryRun: false }).then((o) => {
        settled++;
        if (settled === dbs.length - 1) gate.resolve();
        return o;
      }),
    ),
  );
  return { outcomes, entered };
}

function statuses(outcomes: JobOutcome[]): string[] {
  return outcomes.map((o) => (o.status === 'skipped' ? `skipped:${o.reason}` : o.status)).sort();
}

describe.each(backends())('job runs on %s', (backend: Backend) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await createTestDb(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs a job once per period: a second run of the same period is a no-op', async () => {
    let calls = 0;
    const seen: JobContext[] = [];
    const job = testJob('once', async (ctx) => {
      calls++;
      seen.push(ctx);
      return { stats: { posted: 2, channel: 'C1' }, summary: 'posted 2 messages' };
    });
    const deps = jobTestDeps(h.db);
    const first = await runJob(job, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(first.status).toBe('succeeded');
    expect(first.periodKey).toBe('2026-11');
    expect(first.message).toBe('once 2026-11: succeeded (attempt 1): posted 2 messages');
    expect(seen[0]?.periodKey).toBe('2026-11');
    expect(seen[0]?.at).toEqual(DEC_2);
    expect(seen[0]?.dryRun).toBe(false);

    const second = await runJob(job, { deps, messenger: undefined, at: DEC_15, dryRun: false });
    expect(second.status).toBe('skipped');
    expect(second.status === 'skipped' && second.reason).toBe('succeeded');
    expect(second.message).toMatch(
      /^once 2026-11: already ran \(succeeded at .+, attempt 1\); nothing to do$/,
    );
    expect(calls).toBe(1);

    const next = await runJob(job, { deps, messenger: undefined, at: JAN_2, dryRun: false });
    expect(next.status).toBe('succeeded');
    expect(next.periodKey).toBe('2026-12');
    expect(calls).toBe(2);

    const row = await findJobRun(h.db, 'once', '2026-11');
    expect(row).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      asOf: DEC_2,
      stats: { posted: 2, channel: 'C1' },
      error: null,
    });
    expect(row?.finishedAt).toBeInstanceOf(Date);
    expect((await listJobRuns(h.db, 'once')).map((r) => r.periodKey)).toEqual(['2026-12', '2026-11']);
  });

  it('records a failing job as failed without throwing, and a re-run takes the failed run over', async () => {
    let calls = 0;
    const job = testJob('flaky', async () => {
      calls++;
      if (calls === 1) throw new Error('channel_not_found: #finops-review');
      return { stats: { posted: 1 }, summary: 'posted' };
    });
    const deps = jobTestDeps(h.db);
    const failed = await runJob(job, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(failed.status).toBe('failed');
    expect(failed.status === 'failed' && failed.error).toBe('channel_not_found: #finops-review');
    expect(await findJobRun(h.db, 'flaky', '2026-11')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: 'channel_not_found: #finops-review',
    });
    expect(deps.logger.lines.some((l) => l.includes('ERROR flaky 2026-11: failed (attempt 1)'))).toBe(true);

    const retried = await runJob(job, { deps, messenger: undefined, at: DEC_15, dryRun: false });
    expect(retried.status).toBe('succeeded');
    expect(retried.status === 'succeeded' && retried.takeover).toBe('failed');
    expect(await findJobRun(h.db, 'flaky', '2026-11')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      asOf: DEC_15,
      error: null,
      stats: { posted: 1 },
    });
    const again = await runJob(job, { deps, messenger: undefined, at: DEC_15, dryRun: false });
    expect(again.status).toBe('skipped');
    expect(calls).toBe(2);
  });

  it('records item failures reported by the job as a failed run with their stats', async () => {
    let calls = 0;
    const job = testJob('partial', async () => {
      calls++;
      return calls === 1
        ? {
            stats: { posted: 3, failed: 1 },
            summary: '3 of 4 replies',
            error: '1 reply failed: not_in_channel',
          }
        : { stats: { posted: 1, alreadyPosted: 3 }, summary: 'completed the missing reply' };
    });
    const deps = jobTestDeps(h.db);
    const first = await runJob(job, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(first.status).toBe('failed');
    expect(await findJobRun(h.db, 'partial', '2026-11')).toMatchObject({
      status: 'failed',
      stats: { posted: 3, failed: 1 },
      error: '1 reply failed: not_in_channel',
    });
    const second = await runJob(job, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(second.status).toBe('succeeded');
    expect(await findJobRun(h.db, 'partial', '2026-11')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      stats: { posted: 1, alreadyPosted: 3 },
      error: null,
    });
  });

  it('lets exactly one of five concurrent runs of one period run', async () => {
    const { outcomes, entered } = await race([h.db, h.db, h.db, h.db, h.db], 'five-at-once');
    expect(entered).toBe(1);
    expect(statuses(outcomes)).toEqual([
      'skipped:running',
      'skipped:running',
      'skipped:running',
      'skipped:running',
      'succeeded',
    ]);
    const rows = await sql<{
      n: number;
    }>`select count(*)::int as n from job_run where job = 'five-at-once'`.execute(h.db);
    expect(rows.rows[0]?.n).toBe(1);
  });

  // Two pools over one PGlite instance interleave their protocol messages (PGlite serialises per
  // pool, not per instance), so the two-instance case needs a real Postgres server.
  it.skipIf(backend === 'pglite')(
    'lets exactly one of two connection pools on the same database run a period',
    async () => {
      const a = await connect({ databaseUrl: h.url, poolSize: 2 });
      const b = await connect({ databaseUrl: h.url, poolSize: 2 });
      try {
        const { outcomes, entered } = await race([a.db, b.db], 'two-pools');
        expect(entered).toBe(1);
        expect(statuses(outcomes)).toEqual(['skipped:running', 'succeeded']);
        // And the take-over of a failed run is just as exclusive.
        await a.db.updateTable('jobRun').set({ status: 'failed' }).where('job', '=', 'two-pools').execute();
        const takeovers = await Promise.all(
          [a.db, b.db].map((db) =>
            claimJobRun(db, {
              job: 'two-pools',
              periodKey: '2026-11',
              owner: `o-${Math.random()}`,
              asOf: DEC_2,
              leaseMs: 60_000,
            }),
          ),
        );
        expect(takeovers.filter((t) => t.claimed)).toHaveLength(1);
        expect(await findJobRun(a.db, 'two-pools', '2026-11')).toMatchObject({
          status: 'running',
          attempt: 2,
        });
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  it('leaves a live running run alone, takes over one whose owner stopped heartbeating', async () => {
    const gate = deferred();
    const entered = deferred();
    let calls = 0;
    const job = testJob('lease', async () => {
      calls++;
      if (calls === 1) {
        entered.resolve();
        await gate.promise;
      }
      return { stats: { call: calls }, summary: `call ${calls}` };
    });
    const deps = jobTestDeps(h.db);
    const original = runJob(job, {
      deps,
      messenger: undefined,
      at: DEC_2,
      dryRun: false,
      owner: 'host-a:1:aaaaaa',
    });
    await entered.promise;

    const live = await runJob(job, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(live.status === 'skipped' && live.reason).toBe('running');
    expect(live.message).toContain('already running (owner host-a:1:aaaaaa');

    // The owner has been silent for ten minutes, longer than the two-minute lease: presumed dead.
    await sql`update job_run set heartbeat_at = now() - interval '10 minutes' where job = 'lease'`.execute(
      h.db,
    );
    const takeover = await runJob(job, {
      deps,
      messenger: undefined,
      at: DEC_2,
      dryRun: false,
      owner: 'host-b:2:bbbbbb',
    });
    expect(takeover.status).toBe('succeeded');
    expect(takeover.status === 'succeeded' && takeover.takeover).toBe('stale');
    expect(
      await heartbeatJobRun(h.db, takeover.status === 'succeeded' ? takeover.run.id : -1, 'host-a:1:aaaaaa'),
    ).toBe(false);

    // The presumed-dead owner comes back: its outcome is not written over the take-over's.
    gate.resolve();
    const late = await original;
    expect(late.status).toBe('failed');
    expect(late.status === 'failed' && late.error).toBe(
      'the run was taken over by another process before it finished',
    );
    expect(await findJobRun(h.db, 'lease', '2026-11')).toMatchObject({
      status: 'succeeded',
      owner: 'host-b:2:bbbbbb',
      attempt: 2,
      stats: { call: 2 },
    });
  });

  it('makes a dry run claim nothing and post nothing, under the same once-per-period guard', async () => {
    const posted: string[] = [];
    const messenger = recordingMessenger(posted);
    let calls = 0;
    const job = testJob('dry', async (ctx) => {
      calls++;
      const channel = await ctx.messenger?.resolveChannel('#finops-review');
      if (ctx.dryRun) {
        const refused = await ctx.messenger?.post(channel ?? '', { text: 'review' }).then(
          () => 'posted',
          (err: Error) => err.message,
        );
        return { stats: { wouldPost: 1 }, summary: `would post the review to ${channel} (${refused})` };
      }
      await ctx.messenger?.post(channel ?? '', { text: 'review' });
      return { stats: { posted: 1 }, summary: 'posted' };
    });
    const deps = jobTestDeps(h.db);

    const dry = await runJob(job, { deps, messenger, at: DEC_2, dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect(dry.message).toBe('dry 2026-11: dry run (nothing claimed, nothing posted)');
    expect(dry.status === 'dry-run' && dry.result?.summary).toBe(
      'would post the review to C0REVIEW (dry run: refusing to post a message)',
    );
    expect(posted).toEqual([]);
    expect(await findJobRun(h.db, 'dry', '2026-11')).toBeUndefined();

    expect((await runJob(job, { deps, messenger, at: DEC_2, dryRun: false })).status).toBe('succeeded');
    expect(posted).toEqual(['C0REVIEW: review']);

    const dryAgain = await runJob(job, { deps, messenger, at: DEC_15, dryRun: true });
    expect(dryAgain.status).toBe('skipped');
    expect(dryAgain.dryRun).toBe(true);
    expect(dryAgain.message).toContain('dry 2026-11: already ran (succeeded at');
    expect(calls).toBe(2);

    // A dry run of a failed period says the real run would take it over, and leaves it as it was.
    await sql`update job_run set status = 'failed', error = 'boom' where job = 'dry'`.execute(h.db);
    const dryFailed = await runJob(job, { deps, messenger, at: DEC_15, dryRun: true });
    expect(dryFailed.message).toBe(
      'dry 2026-11: dry run (nothing claimed, nothing posted); a real run would take over the failed attempt 1',
    );
    expect(await findJobRun(h.db, 'dry', '2026-11')).toMatchObject({
      status: 'failed',
      error: 'boom',
      attempt: 1,
    });
  });

  it('turns a bad period key or an unreachable database into a failed outcome, never a throw', async () => {
    const badKey = {
      ...testJob('bad-key', async () => ({ stats: {}, summary: '' })),
      periodKey: () => {
        throw new Error('no period before the epoch');
      },
    };
    const deps = jobTestDeps(h.db);
    const o1 = await runJob(badKey, { deps, messenger: undefined, at: DEC_2, dryRun: false });
    expect(o1).toMatchObject({
      status: 'failed',
      run: undefined,
      error: 'cannot compute the period key: no period before the epoch',
    });

    // Nothing listens on port 1: every query fails to connect.
    const gone = await connect({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere', poolSize: 1 });
    const o2 = await runJob(
      testJob('no-db', async () => ({ stats: {}, summary: '' })),
      {
        deps: jobTestDeps(gone.db),
        messenger: undefined,
        at: DEC_2,
        dryRun: false,
      },
    );
    await gone.close();
    expect(o2.status).toBe('failed');
    expect(o2.status === 'failed' && o2.error).toMatch(/^cannot claim the run: /);
  });
});

function recordingMessenger(posted: string[]): Messenger {
  return {
    post: async (channel, msg) => {
      posted.push(`${channel}: ${msg.text}`);
      return { channel, ts: `${posted.length}.000100` };
    },
    update: async () => undefined,
    postEphemeral: async () => undefined,
    dm: async (user) => ({ channel: `D${user}`, ts: '1.0' }),
    uploadFile: async () => undefined,
    resolveChannel: async (name) => (name === '#finops-review' ? 'C0REVIEW' : name),
    permalink: async () => null,
    userInfo: async () => null,
    usergroupMembers: async () => [],
  };
}
