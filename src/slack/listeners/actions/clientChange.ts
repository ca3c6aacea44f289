import { beyondTheForm, clientChangeModal, noticeModal } from "../../surfaces/clientModals.ts";
import type { ListenerDeps } from "../deps.ts";
import type { ButtonHandler } from "./clicker.ts";
import { channelOf, clientFormButton } from "./clientButton.ts";

const TITLE = "Change a client";

/** "Request change": the request form filled in with the client's current settings. */
export function requestClientChange(deps: ListenerDeps): ButtonHandler {
  return clientFormButton(deps, TITLE, (entry, args) => {
    const beyond = beyondTheForm(entry.live);
    if (beyond) {
      return noticeModal(
        TITLE,
        `I can't put this client's current settings in the form: ${beyond}. It was changed outside the bot; change it in the AVEVA Data Hub portal instead.`,
      );
    }
    return clientChangeModal(entry, deps.tenantLabel(entry.tenant), channelOf(args.body));
  });
}
