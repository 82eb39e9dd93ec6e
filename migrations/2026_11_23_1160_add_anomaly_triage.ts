import type { Kysely } from 'kysely';

/**
 * Anomaly triage and alert bookkeeping:
 * - `expected_at` / `expected_by`: who marked the anomaly "Expected" (a false positive) and when;
 * - `notified_last_day`: the most recent anomalous day the Slack alert (or a thread reply under
 *   it) has told the channel about, so an ongoing anomaly gets one reply per new day;
 * - `routing_note`: why the alert went where it went when that is not the owning team's channel.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('anomaly')
    .addColumn('expected_at', 'timestamptz')
    .addColumn('expected_by', 'text')
    .addColumn('notified_last_day', 'date')
    .addColumn('routing_note', 'text')
    .execute();
  // Alerts per channel per day (noise control) and the monthly KPIs read by alert time.
  await db.schema
    .createIndex('anomaly_alerted_idx')
    .on('anomaly')
    .columns(['channel_id', 'alerted_at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
