import type { Db } from '../../src/db/connect.ts';

/**
 * Raw activity, cost and revenue for the monthly review tests: for each product line and month,
 * three people (ada, bob, cy) each open a pull request that the next one reviews, plus cloud, AI
 * and revenue figures that move between the months so drift has drivers.
 * Every product line gets 3 people, so its stage mix may be shown.
 */
export interface SeedLine {
  id: string;
  /** `owner/name`, as in the product line's `repos`. */
  repo: string;
  /** Tag value its cost rows carry (allocation is done at ingestion: rows name the line). */
  revenue?: boolean;
}

const PEOPLE = ['ada', 'bob', 'cy'] as const;

export async function seedReviewMonths(
  db: Db,
  lines: readonly SeedLine[],
  months: readonly string[],
): Promise<void> {
  const source = await db
    .insertInto('costSource')
    .values({ sourceKey: 'focus:review-test', kind: 'focus', provider: 'AWS' })
    .returning('id')
    .executeTakeFirstOrThrow();
  let number = 0;
  let reviewId = 1000;
  const prs = [];
  const reviews = [];
  const cost = [];
  const revenue = [];
  for (const [mi, month] of months.entries()) {
    for (const [li, line] of lines.entries()) {
      // Each line gets its own 8-hour window, each person a PR 3 hours apart within it, so
      // every line has hours of all three people (sessions only join across a line's edge).
      const base = Date.parse(`${month}-02T00:00:00Z`) + li * 8 * 3_600_000;
      for (const [pi, author] of PEOPLE.entries()) {
        number++;
        const opened = new Date(base + pi * 3 * 3_600_000);
        prs.push({
          repo: line.repo,
          number,
          authorLogin: author,
          authorIsBot: false,
          title: `Change ${number}`,
          labels: '[]',
          state: 'closed',
          createdAt: opened,
          updatedAt: opened,
          files: JSON.stringify([{ path: 'src/x.ts', additions: 10 + mi, deletions: 0 }]),
        });
        // Reviewed by the next person, 40 + 20 × month index minutes later.
        reviews.push({
          id: reviewId++,
          repo: line.repo,
          prNumber: number,
          authorLogin: PEOPLE[(pi + 1) % PEOPLE.length] as string,
          state: 'APPROVED',
          submittedAt: new Date(opened.getTime() + (40 + 20 * mi) * 60_000),
        });
      }
      const row = (serviceCategory: string, serviceName: string, amount: number) => ({
        sourceId: source.id,
        day: `${month}-10`,
        provider: 'AWS',
        subAccountId: '123456789012',
        region: 'eu-central-1',
        serviceCategory,
        serviceName,
        chargeCategory: 'Usage',
        billingCurrency: 'USD',
        productLine: line.id,
        allocation: 'direct' as const,
        billedCost: amount,
        effectiveCost: amount,
        rowCount: 1,
      });
      cost.push(row('Compute', 'Amazon EC2', 1000 + 100 * li + 200 * mi));
      cost.push(row('AI and Machine Learning', 'Amazon Bedrock', 300 + 150 * mi));
      if (line.revenue !== false)
        revenue.push({ month, productLine: line.id, revenue: 10_000 + 1000 * li, units: 500 });
    }
  }
  for (let i = 0; i < prs.length; i += 500)
    await db
      .insertInto('ghPullRequest')
      .values(prs.slice(i, i + 500))
      .execute();
  for (let i = 0; i < reviews.length; i += 500)
    await db
      .insertInto('ghReview')
      .values(reviews.slice(i, i + 500))
      .execute();
  for (let i = 0; i < cost.length; i += 500)
    await db
      .insertInto('costDaily')
      .values(cost.slice(i, i + 500))
      .execute();
  if (revenue.length > 0) await db.insertInto('revenue').values(revenue).execute();
}
