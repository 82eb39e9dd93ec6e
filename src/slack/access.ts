/**
 * Authorization, in one place, for every command, button and view:
 * - finance figures (revenue, gross margin, unit cost) only for `access.finance_viewers`, which
 *   lists user ids (U…/W…) or user-group ids (S…, expanded through usergroups.users.list; the
 *   gateway caches the members for a few minutes);
 * - admin-only operations (`/finops sync`, rebuilds) for `access.admins`;
 * - an action item may be changed by its owner, its creator or an admin.
 * Lookups that fail deny (fail closed) and are logged.
 */
import type { Config } from '../config/schema.ts';
import { FinopsError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Messenger } from '../services/deps.ts';

export interface ActionItemParties {
  ownerId: string;
  creatorId: string;
}

export interface Access {
  isFinanceViewer(userId: string): Promise<boolean>;
  isAdmin(userId: string): Promise<boolean>;
  canChangeActionItem(userId: string, item: ActionItemParties): Promise<boolean>;
  /** Every finance viewer as a user id (groups expanded), for ephemeral follow-ups. */
  financeViewerIds(): Promise<string[]>;
}

/** Refusal shown to the user ephemerally; kind `input` so the CLI would exit 2 too. */
export class AccessDeniedError extends FinopsError {
  constructor(message: string) {
    super('access_denied', message, 'input');
    this.name = 'AccessDeniedError';
  }
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

  const access: Access = {
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
      return userId === item.ownerId || userId === item.creatorId || (await access.isAdmin(userId));
    },
    async financeViewerIds() {
      const ids = new Set(viewers.filter((v) => !isGroup(v)));
      for (const g of viewers.filter(isGroup)) for (const u of await membersOf(g)) ids.add(u);
      return [...ids];
    },
  };
  return access;
}
