import { COMMAND } from "../../ids.ts";
import { CLIENTS_LIST_SIZE, clientLookupMessage, clientsListMessage } from "../../surfaces/clientsList.ts";
import { escapeWithin } from "../../surfaces/format.ts";
import { clientRefusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";

/** A request number (`12`, `#12`) or a client Id; anything else is not looked up. */
const QUERY = /^(#?\d{1,12}|[0-9A-Za-z][0-9A-Za-z-]{0,63})$/;

/**
 * `clients`: the clients created through the bot that the caller asked for, as the tenant has them
 * now; `clients 12` or `clients <client Id>`: one client, to its requester and its tenant's
 * approvers (anyone else is answered as for a client that does not exist).
 */
export async function clientsReply(deps: ListenerDeps, userId: string, which: string | undefined) {
  if (which === undefined) {
    const entries = await deps.service.clientsOf(userId, CLIENTS_LIST_SIZE + 1);
    return clientsListMessage(
      entries.slice(0, CLIENTS_LIST_SIZE),
      entries.length > CLIENTS_LIST_SIZE,
      deps.tenantLabel,
    );
  }
  if (!QUERY.test(which)) {
    const shown = escapeWithin(which, 40).replace(/`/g, "'");
    return {
      text: `\`${shown}\` is neither a request number nor a client Id. Try \`${COMMAND} clients 12\`, or \`${COMMAND} clients\` for yours.`,
    };
  }
  const found = await deps.service.lookUpClient(which, userId);
  if (!found.ok) return { text: clientRefusalText(found.refusal) };
  return clientLookupMessage(found.entry, deps.tenantLabel(found.entry.tenant));
}
