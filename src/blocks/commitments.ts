/**
 * Commitment coverage, utilisation and waste as lines, one per provider, shared by the review
 * parent and `/finops kpis`. Pure. Provider names come from FOCUS files: escaped.
 */
import { formatMoney, round1 } from '../lib/money.ts';
import type { CommitmentFigures } from '../model/commitments.ts';
import { escapeMrkdwn } from './escape.ts';
import { joinLinesWithin, LIMITS } from './limits.ts';

const pctOrDash = (v: number | null): string => (v === null ? '—' : `${round1(v).toFixed(1)}%`);

export function commitmentLine(f: CommitmentFigures): string {
  return `• ${escapeMrkdwn(f.provider)}: coverage ${pctOrDash(f.coveragePct)} · utilisation ${pctOrDash(f.utilisationPct)} · unused (waste) ${formatMoney(f.unusedCost, f.currency)}`;
}

/** The section text: a title line, then one line per provider (or why there is none). */
export function commitmentsText(title: string, figures: readonly CommitmentFigures[]): string {
  if (figures.length === 0)
    return `*${title}:* no commitment-covered or commitment-eligible usage in the FOCUS data.`;
  return joinLinesWithin([`*${title}*`, ...figures.map(commitmentLine)], LIMITS.sectionText, 'providers');
}

/** The footnote that says what the numbers are. */
export const COMMITMENTS_NOTE =
  'Commitments: amortised cost (EffectiveCost) of Usage rows. Coverage = covered ÷ (covered + on-demand of eligible services); utilisation = used ÷ (used + unused).';
