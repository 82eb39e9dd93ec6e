/**
 * Who may do what on Slack, as one pure function over one table: surface × role × resource →
 * allow or deny, with the reason a refused person reads. Every command, button, view, shortcut and
 * the App Home is a row of SURFACES (typed on ids.ts, so a new id does not compile without a row,
 * and a test walks every row with every role through signed requests). src/slack/access.ts
 * gathers the facts (admin? finance viewer? — user-group lookups are I/O) and calls `decide`;
 * nothing else decides.
 *
 * docs/security.md shows this table in prose; keep the two together.
 */
import type { CommandName } from '../commands/parser.ts';
import { ACTION_IDS, CALLBACK_IDS } from './ids.ts';

/**
 * What a surface does, as far as authorization cares:
 * - `read`: anyone in the workspace (costs, stage mix, anomalies, the action log, help);
 * - `read-figures`: anyone, but revenue, gross margin and unit cost only for finance viewers
 *   (ask with the `finance-figures` resource; a refusal there means "show the costs only");
 * - `create-action-item`: anyone may raise an item (they become its creator);
 * - `change-action-item`: the item's owner, its creator or an admin;
 * - `triage-anomaly`: anyone who sees the alert (it is posted to the owning team's channel);
 * - `share-answer`: only the person the ephemeral answer was for;
 * - `sync`, `rebuild`: admins only (`rebuild` is CLI-only today: no Slack surface offers it);
 * - `reserved`: an id named in ids.ts that no payload carries and no listener answers yet (the
 *   info modal has no submit button; the generic Previous / Next are for lists to come): a forged
 *   request is refused at once instead of hanging until Slack's 3 s timeout.
 */
export const OPERATIONS = [
  'read',
  'read-figures',
  'create-action-item',
  'change-action-item',
  'triage-anomaly',
  'share-answer',
  'sync',
  'rebuild',
  'reserved',
] as const;
export type Operation = (typeof OPERATIONS)[number];

type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
type CallbackId = (typeof CALLBACK_IDS)[keyof typeof CALLBACK_IDS];

/** Every way in: `command:<subcommand>`, `action:<action_id>`, `view:<callback_id>`, `shortcut:<callback_id>`, `home`. */
export type SurfaceKey =
  | `command:${CommandName}`
  | `action:${ActionId}`
  | `view:${Exclude<CallbackId, typeof CALLBACK_IDS.logAsActionShortcut>}`
  | `shortcut:${typeof CALLBACK_IDS.logAsActionShortcut}`
  | 'home';

/** The table: one row per surface. `Record` over the key union: a missing row does not compile. */
export const SURFACES: Readonly<Record<SurfaceKey, Operation>> = {
  'command:help': 'read',
  'command:margin': 'read-figures',
  'command:stages': 'read',
  'command:actions': 'read',
  'command:action-add': 'create-action-item',
  'command:anomalies': 'read',
  'command:kpis': 'read',
  'command:sync': 'sync',
  [`action:${ACTION_IDS.shareAnswer}` as const]: 'share-answer',
  [`action:${ACTION_IDS.actionItemAdd}` as const]: 'create-action-item',
  [`action:${ACTION_IDS.actionItemDone}` as const]: 'change-action-item',
  [`action:${ACTION_IDS.actionItemReopen}` as const]: 'change-action-item',
  [`action:${ACTION_IDS.actionItemSnooze}` as const]: 'change-action-item',
  [`action:${ACTION_IDS.actionItemReassign}` as const]: 'change-action-item',
  [`action:${ACTION_IDS.actionItemNote}` as const]: 'change-action-item',
  [`action:${ACTION_IDS.anomalyAcknowledge}` as const]: 'triage-anomaly',
  [`action:${ACTION_IDS.anomalyExpected}` as const]: 'triage-anomaly',
  [`action:${ACTION_IDS.anomalyResolve}` as const]: 'triage-anomaly',
  [`action:${ACTION_IDS.anomalyToAction}` as const]: 'create-action-item',
  [`action:${ACTION_IDS.allocationToAction}` as const]: 'create-action-item',
  [`action:${ACTION_IDS.actionItemsPage}` as const]: 'read',
  [`action:${ACTION_IDS.pageNext}` as const]: 'reserved',
  [`action:${ACTION_IDS.pagePrevious}` as const]: 'reserved',
  [`shortcut:${CALLBACK_IDS.logAsActionShortcut}` as const]: 'create-action-item',
  [`view:${CALLBACK_IDS.actionItemModal}` as const]: 'create-action-item',
  [`view:${CALLBACK_IDS.actionItemSnoozeModal}` as const]: 'change-action-item',
  [`view:${CALLBACK_IDS.actionItemReassignModal}` as const]: 'change-action-item',
  [`view:${CALLBACK_IDS.actionItemNoteModal}` as const]: 'change-action-item',
  [`view:${CALLBACK_IDS.infoModal}` as const]: 'reserved',
  [`view:${CALLBACK_IDS.anomalyResolveModal}` as const]: 'triage-anomaly',
  home: 'read-figures',
};

