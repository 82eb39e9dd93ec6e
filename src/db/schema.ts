import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The one Database interface, in camelCase (CamelCasePlugin maps to the snake_case tables).
 * Type parsers are pinned in connect.ts so both backends return these JS types:
 * timestamptz → Date, date → 'YYYY-MM-DD' string, bigint/int8 → number, numeric → number.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;
/** A jsonb column with a database default: optional on insert. */
type JsonDefault<T> = ColumnType<T, string | T | undefined, string | T>;

export interface IngestRunTable {
  id: Generated<number>;
  source: string;
  startedAt: ColumnType<Date, Date | string | undefined, Date | string>;
  finishedAt: Timestamp | null;
  status: ColumnType<string, string | undefined, string>;
  stats: JsonDefault<Record<string, unknown>>;
  error: string | null;
}

export interface IngestCursorTable {
  source: string;
  scope: string;
  stream: string;
  cursor: string | null;
  etag: string | null;
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface GhFile {
  path: string;
  additions: number;
  deletions: number;
}

export interface GhPullRequestTable {
  repo: string;
  number: number;
  githubId: number | null;
  authorLogin: string | null;
  authorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  title: string;
  labels: JsonDefault<string[]>;
  state: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  mergedAt: Timestamp | null;
  closedAt: Timestamp | null;
  headRef: string | null;
  baseRef: string | null;
  files: JsonDefault<GhFile[]>;
  fetchedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface GhReviewTable {
  id: number;
  repo: string;
  prNumber: number;
  authorLogin: string | null;
  authorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  state: string;
  submittedAt: Timestamp | null;
}

export interface GhReviewCommentTable {
  id: number;
  repo: string;
  prNumber: number;
  authorLogin: string | null;
  authorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: Timestamp;
}

export interface GhCommitTable {
  repo: string;
  prNumber: number;
  sha: string;
  authorLogin: string | null;
  authorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  authoredAt: Timestamp;
  parentCount: ColumnType<number, number | undefined, number>;
}

export interface GhWorkflowRunTable {
  id: number;
  repo: string;
  name: string;
  event: string | null;
  actorLogin: string | null;
  triggeringActorLogin: string | null;
  /** Describes `actorLogin` (who triggered the first attempt). */
  actorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  /** Describes `triggeringActorLogin` (who started the latest attempt; migration 1120). */
  triggeringActorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  runAttempt: number;
  status: string | null;
  conclusion: string | null;
  headSha: string | null;
  createdAt: Timestamp;
  runStartedAt: Timestamp | null;
  updatedAt: Timestamp;
  billableMs: number | null;
}

export interface GhDeploymentStatus {
  state: string;
  createdAt: string;
}

export interface GhDeploymentTable {
  id: number;
  repo: string;
  creatorLogin: string | null;
  creatorIsBot: ColumnType<boolean, boolean | undefined, boolean>;
  environment: string | null;
  sha: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  statuses: JsonDefault<GhDeploymentStatus[]>;
}

export interface PdUserTable {
  id: string;
  email: string | null;
  name: string | null;
}

export interface PdIncidentTable {
  id: string;
  number: number | null;
  serviceId: string;
  title: string;
  status: string;
  urgency: string | null;
  priority: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp | null;
  resolvedAt: Timestamp | null;
}

export interface PdLogEntryTable {
  id: string;
  incidentId: string;
  type: string;
  agentId: string | null;
  agentType: string | null;
  assigneeIds: JsonDefault<string[]>;
  createdAt: Timestamp;
  /** Users an assign, escalate or delegate entry took the incident away from (see ingest/pagerduty/map.ts). */
  unassignedIds: ColumnType<string[], string | string[] | undefined, string | string[]>;
  summary: string | null;
}

export interface CostSourceTable {
  id: Generated<number>;
  sourceKey: string;
  kind: string;
  provider: string;
  billingPeriodStart: string | null;
  fileName: string | null;
  checksum: string | null;
  rowCount: ColumnType<number, number | undefined, number>;
  totals: JsonDefault<Record<string, { billed: string; effective: string }>>;
  ingestedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CostDailyTable {
  sourceId: number;
  day: string;
  provider: string;
  subAccountId: string | null;
  region: string | null;
  serviceCategory: string;
  serviceName: string;
  chargeCategory: string;
  isCorrection: ColumnType<boolean, boolean | undefined, boolean>;
  billingCurrency: string;
  pricingCategory: string | null;
  commitmentStatus: string | null;
  productLine: string | null;
  allocation: 'direct' | 'shared' | 'none';
  billedCost: ColumnType<number, number | string, number | string>;
  effectiveCost: ColumnType<number, number | string, number | string>;
  rowCount: ColumnType<number, number | undefined, number>;
}

export interface RevenueTable {
  month: string;
  productLine: string;
  revenue: ColumnType<number, number | string, number | string>;
  units: ColumnType<number | null, number | string | null, number | string | null>;
  sourceFile: string | null;
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SnapshotTable {
  month: string;
  status: ColumnType<'open' | 'frozen', 'open' | 'frozen' | undefined, 'open' | 'frozen'>;
  modelVersion: string;
  configHash: string;
  inputCounts: JsonDefault<Record<string, number>>;
  data: Json<unknown>;
  builtAt: ColumnType<Date, Date | string | undefined, Date | string>;
  frozenAt: Timestamp | null;
}

export interface AnomalyTable {
  id: Generated<number>;
  kind: ColumnType<'cost' | 'labor', 'cost' | 'labor' | undefined, 'cost' | 'labor'>;
  productLine: string | null;
  serviceName: string;
  currency: string;
  firstDay: string;
  lastDay: string;
  actual: ColumnType<number, number | string, number | string>;
  expected: ColumnType<number, number | string, number | string>;
  impact: ColumnType<number, number | string, number | string>;
  impactPct: ColumnType<number | null, number | string | null, number | string | null>;
  rootCause: JsonDefault<Array<{ subAccount: string | null; region: string | null; increase: number }>>;
  status: ColumnType<string, string | undefined, string>;
  detectedAt: Timestamp;
  acknowledgedAt: Timestamp | null;
  acknowledgedBy: string | null;
  resolvedAt: Timestamp | null;
  resolvedBy: string | null;
  cause: string | null;
  suppressedUntil: string | null;
  channelId: string | null;
  messageTs: string | null;
  alertedAt: Timestamp | null;
  /** 2026_11_23_1160: who marked it "Expected" (a false positive), and when. */
  expectedAt: Timestamp | null;
  expectedBy: string | null;
  /** 2026_11_23_1160: the latest anomalous day the alert or its thread has announced. */
  notifiedLastDay: string | null;
  /** 2026_11_23_1160: why the alert did not go to the owning team's channel. */
  routingNote: string | null;
}

/** 2026_12_07_1400: a labour-side spike; its triage and alert live on the `anomaly` row (kind labor). */
export interface LaborSpikeTable {
  anomalyId: number;
  productLine: string | null;
  /** Monday of the ISO week, in config.timezone. */
  week: string;
  hours: ColumnType<number, number | string, number | string>;
  median: ColumnType<number, number | string, number | string>;
  ratio: ColumnType<number | null, number | string | null, number | string | null>;
  people: number;
  incidents: JsonDefault<Array<{ id: string; number: number | null; title: string; hours: number }>>;
  updatedAt: ColumnType<Date, Date | string, Date | string>;
}

export interface ActionItemTable {
  id: Generated<number>;
  title: string;
  ownerId: string;
  creatorId: string;
  dueDate: string;
  productLine: string | null;
  status: ColumnType<'open' | 'done', 'open' | 'done' | undefined, 'open' | 'done'>;
  anomalyId: number | null;
  sourcePermalink: string | null;
  sourceChannel: string | null;
  sourceTs: string | null;
  reviewMonth: string | null;
  idempotencyKey: string | null;
  createdAt: ColumnType<Date, Date | string | undefined, Date | string>;
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>;
  closedAt: Timestamp | null;
}

export interface ActionEventTable {
  id: Generated<number>;
  actionItemId: number;
  actorId: string;
  at: Timestamp;
  kind: string;
  before: Json<Record<string, unknown>> | null;
  after: Json<Record<string, unknown>> | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
  actor: string;
  kind: string;
  subject: string;
  details: JsonDefault<Record<string, unknown>>;
}

export interface JobRunTable {
  id: Generated<number>;
  job: string;
  periodKey: string;
  owner: string;
  status: ColumnType<string, string | undefined, string>;
  startedAt: ColumnType<Date, Date | string | undefined, Date | string>;
  finishedAt: Timestamp | null;
  stats: JsonDefault<Record<string, unknown>>;
  error: string | null;
  /** Refreshed by the owner while it runs; a stale heartbeat lets another process take over. */
  heartbeatAt: ColumnType<Date, Date | string | undefined, Date | string>;
  /** 1 for the first claim, +1 for each take-over of a failed or stale run. */
  attempt: ColumnType<number, number | undefined, number>;
  /** The instant the run was "as of" (the cron tick or `finops jobs run --at`). */
  asOf: Timestamp | null;
}

export interface PostedMessageTable {
  id: Generated<number>;
  scope: string;
  messageKey: string;
  channelId: string;
  ts: string | null;
  threadTs: string | null;
  postedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** An ephemeral /finops answer, kept for its "Share in channel" button. */
export interface SharedAnswerTable {
  id: Generated<number>;
  userId: string;
  channelId: string;
  text: string;
  blocks: Json<unknown[]>;
  createdAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** What `finops demo` seeded (one row, id 1), see migrations/2026_11_23_1170_create_demo_seed.ts. */
export interface DemoSeedTable {
  id: ColumnType<number, number | undefined, never>;
  seed: number;
  months: number;
  firstMonth: string;
  endMonth: string;
  rolloutMonth: string;
  spikeDays: Json<string[]>;
  configHash: string;
  rowCounts: Json<Record<string, number>>;
  seededAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** 2026_12_07_1100: the mid-month forecast of a month's cloud + AI cost, with its inputs. */
export interface CostForecastTable {
  id: Generated<number>;
  month: string;
  /** null: the organisation. */
  productLine: string | null;
  madeOn: string;
  throughDay: string;
  currency: string;
  costMetric: string;
  monthToDate: ColumnType<number, number | string, number | string>;
  medianDaily: ColumnType<number, number | string, number | string>;
  windowFrom: string;
  daysLeft: number;
  forecast: ColumnType<number, number | string, number | string>;
  lastMonthActual: ColumnType<number, number | string, number | string>;
  createdAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface Database {
  ingestRun: IngestRunTable;
  ingestCursor: IngestCursorTable;
  ghPullRequest: GhPullRequestTable;
  ghReview: GhReviewTable;
  ghReviewComment: GhReviewCommentTable;
  ghCommit: GhCommitTable;
  ghWorkflowRun: GhWorkflowRunTable;
  ghDeployment: GhDeploymentTable;
  pdUser: PdUserTable;
  pdIncident: PdIncidentTable;
  pdLogEntry: PdLogEntryTable;
  costSource: CostSourceTable;
  costDaily: CostDailyTable;
  revenue: RevenueTable;
  snapshot: SnapshotTable;
  anomaly: AnomalyTable;
  laborSpike: LaborSpikeTable;
  actionItem: ActionItemTable;
  actionEvent: ActionEventTable;
  auditEvent: AuditEventTable;
  jobRun: JobRunTable;
  postedMessage: PostedMessageTable;
  sharedAnswer: SharedAnswerTable;
  demoSeed: DemoSeedTable;
  costForecast: CostForecastTable;
}

export type ActionItemRow = Selectable<ActionItemTable>;
export type NewActionItem = Insertable<ActionItemTable>;
export type AnomalyRow = Selectable<AnomalyTable>;
export type CostDailyRow = Selectable<CostDailyTable>;
export type SnapshotRow = Selectable<SnapshotTable>;
export type JobRunRow = Selectable<JobRunTable>;
