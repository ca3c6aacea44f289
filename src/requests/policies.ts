import { isLoopbackHost } from "../loopback.ts";
import type { RequestForm } from "./form.ts";

/**
 * Approval policies: how many approvals a request needs, which hosts its URLs may be on, and when
 * a request is approved by policy without a click. One per tenant: the global settings, each
 * overridable in OCS_TENANTS (config.ts). Pure functions; the service applies them.
 */

export interface TenantPolicy {
  /** Approvals a request needs, each from a different approver and never from its requester (1–5). */
  requiredApprovals: number;
  /** Host patterns every URL must be on (loopback hosts always are); undefined: any host. */
  allowedRedirectHosts: readonly string[] | undefined;
  /** A request whose URLs are all loopback is approved by policy, without a click. */
  autoApproveLoopbackOnly: boolean;
}

export const DEFAULT_POLICY: TenantPolicy = {
  requiredApprovals: 1,
  allowedRedirectHosts: undefined,
  autoApproveLoopbackOnly: false,
};

/** The actor of an approval no person clicked: recorded as the decider and in the audit trail. */
export const POLICY_ACTOR = "policy";

export const APPROVALS_CAP = 5;

/** The URL lists of a client, the fields policies look at. */
export type ClientUrls = Pick<RequestForm, "redirectUris" | "postLogoutRedirectUris" | "allowedCorsOrigins">;
export type UrlField = keyof ClientUrls;

const URL_FIELDS: readonly UrlField[] = ["redirectUris", "postLogoutRedirectUris", "allowedCorsOrigins"];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why a host pattern of ALLOWED_REDIRECT_HOSTS (or a tenant's allowedRedirectHosts) is unusable. */
export function hostPatternProblem(pattern: string): string | undefined {
  if (pattern === "*") return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pattern)) return "is a URL: give the host name only, e.g. app.example.com";
  if (/[/:?#@]/.test(pattern)) return "must be a host name only, without a port or path";
  const wildcard = pattern.startsWith("*.");
  const host = wildcard ? pattern.slice(2) : pattern;
  if (host.includes("*")) return "may only start with *. (e.g. *.example.com)";
  const labels = host.split(".");
  if (host.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return "is not a host name: letters, digits, '-' and '.', e.g. app.example.com or *.example.com";
  }
  if (wildcard && labels.length < 2) return "is too broad: name at least two labels after *. (e.g. *.example.com)";
  return undefined;
}

/** Whether `host` (as a URL parser writes it: lower case) is on one of `patterns`. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p === "*") return true;
    // "*.example.com": any subdomain, not example.com itself.
    if (p.startsWith("*.")) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

/** The host a browser goes to for `url`, as the URL parser writes it; undefined when it is no URL. */
function parsedHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** The host exactly as typed (scheme://host[:port]…), lower-cased. */
function typedHost(url: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  return authority.replace(/:\d*$/, "").toLowerCase();
}

/**
 * A URL on localhost, 127.0.0.1 or [::1], as typed and as parsed: "127.1" or a percent-encoded
 * host parse as loopback but are not written as one, and the Identity API receives them as typed.
 */
export function isLoopbackUrl(url: string): boolean {
  const host = parsedHost(url);
  return host !== undefined && isLoopbackHost(host) && isLoopbackHost(typedHost(url));
}

/** Up to `max` items in words: "a, b and c", "a, b, c and 4 more". */
function inWords(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/**
 * The URLs not on an allowed host, as one message per field for the form (undefined fields are
 * fine). Loopback URLs are always allowed. Nothing is refused when the policy names no hosts.
 */
export function hostRefusals(urls: ClientUrls, policy: TenantPolicy): Partial<Record<UrlField, string>> {
  const patterns = policy.allowedRedirectHosts;
  if (patterns === undefined) return {};
  const refusals: Partial<Record<UrlField, string>> = {};
  const allowed =
    patterns.length === 0
      ? "only loopback hosts are allowed (localhost, 127.0.0.1, [::1])"
      : `allowed hosts are ${inWords(patterns)}, and loopback hosts (localhost, 127.0.0.1, [::1])`;
  for (const field of URL_FIELDS) {
    const refused = urls[field].filter((url) => {
      if (isLoopbackUrl(url)) return false;
      const host = parsedHost(url);
      return host === undefined || !hostAllowed(host, patterns);
    });
    if (refused.length === 0) continue;
    const shown = refused.slice(0, 2).map(shorten);
    const more = refused.length > 2 ? ` (and ${refused.length - 2} more)` : "";
    const verb = refused.length === 1 ? "is not on an allowed host" : "are not on allowed hosts";
    refusals[field] = `${shown.join(", ")}${more} ${verb}: ${allowed}.`;
  }
  return refusals;
}

function shorten(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}…` : value;
}

export type AutoApproval = { approved: true; reason: string } | { approved: false };

const LOOPBACK_ONLY_REASON = "only loopback URLs";

/**
 * Whether a request may be approved by policy. `result` is the client as it will be once the
 * request is carried out — for a creation the new client; a change to an existing client must pass
 * the client after the change, so widening access is never approved unless the rule holds for the
 * widened client.
 */
export function autoApproval(policy: TenantPolicy, result: ClientUrls): AutoApproval {
  if (!policy.autoApproveLoopbackOnly) return { approved: false };
  const all = URL_FIELDS.flatMap((field) => result[field]);
  // A client without any URL is not "only loopback": there is nothing the rule could vouch for.
  if (all.length === 0 || !all.every(isLoopbackUrl)) return { approved: false };
  return { approved: true, reason: LOOPBACK_ONLY_REASON };
}
