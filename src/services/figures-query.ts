/**
 * What the read-only `/finops` commands show: a month's figures for one product line, a team's
 * product lines, or the whole organisation, and the KPIs of a month. Reads snapshots (building
 * an open month's, as reports do); the caller says whether the reader is a finance viewer.
 */
import type { FiguresScope, FiguresView, KpisView } from '../blocks/figures.ts';
import { InputError } from '../lib/errors.ts';
import { lastClosedMonth, monthOf } from '../lib/dates.ts';
import { actionItemKpis } from './action-items.ts';
import { ensureSnapshot } from './build-snapshot.ts';
import { monthCommitments } from './commitments.ts';
import type { ServiceDeps } from './deps.ts';
import { orgSummaryOf, priorMonths, readAnomalyKpis } from './review-view.ts';

export interface FiguresRequest {
  /** `YYYY-MM`; default: the last closed month. */
  month?: string | undefined;
  /** A product line id (already matched by the parser). */
  product?: string | undefined;
  /** The team whose channel the command was typed in (used when no product is given). */
  teamId?: string | undefined;
  finance: boolean;
}

/** The month asked for, or the last closed one; a month that has not begun is refused. */
export function resolveMonth(deps: Pick<ServiceDeps, 'config' | 'now'>, month: string | undefined): string {
  const now = deps.now();
  const tz = deps.config.timezone;
  if (month === undefined) return lastClosedMonth(now, tz);
  const current = monthOf(now, tz);
  if (month > current) {
    throw new InputError(
      'month_in_future',
      `${month} has not begun yet (the last closed month is ${lastClosedMonth(now, tz)})`,
    );
  }
  return month;
}

function scopeOf(deps: Pick<ServiceDeps, 'config'>, req: FiguresRequest): FiguresScope {
  const { config } = deps;
  if (req.product !== undefined) {
    const pl = config.product_lines.find((p) => p.id === req.product);
    if (!pl) throw new InputError('unknown_product', `unknown product line "${req.product}"`);
    return { kind: 'product', id: pl.id, name: pl.name ?? pl.id };
  }
  const team = req.teamId === undefined ? undefined : config.teams.find((t) => t.id === req.teamId);
  if (team && config.product_lines.some((p) => p.team === team.id))
    return { kind: 'team', id: team.id, name: team.name ?? team.id };
  return { kind: 'organisation' };
}

export async function readFigures(deps: ServiceDeps, req: FiguresRequest): Promise<FiguresView> {
  const month = resolveMonth(deps, req.month);
  const scope = scopeOf(deps, req);
  const { snapshot } = await ensureSnapshot(deps, month);
  const wanted =
    scope.kind === 'product'
      ? (p: { id: string; team: string }) => p.id === scope.id
      : scope.kind === 'team'
        ? (p: { id: string; team: string }) => p.team === scope.id
        : () => true;
  let org: FiguresView['org'] = null;
  if (scope.kind === 'organisation' && snapshot.hasData) {
    const [prior] = await priorMonths(deps, month, 1, deps.now());
    org = orgSummaryOf(snapshot, prior?.figures ?? null, deps.config);
  }
  return {
    month,
    currency: snapshot.currency,
    scope,
    hasData: snapshot.hasData,
    inProgress: month === monthOf(deps.now(), deps.config.timezone),
    frozen: snapshot.status === 'frozen',
    productLines: snapshot.productLines.filter(wanted),
    org,
    finance: req.finance,
  };
}

/** The KPIs of `month` (default: the last closed month). */
export async function readKpis(deps: ServiceDeps, monthArg?: string): Promise<KpisView> {
  const month = resolveMonth(deps, monthArg);
  const now = deps.now();
  const [{ snapshot }, anomalies, actions, commitments] = await Promise.all([
    ensureSnapshot(deps, month),
    readAnomalyKpis(deps, month),
    actionItemKpis(deps, { now, month }),
    monthCommitments(deps, month),
  ]);
  const teamName = (id: string | null) =>
    id === null ? 'no product line' : (deps.config.teams.find((t) => t.id === id)?.name ?? id);
  return {
    month,
    hasData: snapshot.hasData,
    coverage: snapshot.coverage,
    anomalies,
    actions: {
      ...actions.total,
      teams: actions.teams.map((t) => ({ ...t, name: teamName(t.team) })),
    },
    commitments: commitments.byProvider,
  };
}
