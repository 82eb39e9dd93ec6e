import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS } from '../../src/ingest/github/queries.ts';

describe('GitHub GraphQL documents', () => {
  it.each(Object.entries(DOCUMENTS))('%s is valid against GitHub’s published schema', (name, query) => {
    expect(query).toMatch(new RegExp(`^query ${name}\\(`));
    expect(validate(query).map((e) => e.message)).toEqual([]);
  });

  it('the schema check does catch a wrong field (so a pass means something)', () => {
    const broken = DOCUMENTS.PullRequestsPage.replace('authoredDate', 'authorDate');
    expect(validate(broken).map((e) => e.message)).toEqual([
      expect.stringContaining('Cannot query field "authorDate" on type "Commit"'),
    ]);
  });
});
