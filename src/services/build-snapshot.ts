import { type Config, STAGES } from '../config/schema.ts';
import type { Db } from '../db/connect.ts';
import { readActivity, readMonthCosts, readMonthRevenue } from '../db/repos/model-inputs.ts';
import {
  freezeSnapshot,
  readSnapshot,
  readSnapshotFigures,
  recordSnapshotRebuild,
  replaceFrozenSnapshot,
  saveOpenSnapshot,
} from '../db/repos/snapshots.ts';
import { InputError } from '../lib/errors.ts';
import { addMonths, isMonth, monthBounds } from '../lib/dates.ts';
import { computeMonthFigures } from '../model/figures.ts';
import { buildSnapshotData, type ReferenceMonth } from '../model/margin.ts';
import { diffSnapshots, type SnapshotChange } from '../model/snapshot-diff.ts';
import type { MonthFigures, Snapshot, SnapshotData } from '../model/types.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Monthly snapshots: build a month from the raw tables through the pure model, store it, and
 * keep closed months frozen. Reports and Slack read snapshots.
 *
 * - `ensureSnapshot`: a frozen month is read as stored; any other month (the month in progress,
 *   a closed month not yet reviewed) is rebuilt on every call and stored as `open`.
 * - `freezeSnapshot` (after the review is posted): the month's numbers stop changing.
 * - `rebuildSnapshot`: the one way to change a frozen month; records who, when, why and the
 *   difference in the audit log.
 */
export type SnapshotDeps = Pick<ServiceDeps, 'db' | 'config' | 'configHash' | 'now' | 'logger'>;

export interface SnapshotResult {
  snapshot: Snapshot;
  /** `stored`: a frozen snapshot read as is; `built`: computed now. */
  source: 'built' | 'stored';
}

export interface RebuildResult {
  before: Snapshot | null;
  after: Snapshot;
  changes: SnapshotChange[];
}

/** Months before `month` whose figures drift is measured against (most recent first). */
const REFERENCE_MONTHS = 3;

function checkMonth(month: string): void {
  if (!isMonth(month)) {
    throw new InputError(
      'bad_month',
      `invalid month "${month}": expected YYYY-MM with a month 01–12, e.g. 2026-10`,
    );
  }
}

/** Repos with `owner/name:glob` entries (lower case): their CI runs follow the PR of their commit. */
function globRepos(config: Config): string[] {
  const out = new Set<string>();
  for (const pl of config.product_lines) {
    for (const r of pl.repos) if (r.includes(':')) out.add(r.slice(0, r.indexOf(':')).toLowerCase());
  }
  return [...out];
}

interface ComputedMonth {
  figures: MonthFigures;
  inputCounts: Record<string, number>;
  hasData: boolean;
}

/** Reads one month's inputs and runs the model over them (no drift, nothing written). */
export async function computeMonth(
  db: Db,
  config: Config,
  month: string,
  asOf: Date,
): Promise<ComputedMonth> {
  checkMonth(month);
  const { start, end } = monthBounds(month, config.timezone);
  const lookbackMs = Math.max(config.model.session_gap_minutes, config.model.first_event_minutes) * 60_000;
  const [activity, costs, revenue] = await Promise.all([
    readActivity(db, { from: new Date(start.getTime() - lookbackMs), to: end, globRepos: globRepos(config) }),
    readMonthCosts(db, month, addMonths(month, 1), config.currency, config.model.cost_metric),
    readMonthRevenue(db, month),
  ]);
  const figures = computeMonthFigures(activity, costs.costs, revenue, config, { month, asOf });
  const hours = [...figures.productLines, figures.unallocated].reduce(
    (acc, p) => acc + STAGES.reduce((a, s) => a + p.hours[s], 0),
    0,
  );
  const inputCounts: Record<string, number> = {
    pullRequests: activity.pullRequests.length,
    reviews: activity.reviews.length,
    reviewComments: activity.reviewComments.length,
    commits: activity.commits.length,
    workflowRuns: activity.workflowRuns.length,
    deployments: activity.deployments.length,
    incidents: activity.incidents.length,
    logEntries: activity.logEntries.length,
    pdUsers: activity.pdUsers.length,
    costRows: costs.rows,
    costRowsOtherCurrency: costs.otherCurrencyRows,
    revenueRows: revenue.length,
    ...figures.counts,
  };
  const hasData =
    hours > 0 ||
    costs.rows > 0 ||
    revenue.length > 0 ||
    (figures.counts['eventsInMonth'] ?? 0) > 0 ||
    (figures.counts['workflowRunsInMonth'] ?? 0) > 0;
  return { figures, inputCounts, hasData };
}

