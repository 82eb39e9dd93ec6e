import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { section } from '../../src/blocks/kit.ts';
import {
  findSharedAnswer,
  insertSharedAnswer,
  SHARED_ANSWER_TTL_MS,
} from '../../src/db/repos/shared-answers.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

describe.each(backends())('shared answers on %s', (backend) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await createTestDb(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps an answer with its blocks and prunes answers older than the TTL', async () => {
    const t0 = new Date('2026-11-02T09:00:00Z');
    const blocks = [section('Usage of /finops'), section('ünïcode &amp; <@U0ADA00001>')];
    const first = await insertSharedAnswer(
      h.db,
      { userId: 'U0ADA00001', channelId: 'C0GENERAL1', text: 'Usage', blocks },
      t0,
    );
    expect(await findSharedAnswer(h.db, first)).toEqual({
      id: first,
      userId: 'U0ADA00001',
      channelId: 'C0GENERAL1',
      text: 'Usage',
      blocks,
      createdAt: t0,
    });
    const later = new Date(t0.getTime() + SHARED_ANSWER_TTL_MS + 1);
    const second = await insertSharedAnswer(
      h.db,
      { userId: 'U0GRACE001', channelId: 'C0GENERAL1', text: 'x', blocks: [] },
      later,
    );
    expect(second).toBeGreaterThan(first);
    expect(await findSharedAnswer(h.db, first)).toBeUndefined();
    expect((await findSharedAnswer(h.db, second))?.userId).toBe('U0GRACE001');
  });
});
