import type { Migration } from 'kysely';
import * as m0900 from './2026_11_23_0900_create_core_tables.ts';
import * as m1100 from './2026_11_23_1100_create_shared_answer.ts';
import * as m1110 from './2026_11_23_1110_add_job_run_lease.ts';
import * as m1120 from './2026_11_23_1120_add_gh_workflow_run_triggering_bot.ts';
import * as m1130 from './2026_11_23_1130_add_pd_log_entry_details.ts';
import * as m1150 from './2026_11_23_1150_add_activity_time_indexes.ts';
import * as m1160 from './2026_11_23_1160_add_anomaly_triage.ts';
import * as m1170 from './2026_11_23_1170_create_demo_seed.ts';
import * as m1190 from './2026_11_23_1190_add_action_item_indexes.ts';
import * as m20261207_1100 from './2026_12_07_1100_create_cost_forecast.ts';
import * as m20261207_1400 from './2026_12_07_1400_create_labor_spike.ts';
import * as m20261207_1500 from './2026_12_07_1500_cost_daily_without_row_checks.ts';

/**
 * Every migration, in order. A static list (not a folder scan) so the same code runs under
 * tsx, vitest and any bundler. Append new files here; never edit an applied one.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_23_0900_create_core_tables': m0900,
  '2026_11_23_1100_create_shared_answer': m1100,
  '2026_11_23_1110_add_job_run_lease': m1110,
  '2026_11_23_1120_add_gh_workflow_run_triggering_bot': m1120,
  '2026_11_23_1130_add_pd_log_entry_details': m1130,
  '2026_11_23_1150_add_activity_time_indexes': m1150,
  '2026_11_23_1160_add_anomaly_triage': m1160,
  '2026_11_23_1170_create_demo_seed': m1170,
  '2026_11_23_1190_add_action_item_indexes': m1190,
  '2026_12_07_1100_create_cost_forecast': m20261207_1100,
  '2026_12_07_1400_create_labor_spike': m20261207_1400,
  '2026_12_07_1500_cost_daily_without_row_checks': m20261207_1500,
};
