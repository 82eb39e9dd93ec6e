import type { AnomalyListView } from '../blocks/anomaly-list.ts';
import { type AnomalyStatus, listAnomalies } from '../db/repos/anomalies.ts';
import { falsePositiveRatesOf } from '../model/anomaly-kpis.ts';
import { productNameOf } from './anomaly-triage.ts';
import type { ServiceDeps } from './deps.ts';

/** How many anomalies one `/finops anomalies` answer lists. */
export const ANOMALY_LIST_MAX = 15;

const OPEN: readonly AnomalyStatus[] = ['open', 'acknowledged'];

/** `/finops anomalies [PRODUCT] [open]`: recorded cost anomalies, most recent first. */
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
  return {
    scope:
      opts.product === undefined
        ? 'every product line'
        : (productNameOf(deps.config, opts.product) ?? opts.product),
    openOnly: opts.openOnly,
    items: rows.map((a) => ({ ...a, productName: productNameOf(deps.config, a.productLine) })),
    max: ANOMALY_LIST_MAX,
    falsePositives: {
      alerted: fp.reduce((n, r) => n + r.alerted, 0),
      expected: fp.reduce((n, r) => n + r.expected, 0),
    },
  };
}
