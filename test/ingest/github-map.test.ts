import { describe, expect, it } from 'vitest';
import {
  billableMsFromTiming,
  type GqlPullRequest,
  gqlPerson,
  loginsOf,
  mapDeployment,
  mapPullRequest,
  mapWorkflowRun,
  restPerson,
} from '../../src/ingest/github/map.ts';
import { parseRepoSpec, reposFromConfig } from '../../src/ingest/github/repo-spec.ts';
import { InputError } from '../../src/lib/errors.ts';

const conn = <T>(nodes: T[]) => ({ pageInfo: { hasNextPage: false, endCursor: null }, nodes });
const user = (login: string) => ({ __typename: 'User', login });

const PR: GqlPullRequest = {
  id: 'PR_1',
  databaseId: 555,
  number: 42,
  title: 'Revert "Add cache"',
  state: 'MERGED',
  createdAt: '2026-10-01T09:00:00Z',
  updatedAt: '2026-10-03T17:00:00Z',
  mergedAt: '2026-10-03T16:00:00Z',
  closedAt: '2026-10-03T16:00:00Z',
  headRefName: 'revert-cache',
  baseRefName: 'main',
  author: user('ada'),
  labels: conn([{ name: 'bug' }, { name: 'area/api' }]),
  files: conn([
    { path: 'src/cache.ts', additions: 10, deletions: 120 },
    { path: 'test/cache.test.ts', additions: 0, deletions: 40 },
  ]),
  commits: conn([
    {
      commit: {
        oid: 'a1',
        authoredDate: '2026-10-01T08:30:00Z',
        parents: { totalCount: 1 },
        author: { name: 'Ada', user: { login: 'ada' } },
      },
    },
    {
      commit: {
        oid: 'b2',
        authoredDate: '2026-10-02T10:00:00Z',
        parents: { totalCount: 2 },
        author: { name: 'Ada', user: { login: 'ada' } },
      },
    },
    {
      commit: {
        oid: 'c3',
        authoredDate: '2026-10-02T11:00:00Z',
        parents: { totalCount: 1 },
        author: { name: 'dependabot[bot]', user: null },
      },
    },
    // The same commit twice (GitHub repeats it after a rebase of the list): stored once.
    {
      commit: {
        oid: 'a1',
        authoredDate: '2026-10-01T08:30:00Z',
        parents: { totalCount: 1 },
        author: { name: 'Ada', user: { login: 'ada' } },
      },
    },
  ]),
  reviews: conn([
    {
      id: 'R_1',
      databaseId: 9001,
      state: 'CHANGES_REQUESTED',
      submittedAt: '2026-10-02T09:00:00Z',
      author: user('grace'),
      comments: conn([
        { databaseId: 7001, createdAt: '2026-10-02T08:55:00Z', author: user('grace') },
        { databaseId: 7002, createdAt: '2026-10-02T08:58:00Z', author: user('grace') },
      ]),
    },
    {
      id: 'R_2',
      databaseId: 9002,
      state: 'COMMENTED',
      submittedAt: '2026-10-02T12:00:00Z',
      author: user('ada'),
      comments: conn([{ databaseId: 7003, createdAt: '2026-10-02T12:00:00Z', author: user('ada') }]),
    },
    {
      id: 'R_3',
      databaseId: 9003,
      state: 'PENDING',
      submittedAt: null,
      author: { __typename: 'Bot', login: 'copilot-reviewer' },
      comments: conn([]),
    },
  ]),
};

