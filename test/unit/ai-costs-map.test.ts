import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  anthropicCostQuery,
  centsToAmount,
  mapAnthropicCostPage,
} from '../../src/ingest/ai-costs/anthropic.ts';
import { retryAfterMs } from '../../src/ingest/ai-costs/http.ts';
import type { AiCostLine } from '../../src/ingest/ai-costs/lines.ts';
import { mapOpenAiCostsPage, openAiCostsQuery } from '../../src/ingest/ai-costs/openai.ts';
import { compileAllocationRules, formatAmount, parseAmount } from '../../src/model/allocation.ts';
import { allocateAiCostLines } from '../../src/services/ingest-ai-costs.ts';
import { testConfig } from '../ingest/focus-support.ts';

const fixture = (p: string) => JSON.parse(readFileSync(`test/fixtures/${p}`, 'utf8')) as unknown;

/** A line as the mappers make it, with the amount given as decimal text. */
const line = (
  day: string,
  sub: string | null,
  service: string,
  amount: string,
  currency = 'USD',
): AiCostLine => ({
  day,
  subAccountId: sub,
  serviceName: service,
  currency,
  amount: parseAmount(amount),
});

/** The allocated rows as plain values: [source key, product line, allocation, service, sub-account, currency, cost, rows]. */
function rows(m: ReturnType<typeof allocateAiCostLines>) {
  return [...m].flatMap(([key, list]) =>
    list.map((r) => [
      key,
      r.productLine,
      r.allocation,
      r.row.serviceName,
      r.row.subAccountId,
      r.row.billingCurrency,
      formatAmount(r.effectiveCost),
      r.rowCount,
    ]),
  );
}

describe('OpenAI costs → cost lines', () => {
  it('maps the documented example: UTC day of start_time, upper-case currency, exact amount', () => {
    const { lines, days, page } = mapOpenAiCostsPage(fixture('openai/costs-page.json'));
    expect(lines).toEqual([
      {
        day: '2024-11-01',
        subAccountId: null,
        serviceName: 'OpenAI (no line item)',
        currency: 'USD',
        amount: 60_000_000_000_000_000n,
      },
    ]);
    expect(days).toEqual(['2024-11-01']);
    expect(page.has_more).toBe(false);
  });

  it('keeps project and line item, leaves out results without an amount, and reads exponents exactly', () => {
    const { lines } = mapOpenAiCostsPage({
      object: 'page',
      data: [
        {
          object: 'bucket',
          start_time: 1_764_547_200, // 2025-12-01T00:00:00Z
          end_time: 1_764_633_600,
          results: [
            {
              object: 'organization.costs.result',
              amount: { value: 12.345678901234, currency: 'usd' },
              line_item: 'gpt-4o-2024-08-06, input',
              project_id: 'proj_checkout',
            },
            {
              object: 'organization.costs.result',
              amount: { value: 8e-7, currency: 'usd' },
              line_item: 'gpt-4o-2024-08-06, output',
              project_id: 'proj_checkout',
            },
            {
              object: 'organization.costs.result',
              amount: null,
              line_item: 'web search',
              project_id: 'proj_checkout',
            },
            {
              object: 'organization.costs.result',
              amount: { value: 0, currency: 'usd' },
              line_item: 'web search',
              project_id: 'proj_search',
            },
          ],
        },
      ],
      has_more: true,
      next_page: 'page_2',
    });
    expect(
      lines.map((l) => [l.day, l.subAccountId, l.serviceName, l.currency, formatAmount(l.amount)]),
    ).toEqual([
      ['2025-12-01', 'proj_checkout', 'OpenAI gpt-4o-2024-08-06, input', 'USD', '12.345678901234'],
      ['2025-12-01', 'proj_checkout', 'OpenAI gpt-4o-2024-08-06, output', 'USD', '0.0000008'],
    ]);
  });

  it('says which field of which answer is wrong', () => {
    expect(() =>
      mapOpenAiCostsPage({
        object: 'page',
        data: [{ start_time: 1, end_time: 2, results: [{ amount: { value: '1', currency: 'usd' } }] }],
        has_more: false,
      }),
    ).toThrow(
      /^OpenAI GET \/v1\/organization\/costs: unexpected answer at data\[0\]\.results\[0\]\.amount\.value: /,
    );
    expect(() =>
      mapOpenAiCostsPage({
        data: [{ start_time: 1, end_time: 2, results: [{ amount: { value: 1, currency: 'dollars' } }] }],
        has_more: false,
      }),
    ).toThrow(
      'OpenAI GET /v1/organization/costs: unexpected answer at data[0].results[0].amount.currency: "dollars" is not an ISO 4217 code',
    );
    expect(() => mapOpenAiCostsPage({ data: [] })).toThrow(/unexpected answer at has_more/);
  });

  it('asks for daily buckets of the window in Unix seconds, grouped by project and line item', () => {
    expect(openAiCostsQuery({ start: '2026-11-30', end: '2026-12-07' }, null)).toEqual([
      ['start_time', '1795996800'],
      ['end_time', '1796601600'],
      ['bucket_width', '1d'],
      ['group_by', 'project_id'],
      ['group_by', 'line_item'],
      ['limit', '7'],
    ]);
    expect(openAiCostsQuery({ start: '2026-01-01', end: '2026-12-01' }, 'cursor1').slice(-2)).toEqual([
      ['limit', '180'],
      ['page', 'cursor1'],
    ]);
  });
});

