import type { ClientRequestKind, ClientSettings } from "../src/requests/clients.ts";
import type { Request } from "../src/requests/request.ts";
import type { ClientRequest } from "../src/slack/surfaces/clientRequest.ts";
import { sampleRequest } from "./fixtures.ts";
import { maximalRequest } from "./maximalRequest.ts";

export const TARGET_CLIENT_ID = "0b6f3c1e-2a4d-4e8f-9c7b-1d2e3f4a5b6c";

/** The client as the Identity API read it when the request was made. */
export const SAMPLE_BASELINE: ClientSettings = {
  name: "Plant dashboard",
  redirectUris: ["https://dashboard.example.com/callback", "https://old.example.com/callback"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: ["https://dashboard.example.com"],
  accessTokenLifetime: 3600,
  enabled: true,
};

/**
 * A request about an existing client, for the pure builders' tests. For a change the form's
 * columns hold what is asked (by default: one URL added, one removed, the lifetime halved); for
 * the other kinds a copy of the baseline.
 */
export function sampleClientRequest(
  kind: ClientRequestKind,
  overrides: Partial<ClientRequest> = {},
  baseline: ClientSettings = SAMPLE_BASELINE,
): ClientRequest {
  const asked =
    kind === "change"
      ? {
          redirectUris: ["https://dashboard.example.com/callback", "https://new.example.com/callback"],
          accessTokenLifetime: 1800,
        }
      : {};
  return {
    ...sampleRequest({
      name: baseline.name,
      redirectUris: baseline.redirectUris,
      postLogoutRedirectUris: baseline.postLogoutRedirectUris,
      allowedCorsOrigins: baseline.allowedCorsOrigins,
      accessTokenLifetime: baseline.accessTokenLifetime,
      ...asked,
    }),
    kind,
    targetClientId: TARGET_CLIENT_ID,
    baseline,
    outcomeNote: null,
    ...overrides,
  };
}

const HOSTILE_HEAD = "<!channel>";

/** Another URL of the same length (a different host label), so a list's every item changes. */
const other = (url: string) => url.replace(/^(https?:\/\/)./, "$1o");

/**
 * The largest change the form allows, at its worst for a message: every URL of every list removed
 * and as many added (all at the form's maximums), the name changed from one maximal name to
 * another, the lifetime changed; typed by someone hostile.
 */
export function maximalClientRequest(kind: ClientRequestKind, overrides: Partial<Request> = {}): ClientRequest {
  const asked = maximalRequest(overrides);
  const baseline: ClientSettings = {
    // As long as the name asked for, and as hostile.
    name: asked.name.replace(HOSTILE_HEAD, "<!here>&&&"),
    redirectUris: asked.redirectUris.map(other),
    postLogoutRedirectUris: asked.postLogoutRedirectUris.map(other),
    allowedCorsOrigins: asked.allowedCorsOrigins.map(other),
    accessTokenLifetime: 3600,
    enabled: true,
  };
  const { enabled: _enabled, ...copy } = baseline;
  return {
    ...asked,
    ...(kind === "change" ? {} : copy),
    kind,
    targetClientId: TARGET_CLIENT_ID,
    baseline,
    outcomeNote: null,
  };
}
