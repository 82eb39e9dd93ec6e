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
 * OpenAI's organisation costs: `GET /v1/organization/costs` with an admin key (Bearer).
 * Daily buckets (`bucket_width=1d`, `start_time` inclusive and `end_time` exclusive, in Unix
 * seconds), grouped by project and line item, paged with `page` ← `next_page` while `has_more`.
 * Amounts are `{value, currency}`: a JSON number in whole currency units, the currency in lower
 * case (`usd`).
 */

export const OPENAI_COSTS_PATH = '/v1/organization/costs';
export const DEFAULT_OPENAI_API_URL = 'https://api.openai.com';
/** Buckets per page: the API takes 1–180 (default 7). */
export const OPENAI_MAX_BUCKETS = 180;

const result = z.object({
  amount: z.object({ value: z.number(), currency: z.string() }).nullish(),
  line_item: z.string().nullish(),
  project_id: z.string().nullish(),
});
const bucket = z.object({
  start_time: z.number().int(),
  end_time: z.number().int(),
  results: z.array(result),
});
export const openAiCostsPage = cursorPageSchema(bucket);
export type OpenAiCostsPage = z.infer<typeof openAiCostsPage>;

const QUERY: DailyQueryShape = {
  bounds: ['start_time', 'end_time'],
  time: (d) => String(d.toSeconds()),
  groupKey: 'group_by',
  groups: ['project_id', 'line_item'],
  maxBuckets: OPENAI_MAX_BUCKETS,
};

/**
 * The query of one page. `group_by` is an array parameter in OpenAI's API reference (OpenAPI
 * `form` style, exploded), so both fields go as repeated `group_by` keys.
 */
export function openAiCostsQuery(w: DayWindow, page: string | null): QueryParams {
  return dailyBucketQuery(QUERY, w, page);
}

/**
 * One page → cost lines. Pure. OpenAI sends amounts as JSON numbers; `String(value)` is the
 * shortest decimal that reads back as the same double, which is the literal OpenAI wrote for
 * any amount of up to 15 significant digits, so the exact decimal survives; sums from here on
 * are exact (bigint). A result without an amount (or of 0) adds nothing and is left out.
 */
export function mapOpenAiCostsPage(body: unknown): VendorCostRead & { page: OpenAiCostsPage } {
  return mapBucketPage(
    'openai',
    OPENAI_COSTS_PATH,
    openAiCostsPage,
    body,
    (b) => utcDay(new Date(b.start_time * 1000)),
    (r, day, at) => {
      if (!r.amount || r.amount.value === 0) return null;
      const where = [...at, 'amount'];
      if (!Number.isFinite(r.amount.value)) {
        throw payloadError('openai', OPENAI_COSTS_PATH, [...where, 'value'], 'not a finite number');
      }
      const currency = currencyAt('openai', OPENAI_COSTS_PATH, [...where, 'currency'], r.amount.currency);
      return {
        day,
        subAccountId: r.project_id ?? null,
        serviceName: `OpenAI ${r.line_item ?? '(no line item)'}`,
        currency,
        amount: parseAmount(String(r.amount.value)),
      };
    },
  );
}

/** Every page of the window, as cost lines. */
export function readOpenAiCosts(client: VendorHttpClient, w: DayWindow): Promise<VendorCostRead> {
  return readCursorPages(client, OPENAI_COSTS_PATH, (page) => openAiCostsQuery(w, page), mapOpenAiCostsPage);
}
