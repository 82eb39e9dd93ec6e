import { InputError } from '../lib/errors.ts';
import type { CliContext } from './context.ts';

type SourceRun = (ctx: CliContext, argv: string[]) => Promise<number>;

/** One file per source, loaded on demand. */
const SOURCES: Record<string, () => Promise<{ run: SourceRun }>> = {
  github: () => import('./ingest-github.ts'),
  pagerduty: () => import('./ingest-pagerduty.ts'),
  focus: () => import('./ingest-focus.ts'),
  revenue: () => import('./ingest-revenue.ts'),
  openai: async () => ({ run: (await import('./ingest-ai-costs.ts')).runVendor('openai') }),
  anthropic: async () => ({ run: (await import('./ingest-ai-costs.ts')).runVendor('anthropic') }),
};

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [source, ...rest] = argv;
  const names = Object.keys(SOURCES).join(', ');
  if (source === undefined) throw new InputError('bad_arguments', `which source? (sources: ${names})`);
  const load = SOURCES[source];
  if (!load) throw new InputError('bad_arguments', `unknown source "${source}" (sources: ${names})`);
  return (await load()).run(ctx, rest);
}
