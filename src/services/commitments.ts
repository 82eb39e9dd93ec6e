/**
 * Commitment coverage, utilisation and waste of a month, per provider (issue 13 §2), for the
 * review parent, `/finops kpis`, the quarterly KPI review and `finops kpis`. Read live from
 * `cost_daily` (a re-issued export changes them, as it changes the cost), with the definitions of
 * model/commitments.ts.
 */
import { readCommitmentCosts } from '../db/repos/commitment-costs.ts';
import { addMonths } from '../lib/dates.ts';
import {
  type CommitmentFigures,
  combinedCommitmentFigures,
  commitmentFiguresOf,
} from '../model/commitments.ts';
import type { ServiceDeps } from './deps.ts';

type CommitmentDeps = Pick<ServiceDeps, 'db' | 'config'>;

export interface MonthCommitments {
  month: string;
  /** Per provider × billing currency, providers sorted. */
  byProvider: CommitmentFigures[];
  /** Every provider billing in `config.currency` together; null when none relates to commitments. */
  organisation: CommitmentFigures | null;
}

/** Each month from `fromMonth` to `toMonth` (inclusive), oldest first, in one query. */
export async function commitmentsByMonth(
  deps: CommitmentDeps,
  fromMonth: string,
  toMonth: string,
): Promise<MonthCommitments[]> {
  const groups = await readCommitmentCosts(deps.db, fromMonth, toMonth);
  const categories = deps.config.commitments.eligible_service_categories;
  const out: MonthCommitments[] = [];
  for (let m = fromMonth; m <= toMonth; m = addMonths(m, 1)) {
    const mine = groups.filter((g) => g.month === m);
    out.push({
      month: m,
      byProvider: commitmentFiguresOf(mine, categories),
      organisation: combinedCommitmentFigures(mine, categories, deps.config.currency),
    });
  }
  return out;
}

export async function monthCommitments(deps: CommitmentDeps, month: string): Promise<MonthCommitments> {
  const [m] = await commitmentsByMonth(deps, month, month);
  return m as MonthCommitments;
}
