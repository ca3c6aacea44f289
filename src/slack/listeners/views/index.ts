import type { App, ViewSubmitAction } from "@slack/bolt";
import { CALLBACKS } from "../../ids.ts";
import type { ListenerDeps } from "../deps.ts";
import { clientActionSubmitted } from "./clientActionSubmitted.ts";
import { clientChangeSubmitted } from "./clientChangeSubmitted.ts";
import { deleteConfirmSubmitted } from "./deleteConfirmSubmitted.ts";
import { denyReasonSubmitted } from "./denyReasonSubmitted.ts";
import { requestSubmitted, type SubmissionHandler } from "./requestSubmitted.ts";

/** Every view the bot opens that can be submitted, by callback id, and its handler. */
const submissions: Record<string, (deps: ListenerDeps) => SubmissionHandler> = {
  [CALLBACKS.requestForm]: requestSubmitted,
  [CALLBACKS.denyReason]: denyReasonSubmitted,
  [CALLBACKS.clientChangeForm]: clientChangeSubmitted,
  [CALLBACKS.clientActionForm]: clientActionSubmitted,
  [CALLBACKS.deleteConfirm]: deleteConfirmSubmitted,
};

export function register(app: App, deps: ListenerDeps): void {
  for (const [callbackId, handler] of Object.entries(submissions)) {
    app.view<ViewSubmitAction>(callbackId, handler(deps));
  }
}
