import { FORM } from "../../requests/form.ts";
import { channelLink } from "./format.ts";

export function helpText(command: string, approvalChannelId: string): string {
  const l = FORM.accessTokenLifetime;
  return [
    `*${command}* asks for a new *authorization code client* in AVEVA Data Hub, reviewed by approvers in ${channelLink(approvalChannelId)}.`,
    `• \`${command}\` opens the request form: name, redirect URLs (${FORM.redirectUris.min}–${FORM.redirectUris.max}), optional logout redirect URLs and CORS origins, token lifetime (${l.min}–${l.max} s, default ${l.default}) and a justification.`,
    `• \`${command} status\` lists your recent requests; \`${command} status 12\` shows request #12.`,
    `• \`${command} clients\` lists the clients you asked for, as the tenant has them now, with buttons to change, disable, enable or delete one (reviewed like a new client); approvers can look one up with \`${command} clients 12\` or its client Id.`,
    `• \`${command} help\` shows this.`,
    "Once approved, I create the client and send you its client Id in a direct message.",
  ].join("\n");
}