describe('Anthropic cost report → cost lines', () => {
  it('maps the documented example: the amount is in cents, "123.78912" is USD 1.2378912', () => {
    const { lines, page } = mapAnthropicCostPage(fixture('anthropic/cost-report-page.json'));
    expect(
      lines.map((l) => [l.day, l.subAccountId, l.serviceName, l.currency, formatAmount(l.amount)]),
    ).toEqual([
      [
        '2025-08-01',
        'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        'Anthropic Claude Sonnet 4 Usage - Input Tokens',
        'USD',
        '1.2378912',
      ],
    ]);
    expect(page).toMatchObject({ has_more: true, next_page: 'page_MjAyNS0wNS0xNFQwMDowMDowMFo=' });
  });

  it('divides cents by 100 exactly, negatives included', () => {
    expect(formatAmount(centsToAmount('123.45'))).toBe('1.2345');
    expect(formatAmount(centsToAmount('0.000000000000000001'))).toBe('0'); // below 10^-18 of a dollar
    expect(formatAmount(centsToAmount('-50'))).toBe('-0.5');
    expect(formatAmount(centsToAmount('100000000000.1'))).toBe('1000000000.001');
  });

  it('keeps the Default workspace (null id) as no sub-account, and refuses amounts that are not decimal strings', () => {
    const body = (amount: unknown) => ({
      data: [
        {
          starting_at: '2026-12-01T00:00:00Z',
          ending_at: '2026-12-02T00:00:00Z',
          results: [
            {
              currency: 'USD',
              amount,
              workspace_id: null,
              description: 'Claude Haiku 4.5 Usage - Output Tokens',
            },
          ],
        },
      ],
      has_more: false,
      next_page: null,
    });
    expect(mapAnthropicCostPage(body('250')).lines).toEqual([
      {
        day: '2026-12-01',
        subAccountId: null,
        serviceName: 'Anthropic Claude Haiku 4.5 Usage - Output Tokens',
        currency: 'USD',
        amount: 2_500_000_000_000_000_000n,
      },
    ]);
    expect(() => mapAnthropicCostPage(body('1e3'))).toThrow(
      'Anthropic GET /v1/organizations/cost_report: unexpected answer at data[0].results[0].amount: "1e3" is not a decimal string',
    );
    expect(() => mapAnthropicCostPage(body(12.5))).toThrow(/at data\[0\]\.results\[0\]\.amount: /);
  });

  it('asks for RFC 3339 bounds, group_by[] twice and at most 31 buckets a page', () => {
    expect(anthropicCostQuery({ start: '2026-11-01', end: '2026-12-07' }, 'page_x')).toEqual([
      ['starting_at', '2026-11-01T00:00:00Z'],
      ['ending_at', '2026-12-07T00:00:00Z'],
      ['bucket_width', '1d'],
      ['group_by[]', 'workspace_id'],
      ['group_by[]', 'description'],
      ['limit', '31'],
      ['page', 'page_x'],
    ]);
  });
});

