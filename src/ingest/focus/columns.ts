/**
 * The FOCUS columns the cost ingestion reads, with the names each one goes by in FOCUS 1.0–1.2,
 * the older 1.0-preview exports and 1.3 (ServiceProviderName). Pure: header names in, a plan of
 * which file column feeds which field out.
 */

export const FOCUS_FIELDS = [
  'billedCost',
  'effectiveCost',
  'billingCurrency',
  'billingPeriodStart',
  'chargePeriodStart',
  'chargeCategory',
  'chargeClass',
  'chargeSubcategory',
  'serviceName',
  'serviceCategory',
  'provider',
  'billingAccountId',
  'subAccountId',
  'region',
  'pricingCategory',
  'commitmentStatus',
  'tags',
] as const;
export type FocusField = (typeof FOCUS_FIELDS)[number];

/**
 * File column names per field, most specific first. Where several are present the first non-null
 * value wins: `ServiceProviderName` (1.3) before `ProviderName` (1.0–1.2); `RegionId` (1.0) before
 * the 1.0-preview `Region`, then `RegionName` (Oracle writes only the name).
 */
export const FIELD_COLUMNS: Record<FocusField, readonly string[]> = {
  billedCost: ['BilledCost'],
  effectiveCost: ['EffectiveCost'],
  billingCurrency: ['BillingCurrency'],
  billingPeriodStart: ['BillingPeriodStart'],
  chargePeriodStart: ['ChargePeriodStart'],
  chargeCategory: ['ChargeCategory'],
  chargeClass: ['ChargeClass'],
  // 1.0-preview only: carries "Used Commitment" / "Unused Commitment" where 1.0 has CommitmentDiscountStatus.
  chargeSubcategory: ['ChargeSubcategory'],
  serviceName: ['ServiceName'],
  serviceCategory: ['ServiceCategory'],
  provider: ['ServiceProviderName', 'ProviderName'],
  billingAccountId: ['BillingAccountId'],
  subAccountId: ['SubAccountId'],
  region: ['RegionId', 'Region', 'RegionName'],
  pricingCategory: ['PricingCategory'],
  commitmentStatus: ['CommitmentDiscountStatus'],
  tags: ['Tags'],
};

/** Fields without which a file is not a FOCUS cost export. Every other field may be absent. */
export const REQUIRED_FIELDS: readonly FocusField[] = [
  'billedCost',
  'effectiveCost',
  'billingCurrency',
  'billingPeriodStart',
  'chargePeriodStart',
  'chargeCategory',
  'serviceName',
  'serviceCategory',
  'provider',
];

/** Fields whose value must parse as a decimal number. */
export const NUMBER_FIELDS = ['billedCost', 'effectiveCost'] as const;
/** Fields whose value must parse as a timestamp (read as UTC). */
export const DATE_FIELDS = ['chargePeriodStart', 'billingPeriodStart'] as const;
/** Fields a row cannot be placed without: an empty value rejects the file. */
export const NOT_NULL_FIELDS = [
  'chargePeriodStart',
  'billingPeriodStart',
  'billingCurrency',
  'chargeCategory',
  'provider',
] as const;

export interface ColumnPlan {
  /** For each field present, the positions of its source columns in the header, most specific first. */
  fields: Partial<Record<FocusField, Array<{ index: number; name: string }>>>;
  /** Required fields with no column, named by their FOCUS 1.0 column. */
  missing: string[];
}

/** Matches header names to fields, case-insensitively (Athena lower-cases every name) and ignoring surrounding spaces. */
export function planColumns(header: readonly string[]): ColumnPlan {
  const byName = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (!byName.has(k)) byName.set(k, i);
  });
  const fields: ColumnPlan['fields'] = {};
  const missing: string[] = [];
  for (const field of FOCUS_FIELDS) {
    const found: Array<{ index: number; name: string }> = [];
    for (const name of FIELD_COLUMNS[field]) {
      const index = byName.get(name.toLowerCase());
      if (index !== undefined) found.push({ index, name: header[index]?.trim() ?? name });
    }
    if (found.length > 0) fields[field] = found;
    else if (REQUIRED_FIELDS.includes(field)) missing.push(FIELD_COLUMNS[field].at(-1) ?? field);
  }
  return { fields, missing };
}

/** The column name a field is reported under in error messages: the file's own spelling when present. */
export function fieldLabel(plan: ColumnPlan, field: FocusField): string {
  const cols = plan.fields[field];
  if (!cols || cols.length === 0) return FIELD_COLUMNS[field].at(-1) ?? field;
  return cols.map((c) => c.name).join('/');
}