describe('mapping GitHub payloads to rows', () => {
  it('maps a PR with its reviews, review comments and commits, exactly', () => {
    expect(mapPullRequest('acme/api', PR)).toEqual({
      pr: {
        repo: 'acme/api',
        number: 42,
        githubId: 555,
        authorLogin: 'ada',
        authorIsBot: false,
        title: 'Revert "Add cache"',
        labels: ['bug', 'area/api'],
        state: 'merged',
        createdAt: '2026-10-01T09:00:00Z',
        updatedAt: '2026-10-03T17:00:00Z',
        mergedAt: '2026-10-03T16:00:00Z',
        closedAt: '2026-10-03T16:00:00Z',
        headRef: 'revert-cache',
        baseRef: 'main',
        files: [
          { path: 'src/cache.ts', additions: 10, deletions: 120 },
          { path: 'test/cache.test.ts', additions: 0, deletions: 40 },
        ],
      },
      reviews: [
        {
          id: 9001,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'grace',
          authorIsBot: false,
          state: 'CHANGES_REQUESTED',
          submittedAt: '2026-10-02T09:00:00Z',
        },
        {
          id: 9002,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'ada',
          authorIsBot: false,
          state: 'COMMENTED',
          submittedAt: '2026-10-02T12:00:00Z',
        },
        {
          id: 9003,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'copilot-reviewer[bot]',
          authorIsBot: true,
          state: 'PENDING',
          submittedAt: null,
        },
      ],
      comments: [
        {
          id: 7001,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'grace',
          authorIsBot: false,
          createdAt: '2026-10-02T08:55:00Z',
        },
        {
          id: 7002,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'grace',
          authorIsBot: false,
          createdAt: '2026-10-02T08:58:00Z',
        },
        {
          id: 7003,
          repo: 'acme/api',
          prNumber: 42,
          authorLogin: 'ada',
          authorIsBot: false,
          createdAt: '2026-10-02T12:00:00Z',
        },
      ],
      commits: [
        {
          repo: 'acme/api',
          prNumber: 42,
          sha: 'a1',
          authorLogin: 'ada',
          authorIsBot: false,
          authoredAt: '2026-10-01T08:30:00Z',
          parentCount: 1,
        },
        {
          repo: 'acme/api',
          prNumber: 42,
          sha: 'b2',
          authorLogin: 'ada',
          authorIsBot: false,
          authoredAt: '2026-10-02T10:00:00Z',
          parentCount: 2,
        },
        {
          repo: 'acme/api',
          prNumber: 42,
          sha: 'c3',
          authorLogin: null,
          authorIsBot: true,
          authoredAt: '2026-10-02T11:00:00Z',
          parentCount: 1,
        },
      ],
    });
  });

  it('names bots the REST way whichever API reported them, and keeps ghost (deleted) users as null', () => {
    expect(gqlPerson({ __typename: 'Bot', login: 'dependabot' })).toEqual({
      login: 'dependabot[bot]',
      isBot: true,
    });
    expect(gqlPerson({ __typename: 'Bot', login: 'renovate[bot]' })).toEqual({
      login: 'renovate[bot]',
      isBot: true,
    });
    expect(gqlPerson({ __typename: 'User', login: 'ada' })).toEqual({ login: 'ada', isBot: false });
    expect(gqlPerson(null)).toEqual({ login: null, isBot: false });
    expect(restPerson({ login: 'dependabot[bot]', type: 'Bot' })).toEqual({
      login: 'dependabot[bot]',
      isBot: true,
    });
    expect(restPerson({ login: 'ci-robot', type: 'Bot' })).toEqual({ login: 'ci-robot', isBot: true });
    expect(restPerson({ login: 'ada', type: 'User' })).toEqual({ login: 'ada', isBot: false });
  });

  it('lists the logins of every row for the unmapped count', () => {
    const logins = loginsOf(mapPullRequest('acme/api', PR));
    expect(logins.map((l) => l.login)).toEqual([
      'ada',
      'grace',
      'ada',
      'copilot-reviewer[bot]',
      'grace',
      'grace',
      'ada',
      'ada',
      'ada',
      null,
    ]);
  });

  it('maps a re-run workflow run: actor started the run, triggering actor the latest attempt, each with its bot flag', () => {
    const row = mapWorkflowRun(
      'acme/api',
      {
        id: 30433642,
        name: 'Deploy production',
        event: 'push',
        status: 'completed',
        conclusion: 'success',
        head_sha: 'acb5820c',
        run_attempt: 2,
        created_at: '2026-10-05T10:00:00Z',
        run_started_at: '2026-10-05T11:30:00Z',
        updated_at: '2026-10-05T11:42:30Z',
        actor: { login: 'dependabot[bot]', type: 'Bot' },
        triggering_actor: { login: 'grace', type: 'User' },
      },
      720_000,
    );
    expect(row).toEqual({
      id: 30433642,
      repo: 'acme/api',
      name: 'Deploy production',
      event: 'push',
      actorLogin: 'dependabot[bot]',
      triggeringActorLogin: 'grace',
      actorIsBot: true,
      triggeringActorIsBot: false,
      runAttempt: 2,
      status: 'completed',
      conclusion: 'success',
      headSha: 'acb5820c',
      createdAt: '2026-10-05T10:00:00Z',
      runStartedAt: '2026-10-05T11:30:00Z',
      updatedAt: '2026-10-05T11:42:30Z',
      billableMs: 720_000,
    });
    // The REST example's queued run: no triggering actor → the actor; no attempt → 1.
    const queued = mapWorkflowRun(
      'acme/api',
      {
        id: 1,
        created_at: '2020-01-22T19:33:08Z',
        updated_at: '2020-01-22T19:33:08Z',
        actor: { login: 'octocat', type: 'User' },
      },
      null,
    );
    expect(queued).toMatchObject({
      name: '',
      triggeringActorLogin: 'octocat',
      triggeringActorIsBot: false,
      runAttempt: 1,
      runStartedAt: null,
      conclusion: null,
    });
  });

  it('sums billable milliseconds across runner OSes, or null when GitHub reports none', () => {
    expect(
      billableMsFromTiming({ billable: { UBUNTU: { total_ms: 180_000 }, WINDOWS: { total_ms: 60_000 } } }),
    ).toBe(240_000);
    expect(billableMsFromTiming({ billable: {}, run_duration_ms: 5000 })).toBeNull();
    expect(billableMsFromTiming({})).toBeNull();
  });

  it('maps a deployment with its statuses oldest first, lower case', () => {
    expect(
      mapDeployment('acme/api', {
        id: 'DE_1',
        databaseId: 77,
        environment: 'production',
        commitOid: 'a84d88e7',
        createdAt: '2026-10-06T10:00:00Z',
        updatedAt: '2026-10-06T10:09:00Z',
        creator: { __typename: 'Bot', login: 'github-actions' },
        statuses: conn([
          { state: 'SUCCESS', createdAt: '2026-10-06T10:09:00Z' },
          { state: 'IN_PROGRESS', createdAt: '2026-10-06T10:01:00Z' },
        ]),
      }),
    ).toEqual({
      id: 77,
      repo: 'acme/api',
      creatorLogin: 'github-actions[bot]',
      creatorIsBot: true,
      environment: 'production',
      sha: 'a84d88e7',
      createdAt: '2026-10-06T10:00:00Z',
      updatedAt: '2026-10-06T10:09:00Z',
      statuses: [
        { state: 'in_progress', createdAt: '2026-10-06T10:01:00Z' },
        { state: 'success', createdAt: '2026-10-06T10:09:00Z' },
      ],
    });
  });
});

