import type { InputBlock, ModalView } from "@slack/types";
import * as z from "zod";
import type { ClientSettings } from "../../requests/clients.ts";
import { FORM } from "../../requests/form.ts";
import { BLOCKS, CALLBACKS, INPUT_ACTION } from "../ids.ts";
import { context, LIMITS, section, typedSection } from "./blocks.ts";
import { clientIdCode, TAKES_EFFECT_NOTE } from "./clientApproval.ts";
import type { ClientRequest } from "./clientRequest.ts";
import { clip, escapeMrkdwn, escapeWithin, mention, plural } from "./format.ts";
import { formInputs } from "./requestModal.ts";

/** The client a form is about: its Id, its tenant, and its settings as read just now. */
export interface ClientInForm {
  clientId: string;
  tenant: string;
  live: ClientSettings;
}

export type ClientActionKind = "disable" | "enable" | "delete";

const metadataSchema = z.object({
  kind: z.enum(["change", "disable", "enable", "delete"]),
  tenant: z.string().min(1).max(200),
  clientId: z.string().min(1).max(200),
  channelId: z.string().max(50).optional(),
});

/** What the change and action forms carry back: which client, in which tenant, and where they were opened. */
export type ClientFormMetadata = z.infer<typeof metadataSchema>;

/** The metadata of a client form, or undefined when it is not ours (a forged or out-of-date payload). */
export function parseClientFormMetadata(text: string | undefined): ClientFormMetadata | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(text ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Where the client is, in a sentence. */
function inTenant(tenantLabel: string | undefined): string {
  return tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
}

const NAME_IN_TEXT = 200;

/**
 * Why the form cannot hold a client's current settings (changed in the portal beyond the form's
 * limits), or undefined when it can: Slack refuses a form whose initial values exceed its limits.
 */
export function beyondTheForm(settings: ClientSettings): string | undefined {
  const problems: string[] = [];
  if (settings.name.length > FORM.name.maxLength) problems.push(`its name is over ${FORM.name.maxLength} characters`);
  const lists: [string, readonly string[], number][] = [
    ["redirect URLs", settings.redirectUris, FORM.redirectUris.max],
    ["logout redirect URLs", settings.postLogoutRedirectUris, FORM.postLogoutRedirectUris.max],
    ["CORS origins", settings.allowedCorsOrigins, FORM.allowedCorsOrigins.max],
  ];
  for (const [label, items, max] of lists) {
    if (items.length > max || items.join("\n").length > FORM.listInputMaxLength) {
      problems.push(`it has more ${label} than the form holds (${max}, ${FORM.listInputMaxLength} characters)`);
    }
  }
  const { min, max } = FORM.accessTokenLifetime;
  if (settings.accessTokenLifetime < min || settings.accessTokenLifetime > max) {
    problems.push(`its token lifetime is outside ${min}–${max} s`);
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/**
 * "Request change": the request form filled in with the client's current settings, its tenant
 * fixed (it is the client's), the justification empty. Limits come from FORM, as for a new client.
 */
export function clientChangeModal(
  client: ClientInForm,
  tenantLabel: string | undefined,
  channelId: string | undefined,
): ModalView {
  const metadata: ClientFormMetadata = { kind: "change", tenant: client.tenant, clientId: client.clientId, channelId };
  return {
    type: "modal",
    callback_id: CALLBACKS.clientChangeForm,
    title: { type: "plain_text", text: "Change a client" },
    submit: { type: "plain_text", text: "Submit change" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section(
        `Change the client *${escapeWithin(client.live.name, NAME_IN_TEXT)}* (client Id ${clientIdCode(client.clientId)})${inTenant(tenantLabel)}. Its settings as the tenant has them now are filled in: edit what should change and say why. Approvers review the change as they review a new client, and see exactly what you changed.`,
      ),
      ...formInputs([], client.live),
      context(
        `${TAKES_EFFECT_NOTE} If the client is changed in the tenant before approval, approvers are shown what changed and may send your request back.`,
      ),
    ],
  };
}

const ACTION_TEXT: Record<ClientActionKind, { title: string; submit: string; what: string }> = {
  disable: {
    title: "Disable a client",
    submit: "Ask to disable",
    what: "Disabling stops all sign-ins with this client until it is enabled again; its settings are kept.",
  },
  enable: {
    title: "Enable a client",
    submit: "Ask to enable",
    what: "Enabling lets people sign in with this client again, with its settings as they are.",
  },
  delete: {
    title: "Delete a client",
    submit: "Ask to delete",
    what: "Deleting removes the client from the tenant: applications using its client Id can no longer sign anyone in. It cannot be undone; an approver confirms by typing its name.",
  },
};

function justificationInput(): InputBlock {
  return {
    type: "input",
    block_id: BLOCKS.clientJustification,
    label: { type: "plain_text", text: "Justification" },
    hint: { type: "plain_text", text: "Why, and who is affected. Approvers see this." },
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION,
      multiline: true,
      min_length: FORM.justification.minLength,
      max_length: FORM.justification.maxLength,
    },
  };
}

/** Disable, enable or delete: what it does to the client, and why (approvers review it). */
export function clientActionModal(
  kind: ClientActionKind,
  client: ClientInForm,
  tenantLabel: string | undefined,
  channelId: string | undefined,
): ModalView {
  const text = ACTION_TEXT[kind];
  const metadata: ClientFormMetadata = { kind, tenant: client.tenant, clientId: client.clientId, channelId };
  const live = client.live;
  const urls = plural(live.redirectUris.length, "redirect URL");
  return {
    type: "modal",
    callback_id: CALLBACKS.clientActionForm,
    title: { type: "plain_text", text: text.title },
    submit: { type: "plain_text", text: text.submit },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section(
        `*${escapeWithin(live.name, NAME_IN_TEXT)}* · client Id ${clientIdCode(client.clientId)}${inTenant(tenantLabel)} · ${urls} · ${live.enabled ? "enabled" : "disabled"}`,
      ),
      section(`${text.what} Approvers review the request; ${TAKES_EFFECT_NOTE.toLowerCase()}`),
      justificationInput(),
    ],
  };
}

/** What a delete confirmation carries: the request, and whether it approves although the client changed (drift). */
export interface DeleteConfirmMetadata {
  requestId: number;
  despiteDrift: boolean;
}

/**
 * Approving a delete: the client's name shown as it is (plain_text, to read or copy), and typed
 * again by the approver. The request number travels in private_metadata. `despiteDrift`: the
 * approver chose Apply anyway after seeing the client changed; the name is asked all the same.
 */
export function deleteConfirmModal(
  r: ClientRequest,
  tenantLabel: string | undefined,
  options: { despiteDrift?: boolean } = {},
): ModalView {
  const counted =
    r.requiredApprovals > 1 ? ` Your approval is ${r.approvedBy.length + 1} of ${r.requiredApprovals}.` : "";
  const drifted = options.despiteDrift
    ? " The client changed in the tenant since the request: approving deletes it as it is now."
    : "";
  const metadata: DeleteConfirmMetadata = { requestId: r.id, despiteDrift: options.despiteDrift === true };
  return {
    type: "modal",
    callback_id: CALLBACKS.deleteConfirm,
    title: { type: "plain_text", text: clip(`Delete: request #${r.id}`, LIMITS.modalTitle) },
    submit: { type: "plain_text", text: "Approve delete" },
    close: { type: "plain_text", text: "Back" },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section(
        `${mention(r.requesterId)} asks to delete the client ${clientIdCode(r.targetClientId)}${inTenant(tenantLabel)}. Approving deletes it from the tenant: applications using it can no longer sign anyone in, and it cannot be undone.${drifted}${counted} To confirm, type the client's name:`,
      ),
      typedSection(r.name),
      {
        type: "input",
        block_id: BLOCKS.confirmName,
        label: { type: "plain_text", text: "The client's name" },
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION,
          max_length: Math.min(LIMITS.sectionText, Math.max(FORM.name.maxLength, r.name.length + 10)),
        },
      },
    ],
  };
}

/** What a delete confirmation carries, or undefined when it is not one of ours. */
export function parseDeleteConfirmMetadata(text: string): DeleteConfirmMetadata | undefined {
  try {
    const value = JSON.parse(text) as { requestId?: unknown; despiteDrift?: unknown };
    if (typeof value.requestId !== "number" || !Number.isSafeInteger(value.requestId)) return undefined;
    return { requestId: value.requestId, despiteDrift: value.despiteDrift === true };
  } catch {
    return undefined;
  }
}

/**
 * Opened at once when a client button is clicked (a trigger_id lasts 3 s, reading the client may
 * take longer), then replaced by the form or by what stands in its way.
 */
export function readingClientModal(title: string): ModalView {
  return {
    type: "modal",
    title: { type: "plain_text", text: clip(title, LIMITS.modalTitle) },
    close: { type: "plain_text", text: "Close" },
    blocks: [section(":hourglass_flowing_sand: Reading the client from the tenant…")],
  };
}

/** A modal that only says something (a refusal, an outcome); it has no submit. */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: "modal",
    title: { type: "plain_text", text: clip(title, LIMITS.modalTitle) },
    close: { type: "plain_text", text: "Close" },
    blocks: [section(text)],
  };
}
