import type { AnomalyListView } from '../blocks/anomaly-list.ts';
import { type AnomalyStatus, listAnomalies } from '../db/repos/anomalies.ts';
import { listLaborSpikes } from '../db/repos/labor-spikes.ts';
import { falsePositiveRatesOf } from '../model/anomaly-kpis.ts';
import { productNameOf } from './anomaly-triage.ts';
import type { ServiceDeps } from './deps.ts';

/** How many anomalies one `/finops anomalies` answer lists. */
export const ANOMALY_LIST_MAX = 15;

const OPEN: readonly AnomalyStatus[] = ['open', 'acknowledged'];

/** `/finops anomalies [PRODUCT] [open]`: recorded cost anomalies and labour spikes, most recent first. */
export async function anomalyListView(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  opts: { product: string | undefined; openOnly: boolean },
): Promise<AnomalyListView> {
  const rows = await listAnomalies(deps.db, {
    kind: 'cost',
    ...(opts.product !== undefined ? { productLine: opts.product } : {}),
    ...(opts.openOnly ? { statuses: OPEN } : {}),
  });
  const all = opts.openOnly
    ? await listAnomalies(deps.db, {
        kind: 'cost',
        ...(opts.product !== undefined ? { productLine: opts.product } : {}),
      })
    : rows;
  const fp = falsePositiveRatesOf(all, []);
  const spikes = await listLaborSpikes(deps.db, {
    ...(opts.product !== undefined ? { productLine: opts.product } : {}),
    ...(opts.openOnly ? { statuses: OPEN } : {}),
  });
  return {
    scope:
      opts.product === undefined
        ? 'every product line'
        : (productNameOf(deps.config, opts.product) ?? opts.product),
    openOnly: opts.openOnly,
    items: rows.map((a) => ({ ...a, productName: productNameOf(deps.config, a.productLine) })),
    max: ANOMALY_LIST_MAX,
    laborSpikes: spikes.map((s) => ({
      productLine: s.productLine,
      productName: productNameOf(deps.config, s.productLine),
      week: s.week,
      hours: s.hours,
      median: s.median,
      ratio: s.ratio,
      status: s.anomaly.status,
      channelId: s.anomaly.channelId,
    })),
    falsePositives: {
      alerted: fp.reduce((n, r) => n + r.alerted, 0),
      expected: fp.reduce((n, r) => n + r.expected, 0),
    },
  };
}
