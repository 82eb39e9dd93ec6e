import {
  daysBetween,
  decodeCursor,
  encodeCursor,
  type FakeVendorOptions,
  type FakeVendorServer,
  pageOfDays,
  startFakeVendorServer,
  type VendorReply,
  vendorFixture,
} from './fake-vendor-http.ts';

/**
 * A local Anthropic Admin API serving `GET /v1/organizations/cost_report` in the documented shape
 * (test/fixtures/anthropic/cost-report-page.json): daily buckets with RFC 3339 `starting_at` and
 * `ending_at`, results whose `amount` is a decimal string in CENTS, paged by `limit` (1–31,
 * default 7) with `has_more` and an opaque `next_page` (`page_…`). It checks `x-api-key` (else the
 * documented 401) and `anthropic-version`, `bucket_width=1d` and the `group_by[]` fields, and
 * answers every day of the range, empty `results` on days without cost.
 */

export const ANTHROPIC_TEST_KEY = 'sk-ant-admin01-test-anthropic';

export interface AnthropicCostResult {
  workspace_id: string | null;
  description: string;
  /** Cents, as a decimal string. */
  amount: string;
  model?: string | null;
  token_type?: string | null;
  currency?: string;
}

export interface FakeAnthropic extends FakeVendorServer {
  key: string;
  /** Results per UTC day (`YYYY-MM-DD`). */
  costs: Record<string, AnthropicCostResult[]>;
}

const GROUPS = ['workspace_id', 'description'];

function invalid(message: string): VendorReply {
  return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export async function startFakeAnthropic(
  opts: FakeVendorOptions<AnthropicCostResult> = {},
): Promise<FakeAnthropic> {
  const key = opts.key ?? ANTHROPIC_TEST_KEY;
  const costs: Record<string, AnthropicCostResult[]> = opts.costs ?? {};
  const server = await startFakeVendorServer(
    (req, unknownRoute) => {
      if (req.method !== 'GET' || req.path !== '/v1/organizations/cost_report') return unknownRoute();
      if (req.headers['x-api-key'] !== key) {
        return { status: 401, body: vendorFixture('anthropic', 'error-401-authentication.json') };
      }
      if (!req.headers['anthropic-version']) return invalid('anthropic-version: header is required');
      const one = (k: string) => req.query[k]?.[0];
      const startText = one('starting_at');
      const start = startText === undefined ? Number.NaN : Date.parse(startText);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(startText ?? '') || Number.isNaN(start)) {
        return invalid('starting_at: must be an RFC 3339 date-time');
      }
      const limit = Number(one('limit') ?? 7);
      if (!Number.isInteger(limit) || limit < 1 || limit > 31)
        return invalid('limit: must be between 1 and 31');
      const endText = one('ending_at');
      const end = endText === undefined ? start + limit * 86_400_000 : Date.parse(endText);
      if (Number.isNaN(end) || end <= start) return invalid('ending_at: must be after starting_at');
      if ((one('bucket_width') ?? '1d') !== '1d') return invalid('bucket_width: only 1d is supported');
      const groups = req.query['group_by[]'] ?? [];
      if (groups.some((g) => !GROUPS.includes(g))) return invalid(`group_by[]: invalid ${groups.join(',')}`);
      if (GROUPS.some((g) => !groups.includes(g))) {
        return invalid('this fake serves group_by[]=workspace_id&group_by[]=description');
      }
      const index = decodeCursor('page_', one('page'));
      if (index === null) return invalid('page: invalid cursor');
      const days = daysBetween(Math.floor(start / 86_400_000) * 86_400_000, end);
      const { slice, next } = pageOfDays(days, index, limit, opts.pageSize);
      return {
        status: 200,
        body: {
          data: slice.map((day) => {
            const t = Date.parse(`${day}T00:00:00Z`);
            return {
              starting_at: iso(t),
              ending_at: iso(t + 86_400_000),
              results: (costs[day] ?? []).map((r) => ({
                currency: r.currency ?? 'USD',
                amount: r.amount,
                workspace_id: r.workspace_id,
                description: r.description,
                cost_type: 'tokens',
                context_window: '0-200k',
                model: r.model ?? null,
                service_tier: 'standard',
                token_type: r.token_type ?? null,
              })),
            };
          }),
          has_more: next !== null,
          next_page: next === null ? null : encodeCursor('page_', next),
        },
      };
    },
    (status) =>
      status === 429
        ? vendorFixture('anthropic', 'error-429-rate-limit.json')
        : { type: 'error', error: { type: 'api_error', message: `fake Anthropic ${status}` } },
  );
  return Object.assign(server, { key, costs });
}
