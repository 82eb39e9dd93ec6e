/**
 * The `/finops help` answer and the usage shown after a command the parser did not understand.
 */
import { escapeMrkdwn } from './escape.ts';
import { type Block, context, header, type RenderedMessage, section } from './kit.ts';
import { joinLinesWithin } from './limits.ts';

export interface UsageEntry {
  /** `margin [PRODUCT] [YYYY-MM]` (without the command name). */
  usage: string;
  summary: string;
}

export interface HelpView {
  /** The slash command, `/finops`. */
  command: string;
  entries: readonly UsageEntry[];
  /** What was wrong with the text the user typed (their words, escaped here). */
  problem?: { message: string; didYouMean?: string | undefined } | undefined;
}

export function renderHelp(view: HelpView): RenderedMessage {
  const usageLines = view.entries.map(
    (e) => `\`${escapeMrkdwn(`${view.command} ${e.usage}`)}\` — ${escapeMrkdwn(e.summary)}`,
  );
  const blocks = [];
  let text: string;
  if (view.problem) {
    const dym = view.problem.didYouMean
      ? ` Did you mean \`${escapeMrkdwn(`${view.command} ${view.problem.didYouMean}`)}\`?`
      : '';
    const problem = `${escapeMrkdwn(view.problem.message)}.${dym}`;
    blocks.push(section(`:warning: ${problem}`));
    text = `${view.problem.message}.${view.problem.didYouMean ? ` Did you mean "${view.command} ${view.problem.didYouMean}"?` : ''}`;
  } else {
    blocks.push(header(`${view.command} — the monthly FinOps review on demand`));
    text = `Usage of ${view.command}`;
  }
  blocks.push(section(joinLinesWithin(usageLines, undefined, 'commands')));
  blocks.push(
    context([
      'PRODUCT is a product line id or name (any case); YYYY-MM defaults to the last closed month. ' +
        'Answers are visible only to you until you share them.',
    ]),
  );
  return { text: `${text} — ${view.entries.map((e) => e.usage.split(' ')[0]).join(', ')}`, blocks };
}

/** The App Home until the action log fills it: what the bot does and its commands. */
export function renderHelpHome(view: HelpView): { type: 'home'; blocks: Block[] } {
  return {
    type: 'home',
    blocks: [
      header('FinOps review'),
      section(
        'Each month this bot posts the cost review: labour, cloud, AI and CI cost per product line, ' +
          'gross margin and its drift, anomalies, and the action log.',
      ),
      ...renderHelp({ command: view.command, entries: view.entries }).blocks.slice(1),
    ],
  };
}
