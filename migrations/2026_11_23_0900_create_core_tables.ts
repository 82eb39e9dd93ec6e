import { type Kysely, sql } from 'kysely';

/**
 * The first schema: raw signals from each source, the daily cost aggregate, revenue,
 * snapshots, anomalies, the action log with its append-only audit table, job runs and
 * posted Slack messages. Frozen: later changes go in new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // ── ingestion bookkeeping ────────────────────────────────────────────────
  await db.schema
    .createTable('ingest_run')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('stats', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .execute();

  await db.schema
    .createTable('ingest_cursor')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull()) // repository, service id…
    .addColumn('stream', 'text', (c) => c.notNull()) // pulls, runs, deployments, incidents…
    .addColumn('cursor', 'text')
    .addColumn('etag', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('ingest_cursor_pk', ['source', 'scope', 'stream'])
    .execute();

  // ── GitHub raw activity, keyed by GitHub ids ─────────────────────────────
  await db.schema
    .createTable('gh_pull_request')
    .addColumn('repo', 'text', (c) => c.notNull()) // owner/name
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('github_id', 'bigint')
    .addColumn('author_login', 'text')
    .addColumn('author_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('merged_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('head_ref', 'text')
    .addColumn('base_ref', 'text')
    // [{ path, additions, deletions }]: for the qa share and monorepo splits
    .addColumn('files', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('fetched_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('gh_pull_request_pk', ['repo', 'number'])
    .execute();

  await db.schema
    .createTable('gh_review')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('author_login', 'text')
    .addColumn('author_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('gh_review_pr_idx').on('gh_review').columns(['repo', 'pr_number']).execute();

  await db.schema
    .createTable('gh_review_comment')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('author_login', 'text')
    .addColumn('author_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('gh_review_comment_pr_idx')
    .on('gh_review_comment')
    .columns(['repo', 'pr_number'])
    .execute();

  await db.schema
    .createTable('gh_commit')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('author_login', 'text')
    .addColumn('author_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('authored_at', 'timestamptz', (c) => c.notNull())
    .addColumn('parent_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('gh_commit_pk', ['repo', 'pr_number', 'sha'])
    .execute();
  await db.schema.createIndex('gh_commit_sha_idx').on('gh_commit').column('sha').execute();

  await db.schema
    .createTable('gh_workflow_run')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('event', 'text')
    .addColumn('actor_login', 'text')
    .addColumn('triggering_actor_login', 'text')
    .addColumn('actor_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('run_attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'text')
    .addColumn('conclusion', 'text')
    .addColumn('head_sha', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('run_started_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('billable_ms', 'bigint')
    .execute();
  await db.schema
    .createIndex('gh_workflow_run_repo_idx')
    .on('gh_workflow_run')
    .columns(['repo', 'created_at'])
    .execute();

  await db.schema
    .createTable('gh_deployment')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('creator_login', 'text')
    .addColumn('creator_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('environment', 'text')
    .addColumn('sha', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    // [{ state, created_at }]
    .addColumn('statuses', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();

  // ── PagerDuty ─────────────────────────────────────────────────────────────
  await db.schema
    .createTable('pd_user')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .execute();

  await db.schema
    .createTable('pd_incident')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer')
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text')
    .addColumn('priority', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('pd_incident_service_idx')
    .on('pd_incident')
    .columns(['service_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('pd_log_entry')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // acknowledge_log_entry, assign_log_entry…
    .addColumn('agent_id', 'text')
    .addColumn('agent_type', 'text')
    // users assigned by an assign entry; users reassigned away by a reassign entry
    .addColumn('assignee_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pd_log_entry_incident_idx').on('pd_log_entry').column('incident_id').execute();

  // ── cost ─────────────────────────────────────────────────────────────────
  await db.schema
    .createTable('cost_source')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // what a re-ingest replaces: provider + billing period (FOCUS), vendor + day window (AI APIs)
    .addColumn('source_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull()) // focus, openai, anthropic, demo
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('billing_period_start', 'date')
    .addColumn('file_name', 'text')
    .addColumn('checksum', 'text')
    .addColumn('row_count', 'bigint', (c) => c.notNull().defaultTo(0))
    // { "USD": { "billed": "…", "effective": "…" } }
    .addColumn('totals', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ingested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('cost_daily')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source_id', 'bigint', (c) => c.notNull().references('cost_source.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull()) // ChargePeriodStart, UTC
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('sub_account_id', 'text')
    .addColumn('region', 'text')
    .addColumn('service_category', 'text', (c) => c.notNull())
    .addColumn('service_name', 'text', (c) => c.notNull())
    .addColumn('charge_category', 'text', (c) => c.notNull())
    .addColumn('is_correction', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('billing_currency', 'text', (c) => c.notNull())
    .addColumn('pricing_category', 'text')
    .addColumn('commitment_status', 'text') // Used, Unused, or null
    .addColumn('product_line', 'text') // null = unallocated
    .addColumn('allocation', 'text', (c) => c.notNull()) // direct, shared, none
    .addColumn('billed_cost', 'numeric', (c) => c.notNull())
    .addColumn('effective_cost', 'numeric', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('cost_daily_day_idx')
    .on('cost_daily')
    .columns(['day', 'product_line'])
    .execute();
  await db.schema.createIndex('cost_daily_source_idx').on('cost_daily').column('source_id').execute();

  await db.schema
    .createTable('revenue')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('product_line', 'text', (c) => c.notNull())
    .addColumn('revenue', 'numeric', (c) => c.notNull())
    .addColumn('units', 'numeric')
    .addColumn('source_file', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('revenue_pk', ['month', 'product_line'])
    .execute();

  // ── snapshots ─────────────────────────────────────────────────────────────
  await db.schema
    .createTable('snapshot')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open')) // open, frozen
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('config_hash', 'text', (c) => c.notNull())
    .addColumn('input_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('built_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('frozen_at', 'timestamptz')
    .execute();

  // ── anomalies ─────────────────────────────────────────────────────────────
  await db.schema
    .createTable('anomaly')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('cost')) // cost, labor
    .addColumn('product_line', 'text')
    .addColumn('service_name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('first_day', 'date', (c) => c.notNull())
    .addColumn('last_day', 'date', (c) => c.notNull())
    .addColumn('actual', 'numeric', (c) => c.notNull())
    .addColumn('expected', 'numeric', (c) => c.notNull())
    .addColumn('impact', 'numeric', (c) => c.notNull())
    .addColumn('impact_pct', 'numeric')
    .addColumn('root_cause', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open')) // open, acknowledged, expected, resolved
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('cause', 'text')
    .addColumn('suppressed_until', 'date')
    .addColumn('channel_id', 'text')
    .addColumn('message_ts', 'text')
    .addColumn('alerted_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('anomaly_series_first_day_uq')
    .on('anomaly')
    .columns(['kind', 'product_line', 'service_name', 'currency', 'first_day'])
    .unique()
    .nullsNotDistinct()
    .execute();

  // ── the action log ────────────────────────────────────────────────────────
  await db.schema
    .createTable('action_item')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('creator_id', 'text', (c) => c.notNull())
    .addColumn('due_date', 'date', (c) => c.notNull())
    .addColumn('product_line', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open')) // open, done
    .addColumn('anomaly_id', 'bigint', (c) => c.references('anomaly.id'))
    .addColumn('source_permalink', 'text')
    .addColumn('source_channel', 'text')
    .addColumn('source_ts', 'text')
    .addColumn('review_month', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .execute();

  // Append-only: every change to an item, including its creation.
  await db.schema
    .createTable('action_event')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('action_item_id', 'bigint', (c) => c.notNull().references('action_item.id'))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // created, done, reopened, snoozed, reassigned, noted, reminded
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .execute();
  await db.schema.createIndex('action_event_item_idx').on('action_event').column('action_item_id').execute();

  // Append-only audit of everything else a person changed (snapshot rebuilds, anomaly triage…).
  await db.schema
    .createTable('audit_event')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // ── jobs and Slack bookkeeping ───────────────────────────────────────────
  await db.schema
    .createTable('job_run')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull()) // host:pid of the process that claimed it
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running')) // running, succeeded, failed
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('stats', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addUniqueConstraint('job_run_job_period_uq', ['job', 'period_key'])
    .execute();

  await db.schema
    .createTable('posted_message')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull()) // review:2026-10, anomaly:42, reminder:7:2026-11-02
    .addColumn('message_key', 'text', (c) => c.notNull()) // parent, reply:checkout, chart:stage-mix
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'text')
    .addColumn('thread_ts', 'text')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('posted_message_uq', ['scope', 'message_key', 'channel_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
