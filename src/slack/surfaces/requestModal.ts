import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { type FieldId, FORM } from "../../requests/form.ts";
import { CALLBACKS, INPUT_ACTION } from "../ids.ts";
import { context, section } from "./blocks.ts";
import { clip } from "./format.ts";

export interface ModalMetadata {
  /** Channel where the command was typed: where an ephemeral note can reach the requester. */
  channelId?: string;
}

export interface TenantChoice {
  name: string;
  /** What people see: the tenant's name and host. */
  label: string;
}

function textInput(
  field: FieldId,
  label: string,
  hint: string,
  options: {
    multiline?: boolean;
    optional?: boolean;
    maxLength?: number;
    placeholder?: string;
    minLength?: number;
    initial?: string | undefined;
  },
): InputBlock {
  return {
    type: "input",
    block_id: field,
    optional: options.optional ?? false,
    label: { type: "plain_text", text: label },
    hint: { type: "plain_text", text: hint },
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION,
      multiline: options.multiline ?? false,
      ...(options.maxLength ? { max_length: options.maxLength } : {}),
      ...(options.minLength ? { min_length: options.minLength } : {}),
      ...(options.placeholder ? { placeholder: { type: "plain_text", text: options.placeholder } } : {}),
      ...(options.initial ? { initial_value: options.initial } : {}),
    },
  };
}

function tenantSelect(tenants: TenantChoice[]): InputBlock {
  const option = (t: TenantChoice): PlainTextOption => ({
    text: { type: "plain_text", text: clip(t.label, 75) },
    value: t.name,
  });
  return {
    type: "input",
    block_id: "tenant",
    label: { type: "plain_text", text: "Tenant" },
    hint: { type: "plain_text", text: "The AVEVA Data Hub tenant the client will be created in." },
    element: {
      type: "static_select",
      action_id: INPUT_ACTION,
      placeholder: { type: "plain_text", text: "Choose a tenant" },
      options: tenants.slice(0, 100).map(option),
    },
  };
}

/** A client's settings to start the form from (the change form); the new-client form starts empty. */
export interface FormStart {
  name: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  allowedCorsOrigins: readonly string[];
  accessTokenLifetime: number;
}

/**
 * The inputs of the "Add Client" form: the tenant (when there is a choice), the client's settings,
 * the justification. Limits come from FORM; `start` fills the settings in.
 */
export function formInputs(tenants: TenantChoice[], start?: FormStart): KnownBlock[] {
  const lifetime = FORM.accessTokenLifetime;
  const lines = (items: readonly string[] | undefined) => items?.join("\n");
  return [
    ...(tenants.length > 1 ? [tenantSelect(tenants)] : []),
    textInput("name", "Name", 'Identifies the application using this client, e.g. "Plant dashboard (production)".', {
      maxLength: FORM.name.maxLength,
      placeholder: "My web application",
      initial: start?.name,
    }),
    textInput(
      "redirectUris",
      "Allowed Redirect URL(s)",
      `Where users are sent back after signing in. One URL per line, ${FORM.redirectUris.min}–${FORM.redirectUris.max}; must match exactly (no wildcards); https:// (http:// only for localhost).`,
      {
        multiline: true,
        maxLength: FORM.listInputMaxLength,
        placeholder: "https://app.example.com/callback",
        initial: lines(start?.redirectUris),
      },
    ),
    textInput(
      "postLogoutRedirectUris",
      "Allowed Logout Redirect URL(s)",
      `Optional. Where users may be sent after signing out. One URL per line, up to ${FORM.postLogoutRedirectUris.max}.`,
      {
        multiline: true,
        optional: true,
        maxLength: FORM.listInputMaxLength,
        placeholder: "https://app.example.com/",
        initial: lines(start?.postLogoutRedirectUris),
      },
    ),
    textInput(
      "allowedCorsOrigins",
      "Allowed CORS Origin(s)",
      `Optional. Origins from which the application's browser code may call the API: scheme://host[:port], no path. One per line, up to ${FORM.allowedCorsOrigins.max}.`,
      {
        multiline: true,
        optional: true,
        maxLength: FORM.listInputMaxLength,
        placeholder: "https://app.example.com",
        initial: lines(start?.allowedCorsOrigins),
      },
    ),
    {
      type: "input",
      block_id: "accessTokenLifetime",
      optional: true,
      label: { type: "plain_text", text: "Token Lifetime (seconds)" },
      hint: {
        type: "plain_text",
        text: `How long an access token stays valid: ${lifetime.min} to ${lifetime.max} seconds. Leave empty for ${lifetime.default} (1 hour).`,
      },
      element: {
        type: "number_input",
        action_id: INPUT_ACTION,
        is_decimal_allowed: false,
        min_value: String(lifetime.min),
        max_value: String(lifetime.max),
        initial_value: String(start?.accessTokenLifetime ?? lifetime.default),
      },
    },
    textInput("justification", "Justification", "Why the client is needed and who will use it. Approvers see this.", {
      multiline: true,
      maxLength: FORM.justification.maxLength,
      minLength: FORM.justification.minLength,
      placeholder: "The plant dashboard team needs sign-in for the new production site…",
    }),
  ];
}

/** The "Add Client" form of the portal, as a Slack modal. Limits come from FORM. */
export function requestModal(tenants: TenantChoice[], metadata: ModalMetadata): ModalView {
  const blocks: KnownBlock[] = [
    section(
      "Ask for an *authorization code client*: the sign-in identity a web or single-page application uses with AVEVA Data Hub. Approvers review the request; once approved, you receive the new *client Id* in a direct message.",
    ),
    ...formInputs(tenants),
    context("The client Id is not a secret: it ships inside the application. No client secret is created."),
  ];
  return {
    type: "modal",
    callback_id: CALLBACKS.requestForm,
    title: { type: "plain_text", text: "Request a client" },
    submit: { type: "plain_text", text: "Submit request" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** Shown instead of the form when the requester already has too many pending requests. */
export function pendingLimitModal(pending: number, max: number): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACKS.pendingLimit,
    title: { type: "plain_text", text: "Request a client" },
    close: { type: "plain_text", text: "Close" },
    blocks: [
      section(
        `You already have ${pending} requests waiting for a decision (the limit is ${max}). Wait for one to be decided, or cancel one from the message I sent you, then try again.`,
      ),
    ],
  };
}

export function parseModalMetadata(text: string | undefined): ModalMetadata {
  try {
    const value = JSON.parse(text ?? "{}") as unknown;
    if (value && typeof value === "object" && "channelId" in value && typeof value.channelId === "string") {
      return { channelId: value.channelId };
    }
  } catch {
    // metadata is ours; anything unreadable is treated as absent
  }
  return {};
}
