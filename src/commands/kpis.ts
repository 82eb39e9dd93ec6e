import { renderKpisAnswer } from '../blocks/figures.ts';
import { readKpis } from '../services/figures-query.ts';
import type { CommandHandler } from './types.ts';

/** `/finops kpis`: allocation coverage, anomaly timings and action-log completion of the last closed month. */
export const handle: CommandHandler<'kpis'> = async (ctx) => ({
  message: renderKpisAnswer(await readKpis(ctx.slack.deps)),
});