/** The month's snapshot body with drift against the stored (or, failing that, computed) months before. */
export async function computeSnapshotData(deps: SnapshotDeps, month: string): Promise<SnapshotData> {
  checkMonth(month);
  const asOf = deps.now();
  const current = await computeMonth(deps.db, deps.config, month, asOf);
  const refMonths = Array.from({ length: REFERENCE_MONTHS }, (_, i) => addMonths(month, -(i + 1)));
  const stored = await readSnapshotFigures(deps.db, refMonths);
  const references: Array<ReferenceMonth | null> = [];
  for (const m of refMonths) {
    const productLines = stored.get(m);
    if (productLines) {
      references.push({ month: m, productLines });
      continue;
    }
    const c = await computeMonth(deps.db, deps.config, m, asOf);
    references.push(c.hasData ? { month: m, productLines: c.figures.productLines } : null);
  }
  return buildSnapshotData(current.figures, references, deps.config, {
    configHash: deps.configHash,
    asOf,
    inputCounts: current.inputCounts,
    hasData: current.hasData,
  });
}

/**
 * The month's snapshot for reports: a frozen month as stored; otherwise built now and stored as
 * open (months with no data at all are returned but not stored).
 */
export async function ensureSnapshot(deps: SnapshotDeps, month: string): Promise<SnapshotResult> {
  checkMonth(month);
  const stored = await readSnapshot(deps.db, month);
  if (stored?.status === 'frozen') return { snapshot: stored, source: 'stored' };
  const data = await computeSnapshotData(deps, month);
  const builtAt = deps.now();
  if (data.hasData || stored) {
    const saved = await saveOpenSnapshot(deps.db, data, builtAt);
    if (!saved) {
      // Frozen between the read and the write (a review was posted meanwhile): the frozen one stands.
      const frozen = await readSnapshot(deps.db, month);
      if (frozen) return { snapshot: frozen, source: 'stored' };
    }
  }
  deps.logger.debug('snapshot built', { month, hasData: data.hasData, counts: data.inputCounts });
  return { snapshot: { ...data, status: 'open', builtAt, frozenAt: null }, source: 'built' };
}

/**
 * Freezes a month once its review is posted: builds it first if it is not stored yet. Idempotent:
 * freezing a frozen month returns it unchanged.
 */
export async function freezeMonth(deps: SnapshotDeps, month: string): Promise<Snapshot> {
  const { snapshot } = await ensureSnapshot(deps, month);
  if (snapshot.status === 'frozen') return snapshot;
  const at = deps.now();
  const stored = await readSnapshot(deps.db, month);
  if (!stored) {
    // A month with no data is frozen as what it is, so the review that said so stays true.
    await saveOpenSnapshot(deps.db, snapshot, snapshot.builtAt);
  }
  await freezeSnapshot(deps.db, month, at);
  return (await readSnapshot(deps.db, month))!;
}

/**
 * Rebuilds a month from the current data, config and model, frozen or not, and records who, when
 * and why in the audit log with every number that changed. A frozen month stays frozen.
 */
export async function rebuildSnapshot(
  deps: SnapshotDeps,
  month: string,
  who: { actor: string; reason: string },
): Promise<RebuildResult> {
  checkMonth(month);
  const reason = who.reason.trim();
  if (reason === '') {
    throw new InputError(
      'rebuild_reason',
      'a rebuild needs a reason (--reason "why the numbers must change")',
    );
  }
  const data = await computeSnapshotData(deps, month);
  const at = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const before = await readSnapshot(trx, month);
    if (before?.status === 'frozen') await replaceFrozenSnapshot(trx, data, at);
    else await saveOpenSnapshot(trx, data, at);
    const changes = before ? diffSnapshots(before, data) : [];
    await recordSnapshotRebuild(trx, {
      actor: who.actor,
      at,
      month,
      reason,
      details: {
        wasFrozen: before?.status === 'frozen',
        before: before
          ? {
              modelVersion: before.modelVersion,
              configHash: before.configHash,
              builtAt: before.builtAt.toISOString(),
            }
          : null,
        after: { modelVersion: data.modelVersion, configHash: data.configHash, builtAt: at.toISOString() },
        changes,
      },
    });
    const after = (await readSnapshot(trx, month)) ?? {
      ...data,
      status: 'open' as const,
      builtAt: at,
      frozenAt: null,
    };
    return { before, after, changes };
  });
}
