/**
 * `/finops anomalies [PRODUCT] [open]`: the recorded cost anomalies (most recent first) with their
 * status and where their alert went, and the false-positive rate of the scope; then the labour
 * spikes of the scope in a section of their own.
 */
import { renderAnomalyList } from '../blocks/anomaly-list.ts';
import { anomalyListView } from '../services/list-anomalies.ts';
import type { CommandHandler } from './types.ts';

export const handle: CommandHandler<'anomalies'> = async (ctx) => {
  const { product, openOnly } = ctx.command;
  const view = await anomalyListView(ctx.slack.deps, { product, openOnly });
  return { message: renderAnomalyList(view) };
};
