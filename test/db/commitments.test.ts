/**
 * Commitment coverage and utilisation from FOCUS files, through the real ingestion and the
 * service the review and `/finops kpis` use, on both backends. The files are the FOCUS 1.2
 * specification's commitment example and our extension of it (test/fixtures/focus/README.md).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKpis } from '../../src/services/figures-query.ts';
import { ingestFocusFiles } from '../../src/services/ingest-focus.ts';
import { monthCommitments } from '../../src/services/commitments.ts';
import { SPEC_12_COMPLETE, testConfig, testDeps } from '../ingest/focus-support.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';

const EXTENDED = path.resolve('test/fixtures/focus/spec_1.2_commitment_unused_and_on_demand.csv');

describe.each(backends())('commitment coverage and utilisation on %s', (backend) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.close();
  });

  it('the FOCUS 1.2 example: covered usage 2.00, nothing unused, nothing on demand; its re-issue with idle commitment and on-demand usage replaces it', async () => {
    const deps = testDeps(t.db, testConfig(), new Date('2023-02-10T10:00:00Z'));
    await ingestFocusFiles(deps, [SPEC_12_COMPLETE]);
    // Purchase: BilledCost 2.00, EffectiveCost 0.00 (left out); two Used rows of EffectiveCost 1.00.
    expect(await monthCommitments(deps, '2023-01')).toEqual({
      month: '2023-01',
      byProvider: [
        {
          provider: 'Example Cloud',
          currency: 'USD',
          coveredCost: 2,
          onDemandEligibleCost: 0,
          coveragePct: 100,
          unusedCost: 0,
          utilisationPct: 100,
          usageCost: 2,
          wastePct: 0,
          eligibleServices: [],
        },
      ],
      organisation: expect.objectContaining({ provider: 'all providers', coveredCost: 2, coveragePct: 100 }),
    });

    // The same provider, account and billing period: the extended file replaces the example.
    await ingestFocusFiles(deps, [EXTENDED]);
    const m = await monthCommitments(deps, '2023-01');
    // Used 3 × 1.00; on demand the third VM 2.00 (Compute: eligible) and the disk 0.40 (Storage:
    // not eligible); unused 1.00; spot 0.30 (neither); the Tax row and both Purchases left out.
    // coverage 3 / (3 + 2) = 60 %; utilisation 3 / (3 + 1) = 75 %;
    // usage 3 + 2 + 0.40 + 1 + 0.30 = 6.70; waste 1 / 6.70 = 14.925 %.
    expect(m.byProvider).toEqual([
      {
        provider: 'Example Cloud',
        currency: 'USD',
        coveredCost: 3,
        onDemandEligibleCost: 2,
        coveragePct: 60,
        unusedCost: 1,
        utilisationPct: 75,
        usageCost: 6.7,
        wastePct: (1 / 6.7) * 100,
        eligibleServices: ['Virtual Machines'],
      },
    ]);
    expect(await monthCommitments(deps, '2023-02')).toEqual({
      month: '2023-02',
      byProvider: [],
      organisation: null,
    });

    // What `/finops kpis` shows for the last closed month (January, on 10 February).
    const kpis = await readKpis(deps);
    expect(kpis.month).toBe('2023-01');
    expect(kpis.commitments?.map((c) => [c.provider, c.coveragePct, c.utilisationPct, c.unusedCost])).toEqual(
      [['Example Cloud', 60, 75, 1]],
    );
  });

  it('eligible categories come from the config: Storage made eligible joins the denominator', async () => {
    const deps = testDeps(
      t.db,
      testConfig({ commitments: { eligible_service_categories: ['Compute', 'Storage'] } }),
    );
    await ingestFocusFiles(deps, [EXTENDED]);
    const [f] = (await monthCommitments(deps, '2023-01')).byProvider;
    // 3 / (3 + 2 + 0.40)
    expect(f?.onDemandEligibleCost).toBeCloseTo(2.4, 10);
    expect(f?.coveragePct).toBeCloseTo((3 / 5.4) * 100, 10);
    expect(f?.eligibleServices).toEqual(['Block Storage', 'Virtual Machines']);
  });
});
