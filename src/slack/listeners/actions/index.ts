import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTIONS } from "../../ids.ts";
import type { ListenerDeps } from "../deps.ts";
import { approve } from "./approve.ts";
import { cancel } from "./cancel.ts";
import { type ButtonHandler, tellingWhenDatabaseDown } from "./clicker.ts";
import { requestClientDelete, requestClientDisable, requestClientEnable } from "./clientAction.ts";
import { requestClientChange } from "./clientChange.ts";
import { deny } from "./deny.ts";
import { applyDespiteDrift, sendBackAfterDrift } from "./driftDecision.ts";
import { showHomePage } from "./homePage.ts";
import { retry } from "./retry.ts";
import { viewRequest } from "./viewRequest.ts";

/** Every button the bot draws, by action id, and the handler that answers its click. */
const buttons: Record<string, (deps: ListenerDeps) => ButtonHandler> = {
  [ACTIONS.approve]: approve,
  [ACTIONS.deny]: deny,
  [ACTIONS.retry]: retry,
  [ACTIONS.cancel]: cancel,
  [ACTIONS.viewRequest]: viewRequest,
  [ACTIONS.homeOlder]: showHomePage,
  [ACTIONS.homeNewer]: showHomePage,
  [ACTIONS.clientChange]: requestClientChange,
  [ACTIONS.clientDisable]: requestClientDisable,
  [ACTIONS.clientEnable]: requestClientEnable,
  [ACTIONS.clientDelete]: requestClientDelete,
  [ACTIONS.driftApplyAnyway]: applyDespiteDrift,
  [ACTIONS.driftSendBack]: sendBackAfterDrift,
};

export function register(app: App, deps: ListenerDeps): void {
  for (const [actionId, handler] of Object.entries(buttons)) {
    app.action<BlockAction<ButtonAction>>(actionId, tellingWhenDatabaseDown(handler(deps), deps));
  }
}
