import { NotImplementedError } from '../lib/errors.ts';
import type { CliContext } from './context.ts';

export async function run(_ctx: CliContext, _argv: string[]): Promise<number> {
  throw new NotImplementedError('finops ingest github');
}