/** The facts about the person acting (gathered by access.ts; only the ones the rule needs). */
export interface Actor {
  userId: string;
  admin: boolean;
  financeViewer: boolean;
}

/** What the surface acts on, when the rule depends on it. */
export type Resource =
  | { kind: 'none' }
  /** Revenue, gross margin, unit cost. */
  | { kind: 'finance-figures' }
  | { kind: 'action-item'; id: number; ownerId: string; creatorId: string }
  | { kind: 'shared-answer'; askedBy: string };

export type Decision = { allow: true; reason: string } | { allow: false; reason: string };

const NONE: Resource = { kind: 'none' };

/** Which facts `decide` needs for this operation and resource (so a lookup is made only when it matters). */
export function factsNeeded(
  operation: Operation,
  resource: Resource,
): { admin: boolean; financeViewer: boolean } {
  return {
    admin: operation === 'sync' || operation === 'rebuild' || resource.kind === 'action-item',
    financeViewer: resource.kind === 'finance-figures',
  };
}

/** The rule of one operation, on a resource. Pure: the same facts always give the same answer. */
export function decideOperation(operation: Operation, actor: Actor, resource: Resource = NONE): Decision {
  const allow = (reason: string): Decision => ({ allow: true, reason });
  const deny = (reason: string): Decision => ({ allow: false, reason });
  // Finance figures are their own question, whatever the surface showing them.
  if (resource.kind === 'finance-figures') {
    return actor.financeViewer
      ? allow('a finance viewer (access.finance_viewers)')
      : deny(
          'revenue, gross margin and unit cost are shown to finance viewers only (access.finance_viewers)',
        );
  }
  switch (operation) {
    case 'read':
    case 'read-figures':
    case 'triage-anomaly':
    case 'create-action-item':
      return allow('open to everyone in the workspace');
    case 'sync':
      return actor.admin
        ? allow('a FinOps admin (access.admins)')
        : deny('`/finops sync` is for FinOps admins (access.admins in the config).');
    case 'rebuild':
      return actor.admin
        ? allow('a FinOps admin (access.admins)')
        : deny('rebuilding a frozen month is for FinOps admins (access.admins in the config).');
    case 'reserved':
      return deny('This is not something the FinOps bot offers yet.');
    case 'share-answer':
      if (resource.kind !== 'shared-answer') return allow('the answer is checked when it is read');
      return actor.userId === resource.askedBy
        ? allow('the person who asked')
        : deny('Only the person who asked can share this answer.');
    case 'change-action-item': {
      if (resource.kind !== 'action-item') return allow('the item is checked when it is read');
      if (actor.userId === resource.ownerId) return allow('the owner of the item');
      if (actor.userId === resource.creatorId) return allow('the creator of the item');
      if (actor.admin) return allow('a FinOps admin (access.admins)');
      return deny(
        `Only the owner, the creator or a FinOps admin can change action item${resource.id > 0 ? ` #${resource.id}` : ''}.`,
      );
    }
  }
}

/** The one decision: the surface's operation, for this actor, on this resource. */
export function decide(surface: SurfaceKey, actor: Actor, resource: Resource = NONE): Decision {
  return decideOperation(SURFACES[surface], actor, resource);
}

/** The surface key of an incoming action_id or callback_id; undefined for an id the app does not know. */
export function surfaceKeyOf(kind: 'action' | 'view' | 'shortcut', id: string): SurfaceKey | undefined {
  const key = `${kind}:${id}`;
  return Object.hasOwn(SURFACES, key) ? (key as SurfaceKey) : undefined;
}
