/**
 * Labour spikes from stored PagerDuty data: the feed's hours worked by hand (test/support/
 * labor-spike-seed.ts explains every hour), the same incident hours as the effort model's, the
 * rule on them, and recording that stores each spike once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAnomalies } from '../../src/db/repos/anomalies.ts';
import { listLaborSpikes } from '../../src/db/repos/labor-spikes.ts';
import { readActivity, readIncidentInput } from '../../src/db/repos/model-inputs.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { computeEffort } from '../../src/model/effort.ts';
import { computeIncidentHours, incidentWeekKey } from '../../src/model/incident-hours.ts';
import {
  detectStoredLaborSpikes,
  planLaborSpikes,
  recordLaborSpikes,
} from '../../src/services/labor-spikes.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import {
  insertIncidents,
  LABOR_PRODUCT_LINES,
  laborSpikeIncidents,
  simpleIncident,
} from '../support/labor-spike-seed.ts';
import { testConfig } from '../support/slack.ts';

const { config } = testConfig({ product_lines: LABOR_PRODUCT_LINES });
const AS_OF = new Date('2027-01-04T07:30:00Z');
const FROM = new Date('2026-11-01T23:00:00Z'); // Monday 2026-11-02 00:00 in Berlin

const CHECKOUT_WEEK_8 = {
  productLine: 'checkout',
  week: '2026-12-28',
  hours: 17,
  median: 2,
  ratio: 8.5,
  people: 4,
  incidents: [
    { id: 'Q104', number: 104, title: 'Ledger replication lag', hours: 8 },
    { id: 'Q101', number: 101, title: '<!channel> Checkout 5xx & timeouts', hours: 4.5 },
    { id: 'Q103', number: 103, title: 'Nightly batch stuck', hours: 3 },
    { id: 'Q102', number: 102, title: 'Card tokenizer latency', hours: 1.5 },
  ],
};

describe.each(backends())('labour spikes from stored PagerDuty data on %s', (backend) => {
  let t: TestDb;
  let clock = AS_OF;
  const deps = () => ({ db: t.db, config, now: () => clock, logger: silentLogger });

  beforeEach(async () => {
    t = await createTestDb(backend);
    clock = AS_OF;
    await insertIncidents(t.db, laborSpikeIncidents());
  });
  afterEach(async () => {
    await t.close();
  });

  it('feeds incident hours per product line and local day, and per ISO week what made them', async () => {
    const input = await readIncidentInput(t.db, { from: FROM, to: AS_OF });
    const feed = computeIncidentHours(input, config, { from: FROM, to: AS_OF, asOf: AS_OF });
    const tuesdays = ['2026-11-03', '2026-11-10', '2026-11-17', '2026-11-24', '2026-12-01', '2026-12-08'];
    const weekly = [...tuesdays, '2026-12-15', '2026-12-22'];
    expect(feed.days).toEqual([
      ...weekly.map((day) => ({ productLine: 'checkout', day, hours: 2 })),
      { productLine: 'checkout', day: '2026-12-29', hours: 6 }, // #101 4.5 + #102 1.5
      { productLine: 'checkout', day: '2026-12-30', hours: 8 }, // #104 capped at 8
      { productLine: 'checkout', day: '2027-01-03', hours: 3 }, // #103 before local midnight
      { productLine: 'checkout', day: '2027-01-04', hours: 3 }, // #103 after it: next ISO week
      ...weekly.map((day) => ({ productLine: 'search-ai', day, hours: 3 })),
      { productLine: 'search-ai', day: '2026-12-29', hours: 6 },
      { productLine: null, day: '2026-12-31', hours: 1 },
    ]);
    expect(feed.weeks.get(incidentWeekKey('checkout', '2026-12-28'))).toEqual({
      productLine: 'checkout',
      week: '2026-12-28',
      hours: 17,
      people: 4,
      incidents: CHECKOUT_WEEK_8.incidents,
    });
    expect(feed.weeks.get(incidentWeekKey('checkout', '2027-01-04'))).toMatchObject({ hours: 3, people: 1 });
  });

  it("counts the effort model's incident hours: December's checkout 4 × 2 + 6 + 8 = 22 h", async () => {
    const from = new Date('2026-11-30T23:00:00Z');
    const to = new Date('2026-12-31T23:00:00Z');
    const activity = await readActivity(t.db, { from, to, globRepos: [] });
    const effort = computeEffort(activity, config, { month: '2026-12', asOf: AS_OF });
    expect(effort.byProductLine.get('checkout')?.hours.incident).toBe(22);
    const feed = computeIncidentHours(await readIncidentInput(t.db, { from, to }), config, {
      from,
      to,
      asOf: AS_OF,
    });
    const december = feed.days.filter((d) => d.productLine === 'checkout').reduce((s, d) => s + d.hours, 0);
    expect(december).toBe(22);
  });

  it('flags checkout’s week of 17 h over 2 × its median of 2 h, not search-ai’s 6 h at exactly 2 × 3 h', async () => {
    const r = await detectStoredLaborSpikes(deps());
    expect(r.weeks).toEqual({ first: '2026-11-02', last: '2027-01-04' });
    expect(r.detected).toEqual([CHECKOUT_WEEK_8]);
    // a clock before week 8 is over sees only its hours so far: #101 and #102 on Tuesday, 6 h
    clock = new Date('2026-12-29T12:00:00Z');
    expect((await detectStoredLaborSpikes(deps())).detected).toMatchObject([
      { productLine: 'checkout', week: '2026-12-28', hours: 6, median: 2, ratio: 3, people: 2 },
    ]);
    // the configured rule: 9× the median is above 17 h
    const strict = testConfig({
      product_lines: LABOR_PRODUCT_LINES,
      anomalies: { labor_spike_factor: 9 },
    }).config;
    clock = AS_OF;
    expect((await detectStoredLaborSpikes({ ...deps(), config: strict })).detected).toEqual([]);
  });

  it('stores each spike once; a re-run stores nothing; more hours in its week restate it in place', async () => {
    const first = await recordLaborSpikes(deps());
    expect(first.created.map((s) => [s.productLine, s.week, s.hours])).toEqual([
      ['checkout', '2026-12-28', 17],
    ]);
    const again = await recordLaborSpikes(deps());
    expect([again.created.length, again.restated.length, again.unchanged]).toEqual([0, 0, 1]);

    const anomalies = await listAnomalies(t.db, { kind: 'labor' });
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      kind: 'labor',
      productLine: 'checkout',
      firstDay: '2026-12-28',
      lastDay: '2027-01-03',
      actual: 17,
      expected: 2,
      impact: 15,
      impactPct: 750,
      status: 'open',
      detectedAt: AS_OF,
    });
    // cost anomaly lists do not see it
    expect(await listAnomalies(t.db, { kind: 'cost' })).toEqual([]);

    await insertIncidents(
      t.db,
      [
        simpleIncident(
          'Q105',
          105,
          'PCHK',
          'Late page',
          'PBOB',
          '2027-01-02T10:00:00Z',
          '2027-01-02T11:00:00Z',
        ),
      ],
      [],
    );
    clock = new Date('2027-01-04T08:30:00Z');
    expect((await planLaborSpikes(deps())).planned.map((p) => p.change)).toEqual(['restated']);
    const restated = await recordLaborSpikes(deps());
    expect([restated.created.length, restated.restated.length]).toEqual([0, 1]);
    const [stored] = await listLaborSpikes(t.db);
    expect(stored).toMatchObject({ hours: 18, median: 2, ratio: 9, people: 4, updatedAt: clock });
    expect(stored?.anomaly).toMatchObject({
      id: anomalies[0]?.id,
      actual: 18,
      impact: 16,
      detectedAt: AS_OF,
    });
    expect(stored?.incidents.map((i) => i.id)).toEqual(['Q104', 'Q101', 'Q103', 'Q102', 'Q105']);
  });

  it('detects nothing without stored incidents', async () => {
    const empty = await createTestDb(backend);
    try {
      const r = await recordLaborSpikes({ ...deps(), db: empty.db });
      expect(r).toEqual({ weeks: null, planned: [], created: [], restated: [], unchanged: 0 });
    } finally {
      await empty.close();
    }
  });
});
