import { z } from 'zod';
import { parseAmount } from '../../model/allocation.ts';
import {
  bucketLimit,
  currencyAt,
  parsePayload,
  payloadError,
  type QueryParams,
  readCursorPages,
  type VendorCostRead,
  type VendorHttpClient,
} from './http.ts';
import { type AiCostLine, type DayWindow, dayStart, utcDay } from './lines.ts';

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
export const openAiCostsPage = z.object({
  data: z.array(bucket),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});
export type OpenAiCostsPage = z.infer<typeof openAiCostsPage>;

/**
 * The query of one page. `group_by` is an array parameter in OpenAI's API reference (OpenAPI
 * `form` style, exploded), so both fields go as repeated `group_by` keys.
 */
export function openAiCostsQuery(w: DayWindow, page: string | null): QueryParams {
  const params: Array<[string, string]> = [
    ['start_time', String(dayStart(w.start).toSeconds())],
    ['end_time', String(dayStart(w.end).toSeconds())],
    ['bucket_width', '1d'],
    ['group_by', 'project_id'],
    ['group_by', 'line_item'],
    ['limit', bucketLimit(w, OPENAI_MAX_BUCKETS)],
  ];
  if (page !== null) params.push(['page', page]);
  return params;
}

/**
 * One page → cost lines. Pure. OpenAI sends amounts as JSON numbers; `String(value)` is the
 * shortest decimal that reads back as the same double, which is the literal OpenAI wrote for
 * any amount of up to 15 significant digits, so the exact decimal survives; sums from here on
 * are exact (bigint). A result without an amount (or of 0) adds nothing and is left out.
 */
export function mapOpenAiCostsPage(body: unknown): VendorCostRead & { page: OpenAiCostsPage } {
  const page = parsePayload('openai', OPENAI_COSTS_PATH, openAiCostsPage, body);
  const lines: AiCostLine[] = [];
  const days: string[] = [];
  page.data.forEach((b, i) => {
    const day = utcDay(new Date(b.start_time * 1000));
    days.push(day);
    b.results.forEach((r, j) => {
      if (!r.amount || r.amount.value === 0) return;
      const where = ['data', i, 'results', j, 'amount'];
      if (!Number.isFinite(r.amount.value)) {
        throw payloadError('openai', OPENAI_COSTS_PATH, [...where, 'value'], 'not a finite number');
      }
      const currency = currencyAt('openai', OPENAI_COSTS_PATH, [...where, 'currency'], r.amount.currency);
      lines.push({
        day,
        subAccountId: r.project_id ?? null,
        serviceName: `OpenAI ${r.line_item ?? '(no line item)'}`,
        currency,
        amount: parseAmount(String(r.amount.value)),
      });
    });
  });
  return { lines, days, page };
}

/** Every page of the window, as cost lines. */
export function readOpenAiCosts(client: VendorHttpClient, w: DayWindow): Promise<VendorCostRead> {
  return readCursorPages(client, OPENAI_COSTS_PATH, (page) => openAiCostsQuery(w, page), mapOpenAiCostsPage);
}
