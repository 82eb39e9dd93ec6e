import { type Kysely, sql } from 'kysely';

/**
 * PagerDuty log entries keep what the responder intervals need beyond the first schema:
 * `unassigned_ids`, the users an assign, escalate or delegate entry took the incident away from
 * (PagerDuty has no "reassign" entry type: a reassignment is one of those entries whose
 * assignees no longer include someone who held the incident), and the entry's `summary`
 * ("Assigned to … by …") so every interval can be traced back to what PagerDuty showed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('pd_log_entry')
    .addColumn('unassigned_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('summary', 'text')
    .execute();
  // The hourly run re-reads the incidents that are still open.
  await db.schema.createIndex('pd_incident_status_idx').on('pd_incident').columns(['status']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