describe('repository entries of the config', () => {
  it('parses owner/name and owner/name:glob', () => {
    expect(parseRepoSpec('acme/checkout-api')).toEqual({
      owner: 'acme',
      name: 'checkout-api',
      fullName: 'acme/checkout-api',
      glob: null,
    });
    expect(parseRepoSpec('acme/mono:services/checkout/**')).toEqual({
      owner: 'acme',
      name: 'mono',
      fullName: 'acme/mono',
      glob: 'services/checkout/**',
    });
  });

  it.each([
    ['acme', /is not "owner\/name" or "owner\/name:glob"/],
    ['acme/a/b', /is not "owner\/name"/],
    ['acme/mono:', /empty glob/],
    ['acme/mono:/services/**', /relative to the repository root \(write "acme\/mono:services\/\*\*"\)/],
    ['acme/mono:services/[abc', /invalid glob "services\/\[abc"/],
    ['acme/mono:src/{a,b', /invalid glob/],
  ])('refuses %s', (spec, message) => {
    const r = parseRepoSpec(spec);
    expect('problem' in r && r.problem).toMatch(message);
  });

  it('fetches each repository once, whatever the spelling, with every product line that claims it', () => {
    const targets = reposFromConfig({
      product_lines: [
        { id: 'checkout', repos: ['acme/api', 'acme/mono:services/checkout/**'] },
        { id: 'search', repos: ['Acme/Mono:services/search/**', 'acme/search'] },
      ],
    } as never);
    expect(targets).toEqual([
      {
        owner: 'acme',
        name: 'api',
        fullName: 'acme/api',
        claims: [{ productLine: 'checkout', glob: null, where: 'product_lines[0].repos[0]' }],
      },
      {
        owner: 'acme',
        name: 'mono',
        fullName: 'acme/mono',
        claims: [
          { productLine: 'checkout', glob: 'services/checkout/**', where: 'product_lines[0].repos[1]' },
          { productLine: 'search', glob: 'services/search/**', where: 'product_lines[1].repos[0]' },
        ],
      },
      {
        owner: 'acme',
        name: 'search',
        fullName: 'acme/search',
        claims: [{ productLine: 'search', glob: null, where: 'product_lines[1].repos[1]' }],
      },
    ]);
  });

  it('names every bad entry by its path in one InputError', () => {
    const run = () =>
      reposFromConfig({
        product_lines: [
          { id: 'a', repos: ['acme/ok', 'acme/mono:src/['] },
          { id: 'b', repos: ['bad'] },
        ],
      } as never);
    expect(run).toThrow(InputError);
    expect(run).toThrow(
      /^product_lines\[0\]\.repos\[1\]: "acme\/mono:src\/\[": invalid glob .*; product_lines\[1\]\.repos\[0\]: "bad" is not/,
    );
  });
});
