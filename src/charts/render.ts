import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { Stage } from '../config/schema.ts';

/**
 * Charts for the review thread, rendered to PNG without a browser or network: Vega-Lite →
 * Vega → SVG (renderer 'none', no canvas) → PNG with resvg, using the font shipped in
 * assets/fonts so labels look the same on every machine.
 */
const FONT = path.join(packageRoot(), 'assets/fonts/DejaVuSans.ttf');

/** The directory of package.json above this module: the same from src/ (tsx) and dist/src/ (compiled). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

const STAGE_COLORS: Record<Stage, string> = {
  authoring: '#4c78a8',
  review: '#f58518',
  qa: '#54a24b',
  deploy: '#b279a2',
  incident: '#e45756',
  rework: '#9d755d',
};

export interface StageMixPoint {
  /** The x-axis group, e.g. `2026-10`. */
  month: string;
  /** The facet: a product line name, or `Organisation`. */
  group: string;
  stage: Stage;
  /** Percent of the group's hours that month. */
  sharePct: number;
}

export interface WaterfallStep {
  label: string;
  /** Points of margin contributed (positive raises margin). */
  valuePp: number;
}

export async function renderSvgToPng(svg: string, width = 900): Promise<Buffer> {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { fontFiles: [FONT], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}

async function vegaLiteToSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const baseConfig = {
  font: 'DejaVu Sans',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

/** Stacked 100 % bars of stage shares per month, one small chart per group. */
export async function renderStageMixChart(points: StageMixPoint[], title: string): Promise<Buffer> {
  const stages = Object.keys(STAGE_COLORS) as Stage[];
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    data: { values: points.map((p) => ({ ...p, order: stages.indexOf(p.stage) })) },
    facet: { field: 'group', type: 'nominal', title: null, sort: [...new Set(points.map((p) => p.group))] },
    columns: 3,
    spec: {
      width: 220,
      height: 140,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: null, axis: { labelAngle: -40 } },
        y: {
          field: 'sharePct',
          type: 'quantitative',
          stack: 'normalize',
          title: 'share of hours',
          axis: { format: '%' },
        },
        color: {
          field: 'stage',
          type: 'nominal',
          scale: { domain: stages, range: stages.map((s) => STAGE_COLORS[s]) },
          title: 'stage',
        },
        order: { field: 'order', type: 'quantitative' },
      },
    },
    config: baseConfig,
  };
  return renderSvgToPng(await vegaLiteToSvg(spec), 900);
}

/** Margin drift as a waterfall: prior margin, one bar per driver, this month's margin. */
export async function renderMarginWaterfall(
  startLabel: string,
  startPct: number,
  steps: WaterfallStep[],
  endLabel: string,
  title: string,
): Promise<Buffer> {
  const rows: Array<{ label: string; from: number; to: number; kind: string; order: number }> = [];
  rows.push({ label: startLabel, from: 0, to: startPct, kind: 'total', order: 0 });
  let level = startPct;
  steps.forEach((s, i) => {
    rows.push({
      label: s.label,
      from: level,
      to: level + s.valuePp,
      kind: s.valuePp >= 0 ? 'up' : 'down',
      order: i + 1,
    });
    level += s.valuePp;
  });
  rows.push({ label: endLabel, from: 0, to: level, kind: 'total', order: steps.length + 1 });
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    width: 640,
    height: 260,
    data: { values: rows },
    // Drift is a few points on a margin of tens: zoom on the range that moves, clipping the totals.
    mark: { type: 'bar', clip: true },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        sort: { field: 'order' },
        title: null,
        axis: { labelAngle: -30 },
      },
      y: {
        field: 'from',
        type: 'quantitative',
        title: 'gross margin, %',
        scale: { domain: waterfallDomain(rows), nice: true },
      },
      y2: { field: 'to' },
      color: {
        field: 'kind',
        type: 'nominal',
        scale: { domain: ['total', 'up', 'down'], range: ['#4c78a8', '#54a24b', '#e45756'] },
        legend: null,
      },
    },
    config: baseConfig,
  };
  return renderSvgToPng(await vegaLiteToSvg(spec), 800);
}

function waterfallDomain(rows: Array<{ from: number; to: number; kind: string }>): [number, number] {
  const levels = rows.flatMap((r) => (r.kind === 'total' ? [r.to] : [r.from, r.to]));
  const lo = Math.min(...levels);
  const hi = Math.max(...levels);
  const pad = Math.max(1, (hi - lo) * 0.5);
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}
