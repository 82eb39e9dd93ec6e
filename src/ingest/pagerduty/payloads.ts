/**
 * The parts of PagerDuty REST payloads this product reads (v2 API; shapes as in PagerDuty's
 * OpenAPI examples). Everything is optional or nullable on purpose: payloads are checked where
 * they are mapped, and a missing field is reported by its path.
 */

export interface PdReference {
  id?: string;
  /** user_reference, service_reference, escalation_policy_reference, priority_reference… */
  type?: string;
  summary?: string | null;
}

export interface PdIncidentPayload {
  id?: string;
  incident_number?: number | null;
  title?: string | null;
  summary?: string | null;
  status?: string;
  urgency?: string | null;
  priority?: PdReference | null;
  service?: PdReference | null;
  created_at?: string;
  updated_at?: string | null;
  resolved_at?: string | null;
}

export interface PdLogEntryPayload {
  id?: string;
  /** acknowledge_log_entry, assign_log_entry… */
  type?: string;
  summary?: string | null;
  created_at?: string;
  agent?: PdReference | null;
  incident?: PdReference | null;
  /** On assign, escalate and delegate entries: who holds the incident after this entry. */
  assignees?: PdReference[] | null;
}

export interface PdUserPayload {
  id?: string;
  type?: string;
  name?: string | null;
  summary?: string | null;
  email?: string | null;
}

export interface PdServicePayload {
  id?: string;
  name?: string | null;
  summary?: string | null;
}
