import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkCron, nextRun, nextRuns, previousRun } from '../../src/jobs/cron.ts';

const TZ = 'Europe/Berlin';
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

/** node-cron's own walker, with its clock pinned to `from` (getNextRuns reads the real clock). */
function nodeCronNextRuns(expr: string, from: Date, count: number): string[] {
  vi.useFakeTimers({ toFake: ['Date'], now: from });
  const task = cron.createTask(expr, () => undefined, { timezone: TZ });
  try {
    return iso(task.getNextRuns(count));
  } finally {
    void task.destroy();
    vi.useRealTimers();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('cron schedules as node-cron runs them', () => {
  it('ANDs day-of-month with day-of-week, and says so', () => {
    expect(iso(nextRuns('0 9 1 * 1', TZ, new Date('2026-11-23T00:00:00Z'), 3))).toEqual([
      '2027-02-01T08:00:00.000Z',
      '2027-03-01T08:00:00.000Z',
      '2027-11-01T08:00:00.000Z',
    ]);
    expect(checkCron('0 9 1 * 1').andNote).toContain('BOTH its day-of-month and its day-of-week');
    expect(checkCron('0 9 2 * *').andNote).toBeUndefined();
    expect(checkCron('0 9 * * 1-5').andNote).toBeUndefined();
    expect(checkCron('0 9 * * 0-6').andNote).toBeUndefined();
  });

  it('reports invalid expressions by field', () => {
    expect(checkCron('0 25 * * *').errors).toHaveLength(1);
    expect(checkCron('0 25 * * *').errors[0]).toMatch(/^hour: /);
    expect(checkCron('0 9 31 2 *').errors[0]).toBe(
      'dayOfMonth: 31 2 is an impossible day of month for the given month',
    );
    expect(checkCron('0 9 2 * *').errors).toEqual([]);
  });

  it('follows the time zone across DST: 09:00 Berlin is 08:00 UTC in winter, 07:00 UTC in summer', () => {
    expect(iso(nextRuns('0 9 2 * *', TZ, new Date('2026-02-10T00:00:00Z'), 3))).toEqual([
      '2026-03-02T08:00:00.000Z',
      '2026-04-02T07:00:00.000Z',
      '2026-05-02T07:00:00.000Z',
    ]);
    expect(nextRun('0 9 2 * *', TZ, new Date('2026-12-02T08:00:00Z'))?.toISOString()).toBe(
      '2027-01-02T08:00:00.000Z',
    );
  });

  it('finds the tick a moment belongs to', () => {
    expect(previousRun('0 9 2 * *', TZ, new Date('2026-12-02T08:00:00Z'))?.toISOString()).toBe(
      '2026-12-02T08:00:00.000Z',
    );
    expect(previousRun('0 9 2 * *', TZ, new Date('2026-12-02T07:59:59Z'))?.toISOString()).toBe(
      '2026-11-02T08:00:00.000Z',
    );
    expect(previousRun('0 9 1 * 1', TZ, new Date('2026-11-23T00:00:00Z'))?.toISOString()).toBe(
      '2026-06-01T07:00:00.000Z',
    );
  });

  it.each([
    ['0 9 2 * *', '2026-11-23T10:00:00Z'],
    ['0 9 1 * 1', '2026-11-23T10:00:00Z'],
    ['0 9 * * 1-5', '2026-03-27T10:00:00Z'],
    ['*/20 * * * *', '2026-10-24T23:50:00Z'],
    ['30 2 * * *', '2026-03-27T12:00:00Z'],
    ['30 2 * * *', '2026-10-23T12:00:00Z'],
    ['0 2,9 * * *', '2026-03-28T12:00:00Z'],
    ['*/20 * * * *', '2026-10-25T00:10:00Z'],
    ['15 */6 * * *', '2026-03-28T20:00:00Z'],
    ['0 9 L * *', '2026-01-15T12:00:00Z'],
  ])('agrees with node-cron on the next ticks of "%s" from %s', (expr, from) => {
    const mine = iso(nextRuns(expr, TZ, new Date(from), 6));
    expect(mine).toEqual(nodeCronNextRuns(expr, new Date(from), 6));
    expect(mine).toHaveLength(6);
  });

  it('leaves no node-cron task behind', () => {
    const before = cron.getTasks().size;
    nextRuns('0 9 2 * *', TZ, new Date('2026-11-23T10:00:00Z'), 2);
    previousRun('0 9 2 * *', TZ, new Date('2026-11-23T10:00:00Z'));
    expect(cron.getTasks().size).toBe(before);
  });
});
