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
 * A local OpenAI Admin API serving `GET /v1/organization/costs` in the documented shape
 * (test/fixtures/openai/costs-page.json): a page object of daily buckets (`start_time` and
 * `end_time` in Unix seconds) whose results carry `amount {value, currency: "usd"}`,
 * `line_item` and `project_id`, paged by `limit` (1–180, default 7) with `has_more` and an opaque
 * `next_page` cursor. It checks the admin key (`Authorization: Bearer …`, else the documented
 * 401), `bucket_width=1d` and the `group_by` fields, and answers every day of the range, with an
 * empty `results` list on days without cost, as the API does. Tests change `costs` between runs.
 */

export const OPENAI_TEST_KEY = 'sk-admin-test-openai';

export interface OpenAiCostResult {
  project_id: string | null;
  line_item: string | null;
  value: number;
  currency?: string;
}

export interface FakeOpenAi extends FakeVendorServer {
  key: string;
  /** Results per UTC day (`YYYY-MM-DD`). */
  costs: Record<string, OpenAiCostResult[]>;
}

const GROUPS = ['project_id', 'line_item'];

function invalid(message: string, param: string | null): VendorReply {
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code: null } } };
}

export async function startFakeOpenAi(opts: FakeVendorOptions<OpenAiCostResult> = {}): Promise<FakeOpenAi> {
  const key = opts.key ?? OPENAI_TEST_KEY;
  const costs: Record<string, OpenAiCostResult[]> = opts.costs ?? {};
  const server = await startFakeVendorServer(
    (req, unknownRoute) => {
      if (req.method !== 'GET' || req.path !== '/v1/organization/costs') return unknownRoute();
      if (req.headers.authorization !== `Bearer ${key}`) {
        return { status: 401, body: vendorFixture('openai', 'error-401-invalid-api-key.json') };
      }
      const one = (k: string) => req.query[k]?.[0];
      const start = Number(one('start_time'));
      if (!Number.isInteger(start))
        return invalid('start_time must be an integer (Unix seconds)', 'start_time');
      const limit = Number(one('limit') ?? 7);
      if (!Number.isInteger(limit) || limit < 1 || limit > 180) {
        return invalid('limit must be between 1 and 180', 'limit');
      }
      const end = one('end_time') === undefined ? start + limit * 86_400 : Number(one('end_time'));
      if (!Number.isInteger(end) || end <= start)
        return invalid('end_time must be after start_time', 'end_time');
      if ((one('bucket_width') ?? '1d') !== '1d') return invalid('bucket_width must be 1d', 'bucket_width');
      const groups = req.query['group_by'] ?? [];
      if (groups.some((g) => !GROUPS.includes(g)))
        return invalid(`invalid group_by ${groups.join(',')}`, 'group_by');
      // This fake serves the grouping the product asks for; others would need summing.
      if (GROUPS.some((g) => !groups.includes(g)))
        return invalid('this fake serves group_by project_id and line_item', 'group_by');
      const index = decodeCursor('', one('page'));
      if (index === null) return invalid('invalid page cursor', 'page');
      const days = daysBetween(Math.floor(start / 86_400) * 86_400_000, end * 1000);
      const { slice, next } = pageOfDays(days, index, limit, opts.pageSize);
      return {
        status: 200,
        body: {
          object: 'page',
          data: slice.map((day) => {
            const t = Date.parse(`${day}T00:00:00Z`) / 1000;
            return {
              object: 'bucket',
              start_time: t,
              end_time: t + 86_400,
              results: (costs[day] ?? []).map((r) => ({
                object: 'organization.costs.result',
                amount: { value: r.value, currency: r.currency ?? 'usd' },
                line_item: r.line_item,
                project_id: r.project_id,
              })),
            };
          }),
          has_more: next !== null,
          next_page: next === null ? null : encodeCursor('', next),
        },
      };
    },
    (status) =>
      status === 429
        ? vendorFixture('openai', 'error-429-rate-limit.json')
        : { error: { message: `fake OpenAI ${status}`, type: 'server_error', param: null, code: null } },
  );
  return Object.assign(server, { key, costs });
}
