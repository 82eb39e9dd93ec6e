import { describe, expect, it } from 'vitest';
import { renderMarginWaterfall, renderStageMixChart, type StageMixPoint } from '../../src/charts/render.ts';
import { STAGES } from '../../src/config/schema.ts';

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('charts', () => {
  it('renders the stage mix of 6 months × 2 groups to a 900 px PNG with no browser or network', async () => {
    const points: StageMixPoint[] = [];
    for (const group of ['Organisation', 'Checkout']) {
      for (const month of ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']) {
        STAGES.forEach((stage, i) => {
          points.push({ month, group, stage, sharePct: 10 + i });
        });
      }
    }
    const size = pngSize(await renderStageMixChart(points, 'Stage mix'));
    expect(size.width).toBe(900);
    expect(size.height).toBeGreaterThan(150);
  });

  it('renders the margin waterfall to an 800 px PNG, also for a negative margin', async () => {
    const png = await renderMarginWaterfall(
      'Sep',
      4.2,
      [
        { label: 'AI', valuePp: -9.5 },
        { label: 'cloud', valuePp: 0.4 },
      ],
      'Oct',
      'drift',
    );
    expect(pngSize(png).width).toBe(800);
  });
});
