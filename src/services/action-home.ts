/**
 * The App Home's view-model for one person: their open action items, their team's latest numbers
 * (the newest snapshot with data: costs and stage mix of the team's product lines, never per
 * person; labour and stage mix only with at least three people; revenue and margin only when the
 * caller says the person is a finance viewer) and their team's open anomalies.
 *
 * "Their team": the team of the `people` entry whose `slack` id is theirs; without one, the team
 * owning most of their open items' product lines.
 */
import { HOME_ITEMS_MAX } from '../blocks/action-items.ts';
import type { ActionHomeView, HomeAnomaly, HomeProductLine } from '../blocks/action-home.ts';
import { MIN_PEOPLE_FOR_BREAKDOWN } from '../blocks/review.ts';
import { listActionItemsPage } from '../db/repos/action-items.ts';
import { listAnomalies } from '../db/repos/anomalies.ts';
import { listSnapshots, readSnapshot } from '../db/repos/snapshots.ts';
import { STAGES } from '../config/schema.ts';
import { dayOf } from '../lib/dates.ts';
import type { Snapshot } from '../model/types.ts';
import { summarize } from './action-items.ts';
import type { ServiceDeps } from './deps.ts';

/** Open anomalies listed on the Home tab (the rest are counted). */
export const HOME_ANOMALIES_MAX = 10;
/** How many of the newest snapshots are looked at for one with data. */
const SNAPSHOTS_TRIED = 3;

type HomeDeps = Pick<ServiceDeps, 'db' | 'config'>;

/** The newest snapshot that has data, if any. */
export async function newestSnapshotWithData(deps: Pick<ServiceDeps, 'db'>): Promise<Snapshot | null> {
  const months = (await listSnapshots(deps.db)).slice(0, SNAPSHOTS_TRIED);
  for (const m of months) {
    const s = await readSnapshot(deps.db, m.month);
    if (s?.hasData) return s;
  }
  return null;
}

function teamOf(
  deps: HomeDeps,
  userId: string,
  itemProductLines: ReadonlyArray<string | null>,
): string | null {
  const person = deps.config.people.find((p) => p.slack === userId);
  if (person?.team) return person.team;
  const teamByProduct = new Map(deps.config.product_lines.map((p) => [p.id, p.team]));
  const counts = new Map<string, number>();
  for (const pl of itemProductLines) {
    const t = pl === null ? undefined : teamByProduct.get(pl);
    if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const t of deps.config.teams.map((x) => x.id))
    if ((counts.get(t) ?? 0) > (best === null ? 0 : (counts.get(best) ?? 0))) best = t;
  return best;
}

export async function actionHomeView(
  deps: HomeDeps,
  userId: string,
  opts: { now: Date; showMargin: boolean; command: string },
): Promise<ActionHomeView> {
  const today = dayOf(opts.now, deps.config.timezone);
  const mine = await listActionItemsPage(
    deps.db,
    { status: 'open', ownerId: userId },
    { offset: 0, limit: HOME_ITEMS_MAX },
  );
  const items = mine.items.map((i) => summarize(deps, i, today));
  const teamId = teamOf(
    deps,
    userId,
    items.map((i) => i.productLine),
  );
  const base = {
    command: opts.command,
    items,
    itemsTotal: mine.total,
    showMargin: opts.showMargin,
  };
  const team = teamId === null ? undefined : deps.config.teams.find((t) => t.id === teamId);
  if (!team) {
    return {
      ...base,
      team: null,
      teamNote:
        'Your Slack user is not linked to a team: add `slack: <your member id>` to your entry under `people` in finops.yml.',
      numbers: null,
      anomalies: [],
      anomaliesTotal: 0,
    };
  }
  const productLines = deps.config.product_lines.filter((p) => p.team === team.id);
  const ids = new Set(productLines.map((p) => p.id));
  const [snapshot, anomalies] = await Promise.all([
    newestSnapshotWithData(deps),
    listAnomalies(deps.db, { kind: 'cost', statuses: ['open', 'acknowledged'] }),
  ]);
  const mineAnomalies = anomalies.filter((a) => a.productLine !== null && ids.has(a.productLine));
  const nameOf = (id: string) => productLines.find((p) => p.id === id)?.name ?? id;
  let numbers: ActionHomeView['numbers'] = null;
  if (snapshot) {
    const lines: HomeProductLine[] = snapshot.productLines
      .filter((p) => ids.has(p.id))
      .map((p) => {
        const broken = p.people >= MIN_PEOPLE_FOR_BREAKDOWN;
        return {
          id: p.id,
          name: nameOf(p.id),
          allInCost: p.allInCost,
          labour: broken ? STAGES.reduce((a, s) => a + p.laborCost[s], 0) : null,
          cloud: p.cloudCost,
          ai: p.aiCost,
          ci: p.ciCost,
          stageShare: broken ? p.stageShare : null,
          ...(opts.showMargin ? { revenue: p.revenue, grossMarginPct: p.grossMarginPct } : {}),
        };
      });
    numbers = { month: snapshot.month, currency: snapshot.currency, productLines: lines };
  }
  const shownAnomalies: HomeAnomaly[] = mineAnomalies.slice(0, HOME_ANOMALIES_MAX).map((a) => ({
    id: a.id,
    productName: nameOf(a.productLine as string),
    service: a.service,
    firstDay: a.firstDay,
    lastDay: a.lastDay,
    impact: a.impact,
    currency: a.currency,
    status: a.status,
  }));
  return {
    ...base,
    team: { id: team.id, name: team.name ?? team.id },
    teamNote: null,
    numbers,
    anomalies: shownAnomalies,
    anomaliesTotal: mineAnomalies.length,
  };
}
