/**
 * Cost anomaly detection, exactly as SPEC §7. Pure: rows in, anomalies out; no clock, no I/O.
 *
 * A series is one (product line, service name, billing currency): currencies are never summed.
 * It runs from its first day with a row to the last day of any ingested cost, 0 on days without
 * rows. Day d is judged against the (up to) 14 days of the series before it:
 * - with at least 7 of them: baseline = median, spread = 1.4826 × MAD, and d is anomalous when
 *   `cost − baseline ≥ max(min_impact, baseline × min_increase_pct / 100)` and
 *   `cost > baseline + mad_k × spread`;
 * - with fewer, because the series started after the first day of all ingested cost (a new
 *   service, expected spend 0): anomalous when `cost ≥ min_impact`;
 * - no day within the first 7 days of all ingested cost is anomalous.
 * Consecutive anomalous days form one anomaly; a day that is not anomalous closes it.
 * Purchase, Credit and Adjustment rows and corrections stay out of series and baselines.
 */

/** Charge categories left out of anomaly series and baselines (SPEC §7), compared case-insensitively. */
export const EXCLUDED_CHARGE_CATEGORIES = ['Purchase', 'Credit', 'Adjustment'] as const;
/** Days before d that make its window. */
export const WINDOW_DAYS = 14;
/** Days a window needs for a median baseline; also the length of the no-verdict start of all cost. */
export const MIN_WINDOW_DAYS = 7;
/** Scales the median absolute deviation to a standard deviation for normally distributed data. */
export const MAD_SCALE = 1.4826;
/** How many sub-account × region pairs the root cause lists. */
export const ROOT_CAUSE_PAIRS = 3;
/**
 * Tolerance of the threshold comparisons, in currency units: day totals are sums of decimal
 * amounts held as binary floats, so `150.1 − 100.1 ≥ 50` must not fail on the last bit.
 */
const EPSILON = 1e-9;

export interface AnomalyCostRow {
  /** `YYYY-MM-DD`, the UTC charge day. */
  day: string;
  /** null = unallocated. */
  productLine: string | null;
  service: string;
  currency: string;
  subAccount: string | null;
  region: string | null;
  /** The cost metric (EffectiveCost or BilledCost, never both). */
  cost: number;
  /** FOCUS ChargeCategory; absent = Usage. */
  chargeCategory?: string;
  /** FOCUS ChargeClass = Correction; absent = false. */
  isCorrection?: boolean;
}

export interface AnomalyThresholds {
  /** Currency units per day (config anomalies.min_impact). */
  minImpact: number;
  /** Percent over the baseline (config anomalies.min_increase_pct). */
  minIncreasePct: number;
  /** Spreads above the baseline (config anomalies.mad_k). */
  madK: number;
}

/** First and last day of all ingested cost, every charge category included. */
export interface CostRange {
  firstDay: string;
  lastDay: string;
}

export interface RootCauseEntry {
  subAccount: string | null;
  region: string | null;
  /** The pair's cost on the anomaly's most recent day minus its own expected cost. */
  increase: number;
}

export interface AnomalyDay {
  day: string;
  actual: number;
  expected: number;
  impact: number;
  /** 1.4826 × MAD of the window; 0 under the new-series rule. */
  spread: number;
  /** `baseline`: median of ≥ 7 days; `new-series`: fewer days, expected spend 0. */
  rule: 'baseline' | 'new-series';
}

export interface DetectedAnomaly {
  productLine: string | null;
  service: string;
  currency: string;
  firstDay: string;
  lastDay: string;
  /** actual, expected, impact and impactPct are those of the most recent day (lastDay). */
  actual: number;
  expected: number;
  impact: number;
  /** impact / expected × 100; null when expected ≤ 0 (no meaningful percentage). */
  impactPct: number | null;
  rootCause: RootCauseEntry[];
  /** Every anomalous day, oldest first. */
  days: AnomalyDay[];
}

export function isExcludedFromAnomalies(chargeCategory: string | undefined, isCorrection = false): boolean {
  if (isCorrection) return true;
  if (chargeCategory === undefined) return false;
  const c = chargeCategory.toLowerCase();
  return c === 'purchase' || c === 'credit' || c === 'adjustment';
}

