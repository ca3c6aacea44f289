import type { ModalView } from "@slack/types";
import { toIdentityBody } from "../../requests/identityBody.ts";
import type { Request } from "../../requests/request.ts";
import { CALLBACKS } from "../ids.ts";
import { statusContext } from "./approvalMessage.ts";
import { context, fields, LIMITS, section, typedPieces, typedSection } from "./blocks.ts";
import { clientFullRequestModal } from "./clientFullRequest.ts";
import { asClientRequest } from "./clientRequest.ts";
import { clip, describeLifetime, escapeMrkdwn, mention, slackDate } from "./format.ts";
import { listInFull } from "./requestSummary.ts";
import { riskHintBlocks } from "./riskHints.ts";

/**
 * "View full request": everything Approve sends to the Identity API, in full and exactly as sent —
 * it is drawn from the very body the creation sends (identityBody.ts) — with who asked, why, and
 * where the request stands. Read-only: the decision is taken on the message or in the Home tab.
 */
export function fullRequestModal(r: Request, tenantLabel: string | undefined): ModalView {
  const about = asClientRequest(r);
  if (about) return clientFullRequestModal(about, tenantLabel);
  const body = toIdentityBody(r);
  const tenant = tenantLabel ? escapeMrkdwn(tenantLabel) : "the only tenant configured";
  return {
    type: "modal",
    callback_id: CALLBACKS.fullRequest,
    title: { type: "plain_text", text: clip(`Request #${r.id}`, LIMITS.modalTitle) },
    close: { type: "plain_text", text: "Close" },
    blocks: [
      section(
        `${mention(r.requesterId)} asked on ${slackDate(r.createdAt)} for an authorization code client. This is everything *Approve* creates, exactly as it will be sent:`,
      ),
      statusContext(r),
      ...riskHintBlocks(r),
      section("*Name*"),
      typedSection(body.Name),
      fields([
        ["Tenant", tenant],
        ["Token lifetime", describeLifetime(body.AccessTokenLifetime)],
        ["Client Id", `\`${body.Id}\``],
      ]),
      ...listInFull("Allowed redirect URLs", body.RedirectUris),
      ...listInFull("Allowed logout redirect URLs", body.PostLogoutRedirectUris),
      ...listInFull("Allowed CORS origins", body.AllowedCorsOrigins),
      context(
        `Also sent: enabled ${body.Enabled ? "yes" : "no"} · offline access (refresh tokens) ${body.AllowOfflineAccess ? "yes" : "no"} · no client secret, client URI, logo or tags.`,
      ),
      section("*Justification*"),
      ...typedPieces(r.justification.split("\n")).map(typedSection),
    ],
  };
}
