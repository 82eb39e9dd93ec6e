import { validateConfig } from '../../../src/config/load.ts';
import type { Config, ConfigInput } from '../../../src/config/schema.ts';
import type {
  ActivityInput,
  CommitInput,
  DeploymentInput,
  IncidentInput,
  LogEntryInput,
  PullRequestFile,
  PullRequestInput,
  ReviewCommentInput,
  ReviewInput,
  WorkflowRunInput,
} from '../../../src/model/types.ts';

/** Hand-worked test inputs for the effort model. Times are ISO strings; `Z` unless the test says. */

export function testConfig(over: Partial<ConfigInput> = {}): Config {
  return validateConfig({
    timezone: 'UTC',
    rates: [{ effective_from: '2026-01-01', levels: { junior: 60, mid: 100, senior: 120 } }],
    default_level: 'mid',
    senior_levels: ['senior'],
    teams: [{ id: 'payments' }, { id: 'search' }],
    people: [
      { github: 'ada', email: 'ada@example.com', level: 'senior' },
      { github: 'Bob', email: 'bob@example.com', level: 'mid' },
      { github: 'cyd', level: 'junior' },
    ],
    product_lines: [
      {
        id: 'checkout',
        team: 'payments',
        repos: ['acme/checkout', 'acme/mono:services/checkout/**'],
        pagerduty_services: ['PCHK'],
      },
      {
        id: 'search',
        team: 'search',
        repos: ['acme/mono:services/search/**'],
        pagerduty_services: ['PSRCH'],
      },
    ],
    ...over,
  }).config;
}

export const t = (iso: string) => new Date(iso);

export function emptyActivity(over: Partial<ActivityInput> = {}): ActivityInput {
  return {
    pullRequests: [],
    reviews: [],
    reviewComments: [],
    commits: [],
    workflowRuns: [],
    deployments: [],
    incidents: [],
    logEntries: [],
    pdUsers: [],
    ...over,
  };
}

export function pr(
  number: number,
  author: string | null,
  createdAt: string,
  over: Partial<Omit<PullRequestInput, 'createdAt'>> & { files?: PullRequestFile[] } = {},
): PullRequestInput {
  return {
    repo: 'acme/checkout',
    number,
    authorLogin: author,
    authorIsBot: false,
    title: `Add feature ${number}`,
    labels: [],
    createdAt: t(createdAt),
    files: [{ path: 'src/feature.ts', additions: 10, deletions: 0 }],
    ...over,
  };
}

let nextId = 1;

export function commit(
  prNumber: number,
  author: string | null,
  authoredAt: string,
  over: Partial<Omit<CommitInput, 'authoredAt'>> = {},
): CommitInput {
  return {
    repo: 'acme/checkout',
    prNumber,
    sha: `sha${nextId++}`,
    authorLogin: author,
    authorIsBot: false,
    authoredAt: t(authoredAt),
    parentCount: 1,
    ...over,
  };
}

export function review(
  prNumber: number,
  author: string | null,
  submittedAt: string | null,
  over: Partial<Omit<ReviewInput, 'submittedAt'>> = {},
): ReviewInput {
  return {
    id: nextId++,
    repo: 'acme/checkout',
    prNumber,
    authorLogin: author,
    authorIsBot: false,
    submittedAt: submittedAt === null ? null : t(submittedAt),
    ...over,
  };
}

export function comment(
  prNumber: number,
  author: string | null,
  createdAt: string,
  over: Partial<Omit<ReviewCommentInput, 'createdAt'>> = {},
): ReviewCommentInput {
  return {
    id: nextId++,
    repo: 'acme/checkout',
    prNumber,
    authorLogin: author,
    authorIsBot: false,
    createdAt: t(createdAt),
    ...over,
  };
}

export function run(
  actor: string | null,
  startedAt: string,
  over: Partial<Omit<WorkflowRunInput, 'createdAt' | 'runStartedAt' | 'updatedAt'>> & {
    endedAt?: string;
  } = {},
): WorkflowRunInput {
  const { endedAt, ...rest } = over;
  return {
    id: nextId++,
    repo: 'acme/checkout',
    name: 'CI',
    actorLogin: actor,
    actorIsBot: false,
    runAttempt: 1,
    headSha: null,
    createdAt: t(startedAt),
    runStartedAt: t(startedAt),
    updatedAt: t(endedAt ?? startedAt),
    status: 'completed',
    billableMs: null,
    ...rest,
  };
}

export function deployment(
  creator: string | null,
  createdAt: string,
  over: Partial<Omit<DeploymentInput, 'createdAt'>> = {},
): DeploymentInput {
  return {
    id: nextId++,
    repo: 'acme/checkout',
    creatorLogin: creator,
    creatorIsBot: false,
    sha: null,
    createdAt: t(createdAt),
    ...over,
  };
}

export function incident(
  id: string,
  createdAt: string,
  over: Partial<Omit<IncidentInput, 'createdAt' | 'resolvedAt'>> & { resolvedAt?: string | null } = {},
): IncidentInput {
  const { resolvedAt, ...rest } = over;
  return {
    id,
    number: 1,
    serviceId: 'PCHK',
    title: `Incident ${id}`,
    createdAt: t(createdAt),
    resolvedAt: resolvedAt ? t(resolvedAt) : null,
    ...rest,
  };
}

type EntryKind = 'trigger' | 'acknowledge' | 'assign' | 'annotate' | 'delegate' | 'escalate' | 'resolve';

/** A log entry; `agent` is a user id unless `agentType` says otherwise. */
export function entry(
  incidentId: string,
  kind: EntryKind,
  at: string,
  agent: string | null,
  opts: { agentType?: string | null; assignees?: string[]; unassigned?: string[] } = {},
): LogEntryInput {
  return {
    id: `L${nextId++}`,
    incidentId,
    type: `${kind}_log_entry`,
    agentId: agent,
    agentType: opts.agentType === undefined ? 'user_reference' : opts.agentType,
    assigneeIds: opts.assignees ?? [],
    unassignedIds: opts.unassigned ?? [],
    createdAt: t(at),
  };
}
