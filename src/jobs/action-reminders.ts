import { sendActionReminders } from '../services/action-notify.ts';
import { ACTION_ITEM_UI } from '../slack/ids.ts';
import { dayKey } from './period.ts';
import type { JobDefinition } from './types.ts';

/**
 * The action log's daily reminders (config.actions.reminder_schedule, weekdays at 09:00 local by
 * default): a DM to each owner two days before due, on the due day and every three days while
 * overdue — at most one per item per day, never on a weekend even if the schedule fires then —
 * deactivated owners flagged to the creator, and unconfirmed new items' confirmations retried.
 * A failed item fails the run (recorded with counts); its re-run sends only what is missing.
 */
export const actionRemindersJob: JobDefinition = {
  name: 'action-reminders',
  description: 'DM action item owners before due, on the due day and every 3 days while overdue (weekdays)',
  schedule: (config) => config.actions.reminder_schedule,
  periodKey: (at, config) => dayKey(at, config.timezone),
  async run(ctx) {
    const r = await sendActionReminders(ctx.deps, ctx.messenger, ctx.at, {
      ids: ACTION_ITEM_UI,
      dryRun: ctx.dryRun,
    });
    const stats = {
      due: r.planned.length,
      sent: r.sent,
      alreadySent: r.alreadySent,
      ownersGone: r.ownersGone,
      flagged: r.flagged,
      failed: r.failed,
      confirmationsPosted: r.confirmations.posted,
      confirmationsFailed: r.confirmations.failed,
    };
    if (r.weekend) return { stats, summary: `${r.today} is a weekend day: no reminders` };
    if (ctx.dryRun || !ctx.messenger) {
      const list = r.planned.map(
        (p) => `  #${p.itemId} → ${p.ownerId} (${p.reminder.kind}): ${p.message.text}`,
      );
      return {
        stats,
        summary: [
          `${ctx.dryRun ? 'would send' : 'no Slack connection: would send'} ${r.planned.length} reminder(s) on ${r.today}`,
          ...list,
        ].join('\n'),
      };
    }
    const summary =
      `${r.today}: ${r.sent} reminder(s) sent, ${r.alreadySent} already sent, ${r.flagged} deactivated owner(s) flagged, ` +
      `${r.confirmations.posted} confirmation(s) retried` +
      (r.failed > 0 ? `; ${r.failed} failed` : '');
    return {
      stats,
      summary,
      ...(r.failed > 0 || r.confirmations.failed > 0
        ? {
            error: [
              ...r.failures,
              ...(r.confirmations.failed > 0
                ? [`${r.confirmations.failed} confirmation(s) still failing`]
                : []),
            ].join('; '),
          }
        : {}),
    };
  },
};
