import { isLoopbackUrl } from "./policies.ts";
import type { Request } from "./request.ts";

/**
 * What deserves an approver's second look. Hints inform; they never block a request, and nothing
 * waits for them. Pure: read from the request as recorded (its tenant's required approvals and a
 * name found taken are stored on it), shown by slack/surfaces/riskHints.ts.
 */
export type RiskHint =
  /** Plain http (loopback: the only http the form allows) in a production-like tenant (several approvals). */
  | { kind: "http_loopback"; urls: string[]; requiredApprovals: number }
  /** Hosts with a CORS origin but no redirect URL, or the other way round (loopback hosts aside). */
  | { kind: "hosts_differ"; corsOnly: string[]; redirectOnly: string[] }
  /** Access tokens living less than SHORT_LIFETIME_SECONDS. */
  | { kind: "short_lifetime"; seconds: number }
  /** Another client of the tenant already has this name (found with the Identity API's list). */
  | { kind: "name_taken"; clientId: string }
  /** More than MANY_REDIRECTS redirect URLs. */
  | { kind: "many_redirects"; count: number };

/** Token lifetimes below this (5 minutes) are flagged. */
export const SHORT_LIFETIME_SECONDS = 300;
/** More redirect URLs than this are flagged. */
export const MANY_REDIRECTS = 5;

type Hinted = Pick<
  Request,
  | "redirectUris"
  | "postLogoutRedirectUris"
  | "allowedCorsOrigins"
  | "accessTokenLifetime"
  | "requiredApprovals"
  | "nameTakenBy"
>;

/** The hosts of `urls`, loopback hosts left out, in order, each once. */
function hostsOf(urls: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const url of urls) {
    if (isLoopbackUrl(url)) continue;
    try {
      hosts.add(new URL(url).hostname);
    } catch {
      // The form lets only valid URLs through; there is nothing to compare otherwise.
    }
  }
  return [...hosts];
}

/** The hints for a request, in the order approvers read them; empty when nothing stands out. */
export function riskHints(r: Hinted): RiskHint[] {
  const hints: RiskHint[] = [];
  if (r.nameTakenBy) hints.push({ kind: "name_taken", clientId: r.nameTakenBy });
  if (r.requiredApprovals > 1) {
    const urls = [...r.redirectUris, ...r.postLogoutRedirectUris, ...r.allowedCorsOrigins].filter(
      (u) => /^http:/i.test(u) && isLoopbackUrl(u),
    );
    if (urls.length > 0) hints.push({ kind: "http_loopback", urls, requiredApprovals: r.requiredApprovals });
  }
  // Compared only when CORS origins are given: without any there is nothing to differ from.
  if (r.allowedCorsOrigins.length > 0) {
    const redirect = hostsOf(r.redirectUris);
    const cors = hostsOf(r.allowedCorsOrigins);
    const corsOnly = cors.filter((h) => !redirect.includes(h));
    const redirectOnly = redirect.filter((h) => !cors.includes(h));
    if (corsOnly.length > 0 || redirectOnly.length > 0) hints.push({ kind: "hosts_differ", corsOnly, redirectOnly });
  }
  if (r.accessTokenLifetime < SHORT_LIFETIME_SECONDS) {
    hints.push({ kind: "short_lifetime", seconds: r.accessTokenLifetime });
  }
  if (r.redirectUris.length > MANY_REDIRECTS) hints.push({ kind: "many_redirects", count: r.redirectUris.length });
  return hints;
}
