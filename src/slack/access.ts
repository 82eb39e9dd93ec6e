/**
 * The facts authorization needs, gathered for src/slack/policy.ts (which alone decides):
 * - finance figures (revenue, gross margin, unit cost) only for `access.finance_viewers`, which
 *   lists user ids (U…/W…) or user-group ids (S…, expanded through usergroups.users.list; the
 *   gateway caches the members for a few minutes);
 * - admin-only operations (`/finops sync`, rebuilds) for `access.admins`;
 * - an action item may be changed by its owner, its creator or an admin.
 * Lookups that fail deny (fail closed) and are logged.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import type { Messenger } from '../services/deps.ts';
import {
  type Actor,
  type Decision,
  decide,
  decideOperation,
  factsNeeded,
  type Resource,
  SURFACES,
  type SurfaceKey,
} from './policy.ts';

export interface ActionItemParties {
  /** For the refusal's wording. */
  id?: number;
  ownerId: string;
  creatorId: string;
}

export interface Access {
  /** The policy's decision for this person on this surface and resource (src/slack/policy.ts). */
  authorize(userId: string, surface: SurfaceKey, resource?: Resource): Promise<Decision>;
  isFinanceViewer(userId: string): Promise<boolean>;
  isAdmin(userId: string): Promise<boolean>;
  canChangeActionItem(userId: string, item: ActionItemParties): Promise<boolean>;
  /** Every finance viewer as a user id (groups expanded), for ephemeral follow-ups. */
  financeViewerIds(): Promise<string[]>;
}

const isGroup = (id: string): boolean => id.startsWith('S');

export function createAccess(opts: {
  config: Pick<Config, 'access'>;
  /** Absent without Slack (CLI, local preview): groups then have no members. */
  directory: Pick<Messenger, 'usergroupMembers'> | undefined;
  logger: Logger;
}): Access {
  const { finance_viewers: viewers, admins } = opts.config.access;

  const membersOf = async (group: string): Promise<string[]> => {
    if (!opts.directory) return [];
    try {
      return await opts.directory.usergroupMembers(group);
    } catch (err) {
      opts.logger.warn(`cannot read members of user group ${group}; treating it as empty`, { error: err });
      return [];
    }
  };

  /** Only the facts the rule needs: a user-group lookup is a Slack call. */
  const actorFor = async (
    userId: string,
    needed: { admin: boolean; financeViewer: boolean },
  ): Promise<Actor> => ({
    userId,
    admin: needed.admin ? await access.isAdmin(userId) : false,
    financeViewer: needed.financeViewer ? await access.isFinanceViewer(userId) : false,
  });

  const access: Access = {
    async authorize(userId, surface, resource = { kind: 'none' }) {
      const actor = await actorFor(userId, factsNeeded(SURFACES[surface], resource));
      return decide(surface, actor, resource);
    },
    async isFinanceViewer(userId) {
      if (viewers.includes(userId)) return true;
      for (const g of viewers.filter(isGroup)) if ((await membersOf(g)).includes(userId)) return true;
      return false;
    },
    async isAdmin(userId) {
      if (admins.includes(userId)) return true;
      for (const g of admins.filter(isGroup)) if ((await membersOf(g)).includes(userId)) return true;
      return false;
    },
    async canChangeActionItem(userId, item) {
      const resource: Resource = {
        kind: 'action-item',
        id: item.id ?? 0,
        ownerId: item.ownerId,
        creatorId: item.creatorId,
      };
      const actor = await actorFor(userId, factsNeeded('change-action-item', resource));
      return decideOperation('change-action-item', actor, resource).allow;
    },
    async financeViewerIds() {
      const ids = new Set(viewers.filter((v) => !isGroup(v)));
      for (const g of viewers.filter(isGroup)) for (const u of await membersOf(g)) ids.add(u);
      return [...ids];
    },
  };
  return access;
}
