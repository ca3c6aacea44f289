import { type ClientActionKind, clientActionModal, noticeModal } from "../../surfaces/clientModals.ts";
import type { ListenerDeps } from "../deps.ts";
import type { ButtonHandler } from "./clicker.ts";
import { channelOf, clientFormButton } from "./clientButton.ts";

const TITLES: Record<ClientActionKind, string> = {
  disable: "Disable a client",
  enable: "Enable a client",
  delete: "Delete a client",
};

/** Disable, Enable or Delete in the clients list: asks why, for the approvers. */
function requestClientAction(kind: ClientActionKind) {
  return (deps: ListenerDeps): ButtonHandler =>
    clientFormButton(deps, TITLES[kind], (entry, args) => {
      // The list may be older than the client: say so rather than ask for what is so already.
      if ((kind === "disable" && !entry.live.enabled) || (kind === "enable" && entry.live.enabled)) {
        return noticeModal(TITLES[kind], `This client is ${entry.live.enabled ? "enabled" : "disabled"} already.`);
      }
      return clientActionModal(kind, entry, deps.tenantLabel(entry.tenant), channelOf(args.body));
    });
}

export const requestClientDisable = requestClientAction("disable");
export const requestClientEnable = requestClientAction("enable");
export const requestClientDelete = requestClientAction("delete");
