/** Rounding for presentation only: values are kept unrounded through the model. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  // Math.round on the scaled value with an epsilon nudge so 1.005 rounds to 1.01 as people expect.
  const r = Math.round((value + Math.sign(value) * Number.EPSILON * Math.abs(value)) * f) / f;
  return Object.is(r, -0) ? 0 : r;
}
export const round2 = (v: number): number => round(v, 2);
export const round1 = (v: number): number => round(v, 1);

/** `$1,234`, `$12.5`; `maxFractionDigits` for amounts whose cents matter (a cost per inference). */
export function formatMoney(value: number, currency: string, maxFractionDigits?: number): string {
  const abs = Math.abs(value);
  const s = abs.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: maxFractionDigits ?? (abs < 100 ? 2 : 0),
  });
  const sym = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : currency === 'GBP' ? '£' : `${currency} `;
  return `${value < 0 ? '−' : ''}${sym}${s}`;
}
