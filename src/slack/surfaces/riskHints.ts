import type { KnownBlock } from "@slack/types";
import { MANY_REDIRECTS, type RiskHint, riskHints, SHORT_LIFETIME_SECONDS } from "../../requests/riskHints.ts";
import { section, typedSection } from "./blocks.ts";
import { fitText, plural } from "./format.ts";

/**
 * Each quoted value (a URL, a host, a client Id) at most this long, and at most HINT_ITEMS of a
 * list: with them every hint stays short at the form's maximums (surfaces-limits tests), and the
 * values are whole in "View full request".
 */
const HINT_VALUE_MAX = 100;
const HINT_ITEMS = 3;

function list(items: readonly string[]): string {
  const shown = items.slice(0, HINT_ITEMS).map((item) => fitText(item, HINT_VALUE_MAX).text);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

/** One hint as a sentence of plain text: the values in it are as typed, and Slack parses none of it. */
export function hintText(hint: RiskHint): string {
  switch (hint.kind) {
    case "name_taken":
      return `Another client in this tenant already has this name (client Id ${fitText(hint.clientId, HINT_VALUE_MAX).text}).`;
    case "http_loopback":
      return `Plain http loopback ${hint.urls.length === 1 ? "URL" : "URLs"} in a tenant that needs ${hint.requiredApprovals} approvals: ${list(hint.urls)}.`;
    case "hosts_differ": {
      const parts = [
        hint.corsOnly.length > 0 ? `CORS origins on ${list(hint.corsOnly)}, where no redirect URL goes` : "",
        hint.redirectOnly.length > 0 ? `redirect URLs on ${list(hint.redirectOnly)}, without a CORS origin` : "",
      ].filter(Boolean);
      return `Redirect hosts and CORS origins differ: ${parts.join("; ")}.`;
    }
    case "short_lifetime":
      return `Token lifetime of ${hint.seconds} s, under ${plural(SHORT_LIFETIME_SECONDS / 60, "minute")}.`;
    case "many_redirects":
      return `${hint.count} redirect URLs (more than ${MANY_REDIRECTS}).`;
  }
}

/**
 * "Worth a second look", for approvers: a heading in our mrkdwn, then the hints in plain_text (they
 * quote what was typed). Nothing when there is nothing to say.
 */
export function riskHintBlocks(r: Parameters<typeof riskHints>[0]): KnownBlock[] {
  const hints = riskHints(r);
  if (hints.length === 0) return [];
  return [
    section(":mag: *Worth a second look* (hints for approvers; they block nothing)"),
    typedSection(hints.map((h) => `• ${hintText(h)}`).join("\n")),
  ];
}
