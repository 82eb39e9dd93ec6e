import type { AiVendor } from '../ingest/ai-costs/http.ts';
import { aiVendorKey, formatAiCostIngest, ingestAiCosts } from '../services/ingest-ai-costs.ts';
import type { CliContext } from './context.ts';
import { parseCommandArgs } from './index.ts';

/**
 * `finops ingest openai|anthropic [--since YYYY-MM-DD]`: one run of the vendor's cost API (the
 * trailing restatement window, or from `--since`), then what it did. A missing key is found
 * before the database is opened; a refused key or any failed read changes no stored cost.
 */
export function runVendor(vendor: AiVendor) {
  const usage = `finops ingest ${vendor} [--since YYYY-MM-DD]`;
  return async (ctx: CliContext, argv: string[]): Promise<number> => {
    const { values } = parseCommandArgs(argv, { since: { type: 'string' } }, usage);
    const { config } = ctx.config();
    aiVendorKey({ config, env: ctx.env }, vendor);
    const deps = await ctx.services();
    const result = await ingestAiCosts(
      deps,
      vendor,
      values.since !== undefined ? { since: values.since } : {},
    );
    for (const line of formatAiCostIngest(result, config.model.cost_metric)) ctx.io.stdout(`${line}\n`);
    return 0;
  };
}
