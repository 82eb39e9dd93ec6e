import type { Stage } from '../config/schema.ts';

/**
 * Types of the effort and margin model (SPEC §4, §6) and of the monthly snapshot it produces.
 * Every number here is unrounded: rounding happens only when a report is printed or posted
 * (`toReportJson` for SPEC §9; renderers with lib/money).
 */

/** Bumped whenever a rule of the model changes the numbers it gives for the same inputs. */
export const MODEL_VERSION = '1';

export type StageRecord = Record<Stage, number>;

// ── model inputs: raw activity, as the database keeps it ─────────────────────────────────────

export interface PullRequestFile {
  path: string;
  additions: number;
  deletions: number;
}

export interface PullRequestInput {
  repo: string;
  number: number;
  authorLogin: string | null;
  authorIsBot: boolean;
  title: string;
  labels: string[];
  createdAt: Date;
  files: PullRequestFile[];
}

export interface ReviewInput {
  id: number;
  repo: string;
  prNumber: number;
  authorLogin: string | null;
  authorIsBot: boolean;
  submittedAt: Date | null;
}

export interface ReviewCommentInput {
  id: number;
  repo: string;
  prNumber: number;
  authorLogin: string | null;
  authorIsBot: boolean;
  createdAt: Date;
}

export interface CommitInput {
  repo: string;
  prNumber: number;
  sha: string;
  authorLogin: string | null;
  authorIsBot: boolean;
  /** The git author date. */
  authoredAt: Date;
  parentCount: number;
}

export interface WorkflowRunInput {
  id: number;
  repo: string;
  name: string;
  /** Who triggered the run's first attempt. */
  actorLogin: string | null;
  actorIsBot: boolean;
  /** Who started the latest attempt (the person who pressed re-run); absent or null: the actor. */
  triggeringActorLogin?: string | null;
  triggeringActorIsBot?: boolean;
  runAttempt: number;
  headSha: string | null;
  createdAt: Date;
  runStartedAt: Date | null;
  updatedAt: Date;
  status: string | null;
  billableMs: number | null;
}

export interface DeploymentInput {
  id: number;
  repo: string;
  creatorLogin: string | null;
  creatorIsBot: boolean;
  sha: string | null;
  createdAt: Date;
}