const MS_PER_DAY = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` day; throws on anything else. */
export function epochDay(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`expected a day YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`expected a day YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  return t / MS_PER_DAY;
}

export function dayFromEpoch(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

interface Series {
  productLine: string | null;
  service: string;
  currency: string;
  /** Index (into the global day range) of the series' first day with a row. */
  start: number;
  values: Float64Array;
  /**
   * subAccount → region → daily values. While a series has a single pair, that pair's values
   * are the series' own array (most series have one pair: half the memory); the second pair
   * gives the first one a copy of its own.
   */
  pairs: Map<string | null, Map<string | null, Float64Array>>;
  pairCount: number;
}

/**
 * Every anomaly in `rows`, ordered by first day, then product line (unallocated last), service
 * and currency. `range` is the span of all ingested cost; give it when `rows` were filtered
 * before (for instance excluded categories left out in SQL), otherwise it is taken from `rows`.
 */
export function detectCostAnomalies(
  rows: Iterable<AnomalyCostRow>,
  thresholds: AnomalyThresholds,
  range?: CostRange,
): DetectedAnomaly[] {
  const list = Array.isArray(rows) ? (rows as AnomalyCostRow[]) : [...rows];
  const bounds = range ?? rangeOf(list);
  if (bounds === null) return [];
  const first = epochDay(bounds.firstDay);
  const last = epochDay(bounds.lastDay);
  if (last < first)
    throw new RangeError(`cost range ends (${bounds.lastDay}) before it starts (${bounds.firstDay})`);
  const series = groupSeries(list, first, last - first + 1);
  const out: DetectedAnomaly[] = [];
  for (const s of series) detectInSeries(s, first, thresholds, out);
  return out.sort(compareAnomalies);
}

function rangeOf(rows: readonly AnomalyCostRow[]): CostRange | null {
  let min: string | undefined;
  let max: string | undefined;
  for (const r of rows) {
    if (min === undefined || r.day < min) min = r.day;
    if (max === undefined || r.day > max) max = r.day;
  }
  return min === undefined || max === undefined ? null : { firstDay: min, lastDay: max };
}

function groupSeries(rows: readonly AnomalyCostRow[], first: number, length: number): Series[] {
  const byLine = new Map<string | null, Map<string, Map<string, Series>>>();
  const all: Series[] = [];
  const dayIndex = new Map<string, number>();
  const pool = arrayPool(length);
  // Rows usually arrive ordered by series and pair: remembering the last row's series and pair
  // skips the map lookups for most rows.
  let prev: AnomalyCostRow | undefined;
  let prevSeries: Series | undefined;
  let prevPair: Float64Array | undefined;
  // An index loop: for…of allocated an iterator result per row here (tens of MB per million rows).
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as AnomalyCostRow;
    if (isExcludedFromAnomalies(r.chargeCategory, r.isCorrection)) continue;
    if (!Number.isFinite(r.cost)) {
      throw new RangeError(`cost row on ${r.day} for ${r.service} has no finite cost (${r.cost})`);
    }
    let i = dayIndex.get(r.day);
    if (i === undefined) {
      i = epochDay(r.day) - first;
      if (i < 0 || i >= length) {
        throw new RangeError(`cost row on ${r.day} lies outside the ingested cost range`);
      }
      dayIndex.set(r.day, i);
    }
    let s: Series;
    let pair: Float64Array;
    if (
      prev !== undefined &&
      prevSeries !== undefined &&
      prevPair !== undefined &&
      prev.productLine === r.productLine &&
      prev.service === r.service &&
      prev.currency === r.currency
    ) {
      s = prevSeries;
      pair =
        prev.subAccount === r.subAccount && prev.region === r.region
          ? prevPair
          : pairOf(s, r.subAccount, r.region, pool);
    } else {
      const byService = getOrCreate(byLine, r.productLine, () => new Map<string, Map<string, Series>>());
      const byCurrency = getOrCreate(byService, r.service, () => new Map<string, Series>());
      let found = byCurrency.get(r.currency);
      if (!found) {
        found = {
          productLine: r.productLine,
          service: r.service,
          currency: r.currency,
          start: i,
          values: pool(),
          pairs: new Map(),
          pairCount: 0,
        };
        byCurrency.set(r.currency, found);
        all.push(found);
      }
      s = found;
      pair = pairOf(s, r.subAccount, r.region, pool);
    }
    prev = r;
    prevSeries = s;
    prevPair = pair;
    if (i < s.start) s.start = i;
    // Sums are rounded to 1e-8 so the binary noise of adding decimal amounts (0.1 + 0.2) never
    // reaches the threshold comparisons; a single amount is kept exactly as given. (Written out
    // here rather than in a helper: this loop runs once per row.)
    const cost = r.cost;
    const sum = s.values[i] as number;
    s.values[i] = sum === 0 ? cost : Math.round((sum + cost) * 1e8) / 1e8;
    if (pair !== s.values) {
      const p = pair[i] as number;
      pair[i] = p === 0 ? cost : Math.round((p + cost) * 1e8) / 1e8;
    }
  }
  return all;
}

function pairOf(
  s: Series,
  subAccount: string | null,
  region: string | null,
  pool: () => Float64Array,
): Float64Array {
  const byRegion = getOrCreate(s.pairs, subAccount, () => new Map<string | null, Float64Array>());
  let values = byRegion.get(region);
  if (values === undefined) {
    if (s.pairCount === 1) {
      // the first pair stops sharing the series' array: until now it held all of its cost
      for (const regions of s.pairs.values()) {
        for (const [reg, shared] of regions) {
          if (shared !== s.values) continue;
          const own = pool();
          own.set(shared);
          regions.set(reg, own);
        }
      }
    }
    values = s.pairCount === 0 ? s.values : pool();
    byRegion.set(region, values);
    s.pairCount++;
  }
  return values;
}

/**
 * Day arrays carved from large shared buffers: thousands of series over years of days would
 * otherwise be thousands of separate allocations, and the collector's work with them.
 */
function arrayPool(length: number): () => Float64Array {
  const perChunk = Math.max(1, Math.floor(1_048_576 / length));
  let chunk = new Float64Array(0);
  let used = perChunk;
  return () => {
    if (used === perChunk) {
      chunk = new Float64Array(perChunk * length);
      used = 0;
    }
    used++;
    return chunk.subarray((used - 1) * length, used * length);
  };
}

function detectInSeries(s: Series, first: number, t: AnomalyThresholds, out: DetectedAnomaly[]): void {
  const v = s.values;
  const n = v.length;
  // The window as a sorted array, slid one day at a time: the median is then a lookup.
  const win = new Float64Array(WINDOW_DAYS);
  const dev = new Float64Array(WINDOW_DAYS);
  let w = 0;
  let current: DetectedAnomaly | undefined;
  let currentLast = -1;
  const before = out.length;
  for (let i = s.start; i < n; i++) {
    const cost = v[i] as number;
    let day: AnomalyDay | undefined;
    // No verdict within the first 7 days of all ingested cost.
    if (i >= MIN_WINDOW_DAYS) {
      if (w >= MIN_WINDOW_DAYS) {
        // The median written out: this runs once per series day, and a helper returning a
        // double would box it on every call.
        const mid = w >> 1;
        const baseline =
          w % 2 === 1 ? (win[mid] as number) : ((win[mid - 1] as number) + (win[mid] as number)) / 2;
        const impact = cost - baseline;
        if (impact >= Math.max(t.minImpact, (baseline * t.minIncreasePct) / 100) - EPSILON) {
          for (let k = 0; k < w; k++) dev[k] = Math.abs((win[k] as number) - baseline);
          sortInPlace(dev, w);
          const spread = MAD_SCALE * sortedMedian(dev, w);
          if (cost - (baseline + t.madK * spread) > EPSILON) {
            day = { day: '', actual: cost, expected: baseline, impact, spread, rule: 'baseline' };
          }
        }
      } else if (cost >= t.minImpact - EPSILON) {
        // Fewer than 7 days of window past the first 7 days of all cost: the series began later.
        day = { day: '', actual: cost, expected: 0, impact: cost, spread: 0, rule: 'new-series' };
      }
    }
    if (day) {
      day.day = dayFromEpoch(first + i);
      if (current && currentLast === i - 1) {
        current.days.push(day);
      } else {
        current = newAnomaly(s, day);
        out.push(current);
      }
      currentLast = i;
      finishDay(current, day);
    }
    // Slide to day i + 1's window (days i − 13 … i): day i − 14 leaves, day i joins.
    const leaving = i - WINDOW_DAYS;
    if (leaving >= s.start) w = removeSorted(win, w, v, leaving);
    w = insertSorted(win, w, v, i);
  }
  for (const a of out.slice(before)) {
    const lastDay = a.days[a.days.length - 1] as AnomalyDay;
    a.rootCause = rootCause(s, epochDay(a.lastDay) - first, lastDay.rule);
  }
}

function newAnomaly(s: Series, day: AnomalyDay): DetectedAnomaly {
  return {
    productLine: s.productLine,
    service: s.service,
    currency: s.currency,
    firstDay: day.day,
    lastDay: day.day,
    actual: 0,
    expected: 0,
    impact: 0,
    impactPct: null,
    rootCause: [],
    days: [day],
  };
}

/** The anomaly now ends on `day`: its figures are that day's. */
function finishDay(a: DetectedAnomaly, day: AnomalyDay): void {
  a.lastDay = day.day;
  a.actual = day.actual;
  a.expected = day.expected;
  a.impact = day.impact;
  a.impactPct = day.expected > 0 ? (day.impact / day.expected) * 100 : null;
}

/**
 * The pairs with the largest increase on day i over their own median of the same window; under
 * the new-series rule each pair's expected spend is 0, like the series'. Only increases count.
 */
function rootCause(s: Series, i: number, rule: AnomalyDay['rule']): RootCauseEntry[] {
  const from = Math.max(s.start, i - WINDOW_DAYS);
  const w = i - from;
  const scratch = new Float64Array(Math.max(w, 1));
  const found: RootCauseEntry[] = [];
  for (const [subAccount, byRegion] of s.pairs) {
    for (const [region, p] of byRegion) {
      let expected = 0;
      if (rule === 'baseline') {
        for (let k = 0; k < w; k++) scratch[k] = p[from + k] as number;
        sortInPlace(scratch, w);
        expected = sortedMedian(scratch, w);
      }
      const increase = (p[i] as number) - expected;
      if (increase > EPSILON) found.push({ subAccount, region, increase });
    }
  }
  found.sort(
    (a, b) =>
      b.increase - a.increase ||
      compareNullable(a.subAccount, b.subAccount) ||
      compareNullable(a.region, b.region),
  );
  return found.slice(0, ROOT_CAUSE_PAIRS);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function sortedMedian(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 === 1 ? (a[mid] as number) : ((a[mid - 1] as number) + (a[mid] as number)) / 2;
}

/** Insertion sort of the first n values: n ≤ 14, where it beats the generic sort. */
function sortInPlace(a: Float64Array, n: number): void {
  for (let k = 1; k < n; k++) {
    const x = a[k] as number;
    let j = k - 1;
    while (j >= 0 && (a[j] as number) > x) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Inserts values[at] into the sorted first n of a (indexes, not values, to keep doubles unboxed). */
function insertSorted(a: Float64Array, n: number, values: Float64Array, at: number): number {
  const x = values[at] as number;
  let j = n - 1;
  while (j >= 0 && (a[j] as number) > x) {
    a[j + 1] = a[j] as number;
    j--;
  }
  a[j + 1] = x;
  return n + 1;
}

function removeSorted(a: Float64Array, n: number, values: Float64Array, at: number): number {
  const x = values[at] as number;
  let k = 0;
  while (k < n && a[k] !== x) k++;
  if (k === n) throw new Error('value not in window');
  for (; k < n - 1; k++) a[k] = a[k + 1] as number;
  return n - 1;
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function compareAnomalies(a: DetectedAnomaly, b: DetectedAnomaly): number {
  return (
    (a.firstDay < b.firstDay ? -1 : a.firstDay > b.firstDay ? 1 : 0) ||
    compareNullable(a.productLine, b.productLine) ||
    (a.service < b.service ? -1 : a.service > b.service ? 1 : 0) ||
    (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0)
  );
}
