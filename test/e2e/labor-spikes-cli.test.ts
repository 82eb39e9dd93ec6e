/**
 * `finops anomalies` with PagerDuty data: the labour spikes after the cost anomalies in the text,
 * and `laborSpikes` next to (never inside) the SPEC §7 `anomalies` array in `--json`. A dry run:
 * nothing is written. Run in-process so the clock can be the Monday after the spike's week.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/index.ts';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { anomalyTestConfig } from '../support/anomaly-cost.ts';
import { backends, createTestDb, type TestDb } from '../support/db.ts';
import { insertIncidents, LABOR_PRODUCT_LINES, laborSpikeIncidents } from '../support/labor-spike-seed.ts';

const NOW = new Date('2027-01-04T07:30:00Z');

describe.each(backends())('finops anomalies with labour spikes on %s', (backend) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'finops-labor-'));
  const env: Record<string, string> = {
    FINOPS_CONFIG: path.join(dir, 'finops.yml'),
    FINOPS_DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: 'warn',
  };
  let pg: TestDb | undefined;

  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['anomalies', ...argv],
      env,
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false },
      () => NOW,
    );
    return { code, out: out.join(''), err: err.join('') };
  };

  beforeAll(async () => {
    writeFileSync(
      env['FINOPS_CONFIG'] as string,
      stringify(anomalyTestConfig({ product_lines: LABOR_PRODUCT_LINES })),
    );
    if (backend === 'postgres') {
      pg = await createTestDb('postgres');
      env['DATABASE_URL'] = pg.url as string;
      await insertIncidents(pg.db, laborSpikeIncidents());
    } else {
      const h = await connect({ pgliteDir: path.join(dir, 'data', 'db') });
      await migrateToLatest(h.db);
      await insertIncidents(h.db, laborSpikeIncidents());
      await h.close(); // the embedded database is single-process: hand it over to the CLI
    }
  });
  afterAll(async () => {
    await pg?.close();
  });

  it('adds laborSpikes next to the SPEC §7 anomalies in --json, filtered by --since on the week', async () => {
    const r = await cli(['--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      anomalies: [],
      laborSpikes: [
        {
          productLine: 'checkout',
          week: '2026-12-28',
          hours: 17,
          median: 2,
          ratio: 8.5,
          people: 4,
          topIncidents: [
            { id: 'Q104', number: 104, title: 'Ledger replication lag', hours: 8 },
            { id: 'Q101', number: 101, title: '<!channel> Checkout 5xx & timeouts', hours: 4.5 },
            { id: 'Q103', number: 103, title: 'Nightly batch stuck', hours: 3 },
            { id: 'Q102', number: 102, title: 'Card tokenizer latency', hours: 1.5 },
          ],
          status: 'open',
        },
      ],
    });
    // a week counts from --since when any of its days is on or after it (it ends on Sunday 3 January)
    expect(JSON.parse((await cli(['--since', '2027-01-03', '--json'])).out).laborSpikes).toHaveLength(1);
    expect(JSON.parse((await cli(['--since', '2027-01-04', '--json'])).out)).toEqual({
      anomalies: [],
      laborSpikes: [],
    });
  });

  it('prints the labour spikes after the cost anomalies, and writes nothing', async () => {
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'no cost ingested yet: run `finops ingest focus FILES…` first',
      '1 labour spike (incident hours, weeks of 2026-11-02..2027-01-04; above 2× the trailing 8-week median)',
      'week of 2026-12-28  checkout / incident hours  17.00 h vs 2.00 median (8.50×), 4 people  open',
      '    top incidents: #104 Ledger replication lag 8.00 h; #101 <!channel> Checkout 5xx & timeouts 4.50 h; ' +
        '#103 Nightly batch stuck 3.00 h; #102 Card tokenizer latency 1.50 h',
      '',
    ]);
    const h = pg ?? (await connect({ pgliteDir: path.join(dir, 'data', 'db') }));
    try {
      const rows = await h.db
        .selectFrom('laborSpike')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      expect(Number(rows?.n)).toBe(0);
    } finally {
      if (!pg) await h.close();
    }
  });
});