describe('allocating AI-vendor cost lines', () => {
  const config = testConfig({
    product_lines: [
      { id: 'checkout', team: 'payments', cost: { sub_accounts: ['proj_checkout', 'wrkspc_checkout'] } },
      { id: 'search', team: 'data', cost: { sub_accounts: ['proj_search'] } },
    ],
    shared_costs: [{ match: { sub_accounts: ['proj_platform'] }, split: 'proportional' }],
  });
  const rules = compileAllocationRules(config);

  it('adds lines of one key exactly (0.1 + 0.2 is 0.3, not 0.30000000000000004) and keeps currencies apart', () => {
    const m = allocateAiCostLines(
      'openai',
      [
        line('2026-12-01', 'proj_checkout', 'OpenAI gpt-4o, input', '0.1'),
        line('2026-12-01', 'proj_checkout', 'OpenAI gpt-4o, input', '0.2'),
        line('2026-12-01', 'proj_checkout', 'OpenAI gpt-4o, input', '7.25', 'EUR'),
      ],
      rules,
    );
    expect(rows(m)).toEqual([
      ['openai:2026-12-01', 'checkout', 'direct', 'OpenAI gpt-4o, input', 'proj_checkout', 'USD', '0.3', 2],
      ['openai:2026-12-01', 'checkout', 'direct', 'OpenAI gpt-4o, input', 'proj_checkout', 'EUR', '7.25', 1],
    ]);
    const r = m.get('openai:2026-12-01')?.[0]?.row;
    expect(r).toMatchObject({
      provider: 'OpenAI',
      serviceCategory: 'AI and Machine Learning',
      chargeCategory: 'Usage',
      region: null,
      isCorrection: false,
    });
    expect(m.get('openai:2026-12-01')?.[0]?.billedCost).toBe(m.get('openai:2026-12-01')?.[0]?.effectiveCost);
  });

  it('allocates by project or workspace id, leaves unknown ones unallocated, and splits shared cost by that day’s direct cost', () => {
    // Day 1: checkout 30, search 10 direct → the platform's 8 splits 6 / 2.
    // Day 2: only search has direct cost → the platform's 5 goes to search whole.
    const m = allocateAiCostLines(
      'anthropic',
      [
        line('2026-12-01', 'wrkspc_checkout', 'Anthropic Claude Sonnet 4 Usage - Input Tokens', '30'),
        line('2026-12-01', 'proj_search', 'Anthropic Claude Sonnet 4 Usage - Input Tokens', '10'),
        line('2026-12-01', 'proj_platform', 'Anthropic Claude Sonnet 4 Usage - Output Tokens', '8'),
        line('2026-12-01', null, 'Anthropic Claude Sonnet 4 Usage - Output Tokens', '1.005'),
        line('2026-12-02', 'proj_search', 'Anthropic Claude Sonnet 4 Usage - Input Tokens', '4'),
        line('2026-12-02', 'proj_platform', 'Anthropic Claude Sonnet 4 Usage - Output Tokens', '5'),
      ],
      rules,
    );
    expect(rows(m)).toEqual([
      [
        'anthropic:2026-12-01',
        'checkout',
        'direct',
        'Anthropic Claude Sonnet 4 Usage - Input Tokens',
        'wrkspc_checkout',
        'USD',
        '30',
        1,
      ],
      [
        'anthropic:2026-12-01',
        'search',
        'direct',
        'Anthropic Claude Sonnet 4 Usage - Input Tokens',
        'proj_search',
        'USD',
        '10',
        1,
      ],
      [
        'anthropic:2026-12-01',
        'checkout',
        'shared',
        'Anthropic Claude Sonnet 4 Usage - Output Tokens',
        'proj_platform',
        'USD',
        '6',
        1,
      ],
      [
        'anthropic:2026-12-01',
        'search',
        'shared',
        'Anthropic Claude Sonnet 4 Usage - Output Tokens',
        'proj_platform',
        'USD',
        '2',
        0,
      ],
      [
        'anthropic:2026-12-01',
        null,
        'none',
        'Anthropic Claude Sonnet 4 Usage - Output Tokens',
        null,
        'USD',
        '1.005',
        1,
      ],
      [
        'anthropic:2026-12-02',
        'search',
        'direct',
        'Anthropic Claude Sonnet 4 Usage - Input Tokens',
        'proj_search',
        'USD',
        '4',
        1,
      ],
      [
        'anthropic:2026-12-02',
        'search',
        'shared',
        'Anthropic Claude Sonnet 4 Usage - Output Tokens',
        'proj_platform',
        'USD',
        '5',
        1,
      ],
    ]);
  });
});

describe('retry-after', () => {
  it('reads delay-seconds and HTTP dates against the injected now', () => {
    const now = Date.parse('2026-12-07T06:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Mon, 07 Dec 2026 06:00:20 GMT', now)).toBe(20_000);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});
