/**
 * The demo organisation: what `finops demo` seeds and the local preview runs on. The story and
 * its known days are documented in ./story.ts. Typical use (the preview):
 *
 *   const { state } = await demoDatabaseState(db);
 *   if (state === 'empty') await seedDemo({ db, now }, { seed: DEMO_DEFAULT_SEED, endMonth: lastClosedMonth(now(), tz) });
 *   const seeded = await readDemoSeed(db); // endMonth: the month to review; spikeDays: the anomaly
 */
export { DEMO_CONFIG_YAML, demoConfig } from './config.ts';
export { type DemoData, generateDemo } from './generate.ts';
export {
  type DemoDatabaseState,
  type DemoSeedRow,
  demoDatabaseState,
  findForeignData,
  readDemoSeed,
  type SeedDemoOptions,
  type SeedDemoResult,
  type SeedProgress,
  seedDemo,
} from './seed.ts';
export {
  adoptionAt,
  DEMO_DEFAULT_MONTHS,
  DEMO_DEFAULT_SEED,
  DEMO_KIND,
  DEMO_MAX_MONTHS,
  DEMO_MIN_MONTHS,
  DEMO_SPIKE,
  DEMO_STORY,
  type DemoTimeline,
  demoTimeline,
} from './story.ts';
