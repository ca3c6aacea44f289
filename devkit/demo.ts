/**
 * `npm run demo`: the whole flow on this machine, with no Slack or AVEVA account. The real app
 * runs against the local stand-ins of the Slack Web API and the Identity API that the tests use;
 * this script plays a requester and an approver by sending signed requests, as Slack would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "../src/errorMessage.ts";
import { APPROVER, Harness, REQUESTER, textOf, VALID_FORM } from "./harness.ts";

const say = (text: string) => process.stdout.write(`${text}\n`);
const step = (n: number, text: string) => say(`\n[${n}] ${text}`);

async function demo(): Promise<void> {
  say("DEMO — auth-client bot against local stand-ins of Slack and the AVEVA Identity API.");
  say("Nothing here talks to the internet; no real workspace or tenant is touched.");
  const dir = mkdtempSync(join(tmpdir(), "auth-client-demo-"));
  const h = await Harness.start({ databasePath: join(dir, "demo.sqlite"), env: { LOG_LEVEL: "warn" } });
  try {
    say(`App listening on ${h.baseUrl} (POST /slack/events, GET /healthz)`);
    say(`Slack stand-in: ${h.slack.url}   Identity API stand-in: ${h.identity.url}`);

    step(1, `@${REQUESTER.name} types /create-auth-client`);
    await h.command(REQUESTER);
    const [opened] = await h.slack.waitForCalls("views.open");
    const modal = opened?.args.view as { title?: { text?: string }; blocks?: unknown[] } | undefined;
    say(`    the bot opened the modal "${modal?.title?.text}" with ${modal?.blocks?.length} blocks`);

    step(2, `@${REQUESTER.name} fills it in and submits:`);
    for (const [field, value] of Object.entries(VALID_FORM))
      say(`    ${field}: ${String(value).replace(/\n/g, " | ")}`);
    const { id, ts } = await h.submitValid(REQUESTER, VALID_FORM);
    const recorded = await h.request(id);
    say(`    recorded as request #${id} (status ${recorded?.status}), client Id reserved: ${recorded?.clientGuid}`);
    say(`    posted for approval in ${h.config.approvalChannelId} (message ts ${ts})`);
    const ack = await h.slack.waitFor(() => h.dmsTo(REQUESTER)[0]);
    say(`    DM to @${REQUESTER.name}: "${String(ack.args.text)}"`);

    step(3, `@${REQUESTER.name}, who is not an approver, clicks Approve`);
    await h.click(REQUESTER, "approve_request", id, ts);
    const refusal = await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER)[0]);
    say(`    ephemeral to @${REQUESTER.name}: "${String(refusal.args.text)}"`);

    step(4, `@${APPROVER.name} (an approver) clicks Approve`);
    await h.click(APPROVER, "approve_request", id, ts);
    const created = await h.waitForStatus(id, "created", 15_000);
    const post = h.identity.callsTo("POST clients")[0];
    say(`    the bot called POST ${post?.path}`);
    say(`    body: ${JSON.stringify(post?.body)}`);

    step(5, "The requester is told");
    const dm = await h.slack.waitFor(() =>
      h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes(created.createdClientId ?? "?")),
    );
    say(`    DM to @${REQUESTER.name}: "${String(dm.args.text)}"`);

    say(`\nClient Id: ${created.createdClientId}`);
    say(`Audit trail of request #${id}:`);
    for (const e of await h.store.reads.auditOf(id)) {
      say(
        `    ${new Date(e.at).toISOString()}  ${e.actor.padEnd(10)} ${String(e.fromStatus ?? "—").padEnd(8)} → ${e.toStatus}${e.detail ? `  (${e.detail})` : ""}`,
      );
    }
    say("\nDemo complete. Run `npm start` with a real .env to use it in your workspace.");
  } finally {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

demo().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`Demo failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