export interface IncidentInput {
  id: string;
  number: number | null;
  serviceId: string;
  title: string;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface LogEntryInput {
  id: string;
  incidentId: string;
  /** PagerDuty's type: `acknowledge_log_entry`, `assign_log_entry`, `escalate_log_entry`, `annotate_log_entry`… */
  type: string;
  agentId: string | null;
  agentType: string | null;
  /** assign / escalate / delegate: the users who hold the incident after the entry. */
  assigneeIds: string[];
  /** assign / escalate / delegate: the users who held it before and not after (reassigned away). */
  unassignedIds: string[];
  createdAt: Date;
}

export interface PdUserInput {
  id: string;
  email: string | null;
}

/** Everything the effort model reads. Any superset of the month's window gives the same month. */
export interface ActivityInput {
  pullRequests: PullRequestInput[];
  reviews: ReviewInput[];
  reviewComments: ReviewCommentInput[];
  commits: CommitInput[];
  workflowRuns: WorkflowRunInput[];
  deployments: DeploymentInput[];
  incidents: IncidentInput[];
  logEntries: LogEntryInput[];
  pdUsers: PdUserInput[];
}

/** Cloud and AI cost of the month per product line (`null` = unallocated), in the report currency. */
export interface CostInput {
  productLine: string | null;
  /** ServiceCategory `AI and Machine Learning`. */
  ai: boolean;
  amount: number;
}

export interface RevenueInput {
  productLine: string;
  revenue: number;
  units: number | null;
}

// ── the snapshot ─────────────────────────────────────────────────────────────────────────────

/** One rate of the rate card as applied to a product line's stage. */
export interface RateApplied {
  /** `effective_from` of the rate card in force. */
  effectiveFrom: string;
  level: string;
  rate: number;
  hours: number;
  cost: number;
  /** Distinct people priced at this rate (renderers must not show breakdowns of fewer than 3). */
  people: number;
}

/** Where one stage's hours of one product line came from (`finops report --explain STAGE`). */
export interface StageExplain {
  hours: number;
  laborCost: number;
  /** Distinct people with hours in this stage; never their names. */
  people: number;
  /** Contributing activities by kind (`commit`, `review`, `qa_share`, `incident`…). */
  activities: Record<string, number>;
  topPullRequests: Array<{ repo: string; number: number; title: string; hours: number }>;
  topIncidents: Array<{ id: string; number: number | null; title: string; hours: number }>;
  topRepos: Array<{ repo: string; hours: number }>;
  rates: RateApplied[];
}

/** What the month's inputs give one product line, before margin and drift. */
export interface ProductLineFigures {
  id: string;
  hours: StageRecord;
  laborCost: StageRecord;
  cloudCost: number;
  aiCost: number;
  ciCost: number;
  revenue: number | null;
  units: number | null;
  /** Hours of the review stage by people whose level is in `senior_levels`. */
  seniorReviewHours: number;
  /** Distinct people with any hours here. */
  people: number;
}

export interface UnallocatedFigures {
  hours: StageRecord;
  laborCost: StageRecord;
  cloudCost: number;
  aiCost: number;
  ciCost: number;
}

/** The base figures of a month (what drift is computed from). */
export interface MonthFigures {
  month: string;
  currency: string;
  productLines: ProductLineFigures[];
  unallocated: UnallocatedFigures;
  /** Distinct people with hours this month, and how many of them the config knows. */
  people: { total: number; mapped: number };
  /** Keyed by product line id, `(unallocated)` for hours no product line claims. */
  explain: Record<string, Record<Stage, StageExplain>>;
  /** Rows the model read and the events it made or left out. */
  counts: Record<string, number>;
}

export interface Drift {
  /** Points; null when this month or the reference has no gross margin. */
  grossMarginPp: number | null;
  /** Additive split of `grossMarginPp`: `cloud`, `ai`, `ci` and each COGS stage; sums to it exactly. */
  byDriverPp: Record<string, number>;
  /** Per stage, points; empty when the reference has no hours. */
  stageSharePp: Partial<StageRecord>;
  seniorReviewSharePp: number | null;
  /** Stage ids with |stageSharePp| ≥ `drift.stage_share_pp`; `grossMarginPct` when |grossMarginPp| ≥ `drift.margin_pp`. */
  flags: string[];
}

export interface ProductLineReport extends ProductLineFigures {
  name: string;
  team: string;
  allInCost: number;
  cogs: number;
  grossMarginPct: number | null;
  unitCost: number | null;
  /** aiCost / units, null without units (model/margin.ts `aiUnitCostOf`). */
  aiUnitCost: number | null;
  stageShare: StageRecord;
  seniorReviewSharePct: number;
  /** Against the prior month. */
  drift: Drift;
  /** Against the mean of the (up to) three months before; null when none of them has data. */
  driftVsTrailing3: (Drift & { months: string[] }) | null;
}

export interface Coverage {
  /** Allocated share of cloud + AI + CI cost. */
  costAllocatedPct: number;
  hoursAllocatedPct: number;
  /** Share of the people with hours this month that the config knows. */
  peopleMappedPct: number;
}

/** The body of a snapshot: what `snapshot.data` holds. */
export interface SnapshotData {
  month: string;
  currency: string;
  modelVersion: string;
  configHash: string;
  /** ISO instant the month was computed as of (open incidents run up to it). */
  asOf: string;
  /** False when nothing at all was ingested for the month: reports say so instead of showing zeros. */
  hasData: boolean;
  productLines: ProductLineReport[];
  unallocated: UnallocatedFigures;
  coverage: Coverage;
  people: { total: number; mapped: number };
  explain: Record<string, Record<Stage, StageExplain>>;
  inputCounts: Record<string, number>;
}

export type SnapshotStatus = 'open' | 'frozen';

export interface Snapshot extends SnapshotData {
  status: SnapshotStatus;
  builtAt: Date;
  frozenAt: Date | null;
}

/** SPEC §9, exactly. */
export interface ReportJson {
  month: string;
  currency: string;
  modelVersion: string;
  configHash: string;
  productLines: Array<{
    id: string;
    hours: StageRecord;
    laborCost: StageRecord;
    cloudCost: number;
    aiCost: number;
    ciCost: number;
    allInCost: number;
    cogs: number;
    revenue: number | null;
    units: number | null;
    grossMarginPct: number | null;
    unitCost: number | null;
    /** AI cost / units (issue 12): next to `unitCost`, the one key added to SPEC §9. */
    aiUnitCost: number | null;
    stageShare: StageRecord;
    seniorReviewSharePct: number;
    drift: {
      grossMarginPp: number | null;
      byDriverPp: Record<string, number>;
      stageSharePp: Partial<StageRecord>;
      flags: string[];
    };
  }>;
  unallocated: { hours: number; laborCost: number; cloudCost: number; aiCost: number; ciCost: number };
  coverage: Coverage;
}

export const UNALLOCATED = '(unallocated)';
