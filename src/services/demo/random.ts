/**
 * A small seeded PRNG (mulberry32) with the few draws the demo generator needs.
 * Deterministic on every platform: only 32-bit integer arithmetic, no Math.random, no clock.
 * Each part of the organisation draws from its own stream (`createRng(seed, 'github')`), so a
 * change to how one part is generated does not reshuffle the others.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  float(min: number, max: number): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** Normal draw (Box–Muller). */
  normal(mean: number, sd: number): number;
  /** Log-normal with the given median and spread (sigma of the underlying normal). */
  logNormal(median: number, sigma: number): number;
  /** Poisson draw (Knuth; the demo's rates are small). */
  poisson(lambda: number): number;
  /** `n` characters from `alphabet`. */
  chars(n: number, alphabet: string): string;
  /** `n` lower-case hex digits (a git SHA is 40). */
  hex(n: number): string;
}

/** FNV-1a of a string: turns a stream name into a 32-bit salt. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number, stream = ''): Rng {
  // splitmix32 of seed ⊕ stream salt, so nearby seeds give unrelated streams.
  let z = (Math.trunc(seed) ^ hash32(stream)) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  let state = (z ^ (z >>> 16)) >>> 0;

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    float: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted: (items, weight) => {
      const ws = items.map(weight);
      const total = ws.reduce((a, b) => a + b, 0);
      let r = next() * total;
      for (let i = 0; i < items.length; i++) {
        r -= ws[i] ?? 0;
        if (r < 0) return items[i] as (typeof items)[number];
      }
      return items[items.length - 1] as (typeof items)[number];
    },
    normal: (mean, sd) => {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    logNormal: (median, sigma) => median * Math.exp(rng.normal(0, sigma)),
    poisson: (lambda) => {
      const l = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= next();
      } while (p > l);
      return k - 1;
    },
    chars: (n, alphabet) => {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = alphabet[Math.floor(next() * alphabet.length)] as string;
      return out.join('');
    },
    hex: (n) => {
      let s = '';
      while (s.length < n)
        s += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      return s.slice(0, n);
    },
  };
  return rng;
}
