/**
 * Every id Slack hands back to the bot: the slash command, the action ids of buttons, the
 * callback ids of views, and the block ids listeners read. To find what a button does, look up
 * its action id here, then its handler in listeners/actions/index.ts.
 */

export const COMMAND = "/create-auth-client";

/** Buttons (block_actions), by what they do. */
export const ACTIONS = {
  approve: "approve_request",
  deny: "deny_request",
  retry: "retry_request",
  cancel: "cancel_request",
  /** "View full request": everything Approve would create, in a modal. */
  viewRequest: "view_request",
  /** App Home "Next page": older requests. */
  homeOlder: "home_page_older",
  /** App Home "Previous page": newer requests. */
  homeNewer: "home_page_newer",
  /**
   * On a client in the clients list (`clients`, App Home): ask for a change, to disable, enable or
   * delete it. The value is the number of the request that created the client.
   */
  clientChange: "client_change",
  clientDisable: "client_disable",
  clientEnable: "client_enable",
  clientDelete: "client_delete",
  /** On the drift note an approver gets: the client changed in the tenant since the request. Value: the request number. */
  driftApplyAnyway: "drift_apply_anyway",
  driftSendBack: "drift_send_back",
} as const;

/** Views (view_submission), by callback_id. */
export const CALLBACKS = {
  requestForm: "create_auth_client",
  denyReason: "deny_request_reason",
  /** Shown instead of the form when too many requests are pending; it has no submit. */
  pendingLimit: "pending_limit",
  home: "home",
  /** The read-only modal with a request in full; it has no submit. */
  fullRequest: "full_request",
  /** The request form pre-filled with a client's current settings, its tenant fixed. */
  clientChangeForm: "client_change_form",
  /** The justification for disabling, enabling or deleting a client. */
  clientActionForm: "client_action_form",
  /** Approving a delete: the approver types the client's name. */
  deleteConfirm: "delete_confirm",
  /** What changed in the tenant since a request was made (opened where no ephemeral can go); no submit. */
  drift: "client_drift",
} as const;

/**
 * Block ids. The request form's input blocks are named by the form's field ids (FIELD_IDS in
 * requests/form.ts), so a validation error comes back keyed by the block that shows it.
 */
export const BLOCKS = {
  denyReason: "reason",
  homePages: "home_pages",
  decision: (requestId: number) => `decision:${requestId}`,
  retry: (requestId: number) => `retry:${requestId}`,
  cancel: (requestId: number) => `cancel:${requestId}`,
  /** The actions of a message whose only button is "View full request". */
  view: (requestId: number) => `view:${requestId}`,
  /** The buttons under a client in the clients list; the number is the request that created it. */
  client: (createdBy: number) => `client:${createdBy}`,
  drift: (requestId: number) => `drift:${requestId}`,
  /** The name an approver types to confirm a delete. */
  confirmName: "confirm_name",
  /** The justification of a disable, enable or delete (the change form uses the form's own ids). */
  clientJustification: "justification",
} as const;

/** The action_id of every input element: inputs are told apart by their block_id. */
export const INPUT_ACTION = "value";
