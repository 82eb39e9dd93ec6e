/**
 * The monthly review at 80 product lines (issue 7): six months of raw activity and cost for 80
 * lines (3 people each) on embedded PGlite; then the review posted through a Messenger that only
 * counts (no network), timed in its parts: building the view-model (snapshot of the month and
 * the five before it), the first run (render, charts to PNG, claim/confirm per message), and a
 * re-run that finds everything posted.
 */
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { parseConfigText } from '../src/config/load.ts';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/lib/logger.ts';
import type { Messenger, ServiceDeps } from '../src/services/deps.ts';
import { postMonthlyReview } from '../src/services/post-monthly-review.ts';
import { buildReviewView } from '../src/services/review-view.ts';
import { seedReviewMonths } from '../test/support/review-seed.ts';

const LINES = 80;
const MONTHS = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];

const yaml = `
timezone: Europe/Berlin
review: { channel: "#finops-review", show_margin_in_channel: true }
rates:
  - effective_from: 2026-01-01
    levels: { mid: 100, senior: 120 }
senior_levels: [senior]
teams:
${Array.from({ length: 8 }, (_, t) => `  - { id: team-${t}, channel: "#team-${t}" }`).join('\n')}
product_lines:
${Array.from({ length: LINES }, (_, i) => `  - { id: pl-${i}, name: "Line ${i}", team: team-${i % 8}, repos: ["acme/pl-${i}"] }`).join('\n')}
`;

let sent = 0;
const messenger: Messenger = {
  post: async (channel) => ({ channel, ts: `1700000000.${String(++sent).padStart(6, '0')}` }),
  update: async () => {},
  postEphemeral: async () => {
    sent++;
  },
  dm: async (user) => ({ channel: user, ts: '1.1' }),
  uploadFile: async () => {
    sent++;
  },
  resolveChannel: async (ref) => `C${ref.replace(/\W/g, '').toUpperCase()}`,
  permalink: async () => 'https://slack.example/archives/C1/p1',
  userInfo: async () => null,
  usergroupMembers: async () => [],
};

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
const pglite = new PGlite();
const h = await connect({ pglite });
await migrateToLatest(h.db);
const { config, hash } = parseConfigText(yaml);
let t = performance.now();
await seedReviewMonths(
  h.db,
  Array.from({ length: LINES }, (_, i) => ({ id: `pl-${i}`, repo: `acme/pl-${i}` })),
  MONTHS,
);
console.log(`seed ${LINES} lines × ${MONTHS.length} months: ${ms(t)}`);
const deps: ServiceDeps = {
  db: h.db,
  config,
  configHash: hash,
  logger: createLogger({ level: 'silent' }),
  now: () => new Date('2026-11-02T08:00:00Z'),
  env: {},
  dataDir: '/nonexistent',
};
t = performance.now();
await buildReviewView(deps, '2026-10', { now: deps.now(), showMargin: true });
console.log(`view-model (month + 5 prior computed, nothing stored before): ${ms(t)}`);
t = performance.now();
const first = await postMonthlyReview(deps, messenger, {
  month: '2026-10',
  replyIds: { addActionItem: 'a' },
});
console.log(`first run: ${first.counts.posted} messages in ${ms(t)}`);
t = performance.now();
const again = await postMonthlyReview(deps, messenger, {
  month: '2026-10',
  replyIds: { addActionItem: 'a' },
});
console.log(`re-run: ${again.counts.already} already posted, ${again.counts.posted} sent, in ${ms(t)}`);
console.log(`max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
await h.close();
await pglite.close();
