/**
 * Every Slack id the app listens for or renders, named once. Listeners match on these and
 * renderers receive them as arguments; manifest.yml uses the same strings (a test checks it).
 * Add new ids here, never as literals in listeners or renderers.
 */
export const SLASH_COMMAND = '/finops';

/** action_id of buttons and other interactive elements. */
export const ACTION_IDS = {
  /** "Share in channel" under every ephemeral /finops answer; value = shared answer id. */
  shareAnswer: 'finops_share_answer',
  /** "Add action item" on a review reply or an anomaly alert. */
  actionItemAdd: 'action_item_add',
  actionItemDone: 'action_item_done',
  actionItemReopen: 'action_item_reopen',
  actionItemSnooze: 'action_item_snooze',
  actionItemReassign: 'action_item_reassign',
  actionItemNote: 'action_item_note',
  anomalyAcknowledge: 'anomaly_acknowledge',
  anomalyExpected: 'anomaly_expected',
  anomalyResolve: 'anomaly_resolve',
  anomalyToAction: 'anomaly_to_action',
  /** "Create action item" on a line of the weekly allocation hygiene (value = the line, JSON). */
  allocationToAction: 'allocation_to_action',
  /** Pages of `/finops actions` (value = JSON {f: filter, p: product, o: offset}). */
  actionItemsPage: 'action_items_page',
  /** Paging through long lists (value = next offset). */
  pageNext: 'finops_page_next',
  pagePrevious: 'finops_page_previous',
} as const;

/** The four buttons of a cost anomaly alert, as blocks/anomaly-alert.ts takes them. */
export const ANOMALY_ALERT_ACTIONS = {
  acknowledge: ACTION_IDS.anomalyAcknowledge,
  expected: ACTION_IDS.anomalyExpected,
  toAction: ACTION_IDS.anomalyToAction,
  resolve: ACTION_IDS.anomalyResolve,
} as const;

/** The button of the weekly allocation hygiene post, as blocks/allocation-hygiene.ts takes it. */
export const ALLOCATION_HYGIENE_ACTIONS = { toAction: ACTION_IDS.allocationToAction } as const;

/** callback_id of modals and shortcuts. */
export const CALLBACK_IDS = {
  /** Message shortcut "Log as FinOps action" (manifest.yml features.shortcuts). */
  logAsActionShortcut: 'log_as_finops_action',
  actionItemModal: 'action_item_create',
  actionItemSnoozeModal: 'action_item_snooze',
  actionItemReassignModal: 'action_item_reassign',
  actionItemNoteModal: 'action_item_note',
  /** An information modal (for example "not available yet"); submitting it does nothing. */
  infoModal: 'finops_info',
  /** "Resolve" on an anomaly alert: the one-line cause; private_metadata = anomaly id. */
  anomalyResolveModal: 'anomaly_resolve_cause',
} as const;

/** block_id of input blocks (modal fields; `response_action: errors` keys on these). */
export const BLOCK_IDS = {
  actionTitle: 'action_title',
  actionOwner: 'action_owner',
  actionDue: 'action_due',
  actionProduct: 'action_product',
  actionAnomaly: 'action_anomaly',
  actionNote: 'action_note',
  snoozeDue: 'snooze_due',
  reassignOwner: 'reassign_owner',
  anomalyCause: 'anomaly_cause',
} as const;

/** action_id of the element inside each input block (one per block, so one name suffices). */
export const INPUT_ACTION_ID = 'value';

/** The action log's ids, as the renderers in blocks/action-items.ts take them. */
export const ACTION_ITEM_UI = {
  buttons: {
    done: ACTION_IDS.actionItemDone,
    reopen: ACTION_IDS.actionItemReopen,
    snooze: ACTION_IDS.actionItemSnooze,
    reassign: ACTION_IDS.actionItemReassign,
    note: ACTION_IDS.actionItemNote,
    page: ACTION_IDS.actionItemsPage,
  },
  callbacks: {
    create: CALLBACK_IDS.actionItemModal,
    snooze: CALLBACK_IDS.actionItemSnoozeModal,
    reassign: CALLBACK_IDS.actionItemReassignModal,
    note: CALLBACK_IDS.actionItemNoteModal,
  },
  blocks: {
    title: BLOCK_IDS.actionTitle,
    owner: BLOCK_IDS.actionOwner,
    due: BLOCK_IDS.actionDue,
    product: BLOCK_IDS.actionProduct,
    anomaly: BLOCK_IDS.actionAnomaly,
    note: BLOCK_IDS.actionNote,
    snoozeDue: BLOCK_IDS.snoozeDue,
    reassignOwner: BLOCK_IDS.reassignOwner,
  },
  input: INPUT_ACTION_ID,
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
export type CallbackId = (typeof CALLBACK_IDS)[keyof typeof CALLBACK_IDS];
export type BlockId = (typeof BLOCK_IDS)[keyof typeof BLOCK_IDS];
