import { toReportJson } from './report-json.ts';
import type { SnapshotData } from './types.ts';

/** One reported number that differs between two snapshots of a month, as printed (rounded). */
export interface SnapshotChange {
  /** `checkout.hours.review`, `unallocated.cloudCost`, `coverage.hoursAllocatedPct`… */
  path: string;
  before: number | string | null;
  after: number | string | null;
}

/**
 * What a rebuild changed, field by field on the SPEC §9 figures (rounded as printed, so float
 * noise is not a change). Product lines added or removed by a config change show as a change
 * from or to `null`.
 */
export function diffSnapshots(before: SnapshotData, after: SnapshotData): SnapshotChange[] {
  const flat = (s: SnapshotData) => {
    const out = new Map<string, number | string | null>();
    const json = toReportJson(s);
    const walk = (prefix: string, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
      } else if (Array.isArray(v)) {
        out.set(prefix, v.join(','));
      } else {
        out.set(prefix, v as number | string | null);
      }
    };
    for (const p of json.productLines) walk(p.id, { ...p, id: undefined });
    walk('unallocated', json.unallocated);
    walk('coverage', json.coverage);
    out.set('modelVersion', json.modelVersion);
    out.set('configHash', json.configHash);
    for (const [k, v] of [...out]) if (v === undefined) out.delete(k);
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  const changes: SnapshotChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.has(path) ? a.get(path)! : null;
    const y = b.has(path) ? b.get(path)! : null;
    if (x !== y) changes.push({ path, before: x, after: y });
  }
  return changes;
}
