/**
 * Commitment coverage and utilisation where people see them monthly: the review parent (the
 * monthly-review job) and `/finops kpis` (a signed slash command), through the real app against
 * the fake Slack, on both backends. Numbers: test/support/kpi-seed.ts (September 2026: covered
 * 800, on demand 200, nothing unused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { monthlyReviewJob } from '../../src/jobs/monthly-review.ts';
import { runJob } from '../../src/jobs/runner.ts';
import type { FakeMessage } from '../fakes/fake-slack.ts';
import { backends } from '../support/db.ts';
import { seedKpiQuarter } from '../support/kpi-seed.ts';
import { startTestApp, type TestApp } from '../support/slack.ts';

/** 09:00 on 2 October 2026 in Berlin: the review of September. */
const AT = new Date('2026-10-02T07:00:00Z');
const SEPTEMBER = '• AWS: coverage 80.0% · utilisation 100.0% · unused (waste) $0';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe.each(backends())('commitments in the review and /finops kpis on %s', (backend) => {
  it('the review parent has a line per provider after allocation coverage', async () => {
    t = await startTestApp({ backend, now: () => AT });
    await seedKpiQuarter(t.db.db);
    const outcome = await runJob(monthlyReviewJob, {
      deps: t.deps,
      messenger: t.app.gateway,
      at: AT,
      dryRun: false,
    });
    expect(outcome.status, outcome.message).toBe('succeeded');
    const parent = t.fake.messages('C0REVIEW01').find((m) => m.threadTs === undefined) as FakeMessage;
    const sections = (parent.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '');
    const at = sections.findIndex((s) => s.startsWith('*Allocation coverage:* cost 100.0%'));
    expect(at).toBeGreaterThan(0);
    expect(sections[at + 1]).toBe(`*Commitments*\n${SEPTEMBER}`);
  });

  it('/finops kpis shows them for the last closed month, with what they mean', async () => {
    t = await startTestApp({ backend, now: () => AT });
    await seedKpiQuarter(t.db.db);
    const { res, responseUrl } = await t.slack.slashCommand({ text: 'kpis' });
    expect(res.status).toBe(200);
    const call = await t.fake.waitFor('response_url', (c) => responseUrl.endsWith(String(c.params['_key'])));
    const blocks = JSON.stringify(call.params['blocks']);
    expect(call.params['text']).toBe('FinOps KPIs — September 2026: 0 anomalies, 0 of 1 action items done.');
    expect(blocks).toContain(JSON.stringify(`*Commitments*\n${SEPTEMBER}`));
    expect(blocks).toContain('Coverage = covered ÷ (covered + on-demand of eligible services)');
  });
});
