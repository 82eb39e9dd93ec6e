/**
 * The action log at a large organisation's scale (issue 8): 20,000 items (5,000 open) over two
 * years, 400 owners, 60 product lines, on embedded PGlite (the slower backend). Measures what a
 * person waits for — a page of `/finops actions`, the App Home's items, the review's look back and
 * the KPIs — and the daily reminder run's planning (read + decide + render every due reminder).
 * Targets: a page or the Home's items under 100 ms (Slack's 3 s ack budget includes Slack's own
 * latency), the reminder planning under 2 s, the heap growth of planning under 50 MB.
 */
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { validateConfig } from '../src/config/load.ts';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/lib/logger.ts';
import { addDays } from '../src/lib/dates.ts';
import { actionItemKpis, listActionItems, reviewActionItems } from '../src/services/action-items.ts';
import { planActionReminders } from '../src/services/action-notify.ts';
import { ACTION_ITEM_UI } from '../src/slack/ids.ts';

const ITEMS = 20_000;
const OPEN_EVERY = 4; // one item in four is still open
const OWNERS = 400;
const LINES = 60;

const { config } = validateConfig(
  {
    timezone: 'Europe/Berlin',
    rates: [{ effective_from: '2024-01-01', levels: { mid: 100 } }],
    senior_levels: [],
    teams: Array.from({ length: 10 }, (_, i) => ({ id: `team-${i}` })),
    product_lines: Array.from({ length: LINES }, (_, i) => ({ id: `line-${i}`, team: `team-${i % 10}` })),
  },
  'bench',
);

const pglite = new PGlite();
const h = await connect({ pglite });
await migrateToLatest(h.db);
const now = new Date('2026-11-10T08:00:00Z');
const deps = { db: h.db, config, logger: createLogger({ level: 'silent' }), now: () => now };

let t = performance.now();
await h.db.transaction().execute(async (trx) => {
  for (let start = 0; start < ITEMS; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, ITEMS - start) }, (_, k) => {
      const i = start + k;
      const created = new Date(Date.UTC(2024, 10, 10) + (i / ITEMS) * 730 * 86_400_000);
      const open = i % OPEN_EVERY === 0;
      const due = addDays(created.toISOString().slice(0, 10), 7 + (i % 40));
      return {
        title: `Item ${i}: rightsize the cluster behind service ${i % 300}`,
        ownerId: `U${String(i % OWNERS).padStart(8, '0')}`,
        creatorId: `U${String((i * 7) % OWNERS).padStart(8, '0')}`,
        dueDate: due,
        productLine: `line-${i % LINES}`,
        status: open ? ('open' as const) : ('done' as const),
        idempotencyKey: `bench:${i}`,
        createdAt: created,
        updatedAt: created,
        closedAt: open ? null : new Date(created.getTime() + (1 + (i % 20)) * 86_400_000),
      };
    });
    await trx.insertInto('actionItem').values(rows).execute();
  }
});
const seeded = performance.now() - t;

async function timed<T>(label: string, runs: number, f: () => Promise<T>): Promise<number> {
  await f(); // warm up (plans, caches)
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f();
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] as number;
  console.log(
    `${label.padEnd(46)} median ${median.toFixed(1)} ms (${runs} runs, max ${(ms.at(-1) as number).toFixed(1)})`,
  );
  return median;
}

console.log(`seeded ${ITEMS} items (${ITEMS / OPEN_EVERY} open) in ${(seeded / 1000).toFixed(1)} s`);
const q = { filter: undefined, product: undefined, userId: 'U00000004', offset: 0, limit: 15 };
const page = await timed('/finops actions open, first page', 20, () => listActionItems(deps, q, now));
await timed('/finops actions open, page at offset 4,000', 20, () =>
  listActionItems(deps, { ...q, offset: 4000 }, now),
);
const mine = await timed('/finops actions mine (App Home items)', 20, () =>
  listActionItems(deps, { ...q, filter: 'mine' }, now),
);
await timed('/finops actions overdue', 20, () => listActionItems(deps, { ...q, filter: 'overdue' }, now));
await timed('/finops actions PRODUCT', 20, () => listActionItems(deps, { ...q, product: 'line-7' }, now));
await timed('reviewActionItems (October review)', 10, () => reviewActionItems(deps, '2026-10', now));
await timed('actionItemKpis (a month)', 10, () => actionItemKpis(deps, { now, month: '2026-10' }));
await timed('actionItemKpis (all time)', 5, () => actionItemKpis(deps, { now }));

globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
t = performance.now();
const plan = await planActionReminders(deps, now, ACTION_ITEM_UI);
const planMs = performance.now() - t;
const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
console.log(
  `planActionReminders: ${plan.open.length} open items, ${plan.planned.length} reminders rendered in ${planMs.toFixed(0)} ms, heap +${heapGrowth.toFixed(1)} MB`,
);
await h.close();
await pglite.close();

const ok = page < 100 && mine < 100 && planMs < 2000 && heapGrowth < 50;
console.log(ok ? 'targets met' : 'TARGETS MISSED');
process.exit(ok ? 0 : 1);
