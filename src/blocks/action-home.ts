/**
 * The App Home: my open action items (with their buttons), my team's latest numbers from the
 * newest snapshot (costs and stage mix only, never per person; labour and stage mix only with at
 * least three people; revenue and margin only for finance viewers), and my team's open
 * anomalies. Pure; within the Home tab's 100 blocks whatever the numbers.
 */
import { STAGES, type Stage } from '../config/schema.ts';
import { formatMoney, round1 } from '../lib/money.ts';
import {
  type ActionItemCard,
  type ActionItemUiIds,
  HOME_ITEMS_MAX,
  itemButtons,
  itemLines,
} from './action-items.ts';
import { escapeMrkdwn } from './escape.ts';
import { actions, type Block, context, divider, fields, header, section } from './kit.ts';
import { capBlocks, joinLinesWithin, LIMITS, moreText } from './limits.ts';

export interface HomeProductLine {
  id: string;
  name: string;
  allInCost: number;
  /** null below three people (no breakdown that could point at a person). */
  labour: number | null;
  cloud: number;
  ai: number;
  ci: number;
  /** Share of hours per stage in percent; null below three people. */
  stageShare: Record<Stage, number> | null;
  /** Only filled for finance viewers. */
  revenue?: number | null;
  grossMarginPct?: number | null;
}

export interface HomeAnomaly {
  id: number;
  productName: string;
  service: string;
  firstDay: string;
  lastDay: string;
  impact: number;
  currency: string;
  status: string;
}

export interface ActionHomeView {
  command: string;
  items: ActionItemCard[];
  itemsTotal: number;
  team: { id: string; name: string } | null;
  /** Why there is no team (raw), e.g. how to link oneself in finops.yml. */
  teamNote: string | null;
  numbers: { month: string; currency: string; productLines: HomeProductLine[] } | null;
  showMargin: boolean;
  anomalies: HomeAnomaly[];
  anomaliesTotal: number;
}

/** Product lines shown in full on the Home tab; more are summarised in one line. */
export const HOME_PRODUCT_LINES_MAX = 12;

const pct = (v: number) => `${round1(v).toFixed(1)}%`;

function productLineBlocks(p: HomeProductLine, currency: string, showMargin: boolean): Block[] {
  const money = (v: number) => formatMoney(v, currency);
  const f = [
    `*${escapeMrkdwn(p.name)}*\nall-in ${money(p.allInCost)}`,
    `*Labour*\n${p.labour === null ? '— (fewer than 3 people)' : money(p.labour)}`,
    `*Cloud*\n${money(p.cloud)}`,
    `*AI*\n${money(p.ai)}`,
    `*CI*\n${money(p.ci)}`,
  ];
  if (showMargin) {
    f.push(`*Revenue*\n${p.revenue === null || p.revenue === undefined ? '—' : money(p.revenue)}`);
    f.push(
      `*Gross margin*\n${p.grossMarginPct === null || p.grossMarginPct === undefined ? '—' : pct(p.grossMarginPct)}`,
    );
  }
  const blocks = [fields(f)];
  const share = p.stageShare;
  blocks.push(
    context([
      share
        ? `Stage mix: ${STAGES.map((s) => `${s} ${pct(share[s])}`).join(' · ')}`
        : 'Stage mix not shown: fewer than 3 people worked on it.',
    ]),
  );
  return blocks;
}

export function renderActionHome(v: ActionHomeView, ids: ActionItemUiIds): { type: 'home'; blocks: Block[] } {
  const blocks: Block[] = [header('FinOps review')];

  // My open action items.
  blocks.push(
    section(
      v.itemsTotal === 0
        ? '*Your open action items*\nNothing open. Items you own appear here with Done / Snooze / Reassign buttons.'
        : `*Your open action items* (${v.itemsTotal})`,
    ),
  );
  const shown = v.items.slice(0, HOME_ITEMS_MAX);
  for (const card of shown) {
    blocks.push(section(itemLines(card)));
    blocks.push(actions(itemButtons(card, ids), `action_item_${card.id}`));
  }
  if (v.itemsTotal > shown.length)
    blocks.push(
      context([`${moreText(v.itemsTotal - shown.length, 'items')}: \`${v.command} actions mine\``]),
    );
  blocks.push(divider());

  // My team's latest numbers.
  if (!v.team) {
    blocks.push(section(`*Your team*\n${escapeMrkdwn(v.teamNote ?? 'No team is linked to you.')}`));
  } else if (!v.numbers) {
    blocks.push(
      section(
        `*${escapeMrkdwn(v.team.name)}: latest numbers*\nNo month has been computed yet for this team.`,
      ),
    );
  } else {
    const n = v.numbers;
    blocks.push(section(`*${escapeMrkdwn(v.team.name)}: ${n.month}*`));
    const pls = n.productLines.slice(0, HOME_PRODUCT_LINES_MAX);
    for (const p of pls) blocks.push(...productLineBlocks(p, n.currency, v.showMargin));
    if (n.productLines.length > pls.length)
      blocks.push(
        context([
          `${moreText(n.productLines.length - pls.length, 'product lines')}: \`${v.command} margin\``,
        ]),
      );
    if (n.productLines.length === 0) blocks.push(context(['The team owns no product line in the config.']));
  }
  blocks.push(divider());

  // My team's open anomalies.
  if (v.team) {
    const lines = v.anomalies.map(
      (a) =>
        `• *#${a.id}* ${escapeMrkdwn(a.productName)} · ${escapeMrkdwn(a.service)}: +${formatMoney(a.impact, a.currency)} on ${a.lastDay} (since ${a.firstDay}, ${escapeMrkdwn(a.status)})`,
    );
    const hidden = v.anomaliesTotal - v.anomalies.length;
    blocks.push(
      section(
        v.anomaliesTotal === 0
          ? `*Open anomalies of ${escapeMrkdwn(v.team.name)}*\nNone.`
          : joinLinesWithin(
              [
                `*Open anomalies of ${escapeMrkdwn(v.team.name)}* (${v.anomaliesTotal})`,
                ...lines,
                ...(hidden > 0 ? [`${moreText(hidden, 'anomalies')}: \`${v.command} anomalies open\``] : []),
              ],
              LIMITS.sectionText,
              'anomalies',
            ),
      ),
    );
  }
  blocks.push(context([`\`${v.command} help\` lists every command.`]));
  return {
    type: 'home',
    blocks: capBlocks(blocks, LIMITS.viewBlocks, (hidden) => context([moreText(hidden)])),
  };
}
