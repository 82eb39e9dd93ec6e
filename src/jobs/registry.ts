import { actionDigestJob } from './action-digest.ts';
import { actionRemindersJob } from './action-reminders.ts';
import { allocationHygieneJob } from './allocation-hygiene.ts';
import { costForecastJob } from './cost-forecast.ts';
import { detectAnomaliesJob } from './detect-anomalies.ts';
import { ingestAiCostsJob } from './ingest-ai-costs.ts';
import { ingestFocusJob } from './ingest-focus.ts';
import { ingestGithubJob } from './ingest-github.ts';
import { ingestPagerDutyJob } from './ingest-pagerduty.ts';
import { monthlyReviewJob } from './monthly-review.ts';
import { quarterlyKpiReviewJob } from './quarterly-kpi-review.ts';
import type { JobDefinition } from './types.ts';

/**
 * Every scheduled job. Each job lives in its own file under src/jobs/ and is listed here once.
 */
export const JOBS: JobDefinition[] = [
  ingestGithubJob,
  ingestPagerDutyJob,
  detectAnomaliesJob,
  ingestFocusJob,
  ingestAiCostsJob,
  monthlyReviewJob,
  actionRemindersJob,
  actionDigestJob,
  allocationHygieneJob,
  costForecastJob,
  quarterlyKpiReviewJob,
];
