import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseAmount } from '../../model/allocation.ts';
import {
  currencyAt,
  cursorPageSchema,
  type DailyQueryShape,
  dailyBucketQuery,
  mapBucketPage,
  payloadError,
  type QueryParams,
  readCursorPages,
  type VendorCostRead,
  type VendorHttpClient,
} from './http.ts';
import { type DayWindow, utcDay } from './lines.ts';

/**
 * Anthropic's organisation cost report: `GET /v1/organizations/cost_report` with an admin key
 * (`x-api-key`, `anthropic-version: 2023-06-01`). Daily buckets (`bucket_width=1d`, the only
 * width it has), bounds as RFC 3339 (`starting_at` inclusive, `ending_at` exclusive), grouped by
 * `group_by[]=workspace_id&group_by[]=description`, paged with `page` ← `next_page` while
 * `has_more`, at most 31 buckets a page.
 *
 * Amounts: Anthropic's API reference (Admin API, "Get Cost Report", `results[].amount`) says
 * "Cost amount in lowest currency units (e.g. cents) as a decimal string. For example, "123.45"
 * in "USD" represents $1.23." So the string is CENTS with fractions: "123.78912" is
 * USD 1.2378912. It is read exactly and divided by 100 exactly (a shift of the decimal point).
 * Priority Tier costs are not in this endpoint (Anthropic's usage-and-cost guide says so).
 * `workspace_id` is null for the Default workspace.
 */

export const ANTHROPIC_COST_PATH = '/v1/organizations/cost_report';
export const DEFAULT_ANTHROPIC_API_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
/** Buckets per page: the API takes 1–31 for `1d` (default 7). */
export const ANTHROPIC_MAX_BUCKETS = 31;

const result = z.object({
  amount: z.string(),
  currency: z.string(),
  workspace_id: z.string().nullish(),
  description: z.string().nullish(),
});
const bucket = z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(result) });
export const anthropicCostPage = cursorPageSchema(bucket);
export type AnthropicCostPage = z.infer<typeof anthropicCostPage>;

const QUERY: DailyQueryShape = {
  bounds: ['starting_at', 'ending_at'],
  time: (d) => d.toISO({ suppressMilliseconds: true }) as string,
  groupKey: 'group_by[]',
  groups: ['workspace_id', 'description'],
  maxBuckets: ANTHROPIC_MAX_BUCKETS,
};

export function anthropicCostQuery(w: DayWindow, page: string | null): QueryParams {
  return dailyBucketQuery(QUERY, w, page);
}

/** A plain decimal: what `amount` must be (no exponent, no spaces, no thousands separators). */
const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** `"123.78912"` (cents) → the exact amount in currency units (1.2378912). */
export function centsToAmount(cents: string) {
  return parseAmount(`${cents}e-2`);
}

/** One page → cost lines. Pure. */
export function mapAnthropicCostPage(body: unknown): VendorCostRead & { page: AnthropicCostPage } {
  return mapBucketPage(
    'anthropic',
    ANTHROPIC_COST_PATH,
    anthropicCostPage,
    body,
    (b, i) => {
      const start = DateTime.fromISO(b.starting_at, { zone: 'utc' });
      if (!start.isValid) {
        throw payloadError(
          'anthropic',
          ANTHROPIC_COST_PATH,
          ['data', i, 'starting_at'],
          `${JSON.stringify(b.starting_at)} is not an RFC 3339 time`,
        );
      }
      return utcDay(start);
    },
    (r, day, where) => {
      if (!DECIMAL_RE.test(r.amount)) {
        throw payloadError(
          'anthropic',
          ANTHROPIC_COST_PATH,
          [...where, 'amount'],
          `${JSON.stringify(r.amount)} is not a decimal string`,
        );
      }
      const currency = currencyAt('anthropic', ANTHROPIC_COST_PATH, [...where, 'currency'], r.currency);
      const amount = centsToAmount(r.amount);
      if (amount === 0n) return null;
      return {
        day,
        subAccountId: r.workspace_id ?? null,
        serviceName: `Anthropic ${r.description ?? '(no description)'}`,
        currency,
        amount,
      };
    },
  );
}

/** Every page of the window, as cost lines. */
export function readAnthropicCosts(client: VendorHttpClient, w: DayWindow): Promise<VendorCostRead> {
  return readCursorPages(
    client,
    ANTHROPIC_COST_PATH,
    (page) => anthropicCostQuery(w, page),
    mapAnthropicCostPage,
  );
}
