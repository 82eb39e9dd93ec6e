/**
 * Forecast against actual (issue 13.3): the mid-month alert to a team's channel when a product
 * line's month-end forecast of cloud + AI cost exceeds last month by more than
 * `forecast.alert_pct`, and the accuracy lines the next review shows. Pure; product and service
 * names are escaped.
 */
import { addMonths } from '../lib/dates.ts';
import { formatMoney, round1 } from '../lib/money.ts';
import type { ForecastChange, ForecastDriver, ForecastFigures } from '../model/forecast.ts';
import { escapeMrkdwn } from './escape.ts';
import { type Block, context, fields, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin, LIMITS, truncateText } from './limits.ts';
import { changeText, monthName } from './review.ts';

export interface ForecastAlertView {
  month: string;
  productLine: { id: string; name: string };
  currency: string;
  costMetric: string;
  figures: ForecastFigures;
  /** Last month's actual cloud + AI cost. */
  lastMonth: number;
  change: ForecastChange;
  alertPct: number;
  drivers: readonly ForecastDriver[];
  /** Why the alert is not in the owning team's channel. */
  routingNote: string | null;
}

const pct = (v: number) => `${round1(v).toFixed(1)}%`;

export function renderForecastAlert(v: ForecastAlertView): RenderedMessage {
  const c = v.currency;
  const f = v.figures;
  const name = escapeMrkdwn(v.productLine.name);
  const prior = monthName(addMonths(v.month, -1));
  const title = `Cost forecast — ${v.productLine.name}, ${monthName(v.month)}`;
  const change = changeText(v.change.change, v.change.changePct, c);
  const blocks: Block[] = [
    header(title),
    section(
      `*${name}* is heading for *${formatMoney(f.forecast, c)}* of cloud + AI cost in ${monthName(v.month)}, ${change} on ${prior} (${formatMoney(v.lastMonth, c)}) — more than the ${pct(v.alertPct)} alert threshold.`,
    ),
    fields([
      `*Forecast*\n${formatMoney(f.forecast, c)}`,
      `*${escapeMrkdwn(prior)}*\n${formatMoney(v.lastMonth, c)}`,
      `*Change*\n${change}`,
      `*Month to date*\n${formatMoney(f.monthToDate, c)} (${f.daysElapsed} days, through ${f.through})`,
      `*Median daily cost*\n${formatMoney(f.medianDaily, c)} (${f.windowFrom} to ${f.through})`,
      `*Days left*\n${f.daysLeft}`,
    ]),
  ];
  const drivers = v.drivers.map(
    (d) =>
      `• ${escapeMrkdwn(d.service)}: forecast ${formatMoney(d.forecast, c)} vs ${formatMoney(d.lastMonth, c)} (${changeText(d.change, null, c)})`,
  );
  blocks.push(
    section(
      drivers.length > 0
        ? joinLinesWithin(
            [`*What drives it* (services with the largest increase):`, ...drivers],
            LIMITS.sectionText,
            'services',
          )
        : '*What drives it:* no single service grows; the increase is spread across services.',
    ),
  );
  const notes = [
    `Forecast = month to date + median daily cost of the 28 days to ${f.through} × ${f.daysLeft} days left · ${escapeMrkdwn(v.costMetric)}, ${escapeMrkdwn(c)} · the next review shows how the month landed against it`,
  ];
  if (v.routingNote) notes.unshift(escapeMrkdwn(v.routingNote));
  blocks.push(context(notes));
  const text = `Cost forecast: ${name} is heading for ${formatMoney(f.forecast, c)} in ${monthName(v.month)}, ${change} on ${prior} (${formatMoney(v.lastMonth, c)}).`;
  return { text: truncateText(text, LIMITS.recommendedText), blocks };
}
