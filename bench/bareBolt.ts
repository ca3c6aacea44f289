/**
 * The baseline: a bare Bolt app (same Bolt version and receiver settings as our app) that makes
 * the same Slack calls as ours and nothing else — no validation, no database, no Identity API.
 * Compiled with `tsc -b bench/tsconfig.build.json` (→ bench/dist/bareBolt.js) and started
 * by the benchmark as production starts ours: `node --enable-source-maps bench/dist/bareBolt.js`.
 * Configured through the environment; the payloads it sends are read from the JSON file in
 * BENCH_FIXTURES. It imports nothing of ours (its compile would pull src/ in), so the file's
 * shape is declared here and bench/fixtures.ts is checked against it.
 */
import { readFileSync } from "node:fs";
import { App, type CustomRoute, HTTPReceiver } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";

interface Message {
  text: string;
  blocks: KnownBlock[];
}

/** Everything the bare Bolt app needs, handed over as one JSON file (BENCH_FIXTURES). */
export interface BareFixtures {
  command: string;
  viewCallback: string;
  approveAction: string;
  approvalChannel: string;
  modal: ModalView;
  approval: Message;
  dm: Message;
  approved: Message;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const fixtures = JSON.parse(readFileSync(required("BENCH_FIXTURES"), "utf8")) as BareFixtures;

const healthz: CustomRoute = {
  path: "/healthz",
  method: ["GET"],
  handler: (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
  },
};
// The same receiver and Web API client settings as src/app.ts uses in HTTP mode.
const receiver = new HTTPReceiver({
  signingSecret: required("SLACK_SIGNING_SECRET"),
  endpoints: "/slack/events",
  customRoutes: [healthz],
  bodyLimit: 256 * 1024,
});
const app = new App({
  token: required("SLACK_BOT_TOKEN"),
  receiver,
  clientOptions: { slackApiUrl: required("SLACK_API_URL"), timeout: 10_000 },
});

app.command(fixtures.command, async ({ ack, client, command }) => {
  await ack();
  await client.views.open({ trigger_id: command.trigger_id, view: fixtures.modal });
});

app.view(fixtures.viewCallback, async ({ ack, body, client }) => {
  await ack();
  await client.chat.postMessage({
    channel: fixtures.approvalChannel,
    text: fixtures.approval.text,
    blocks: fixtures.approval.blocks,
    unfurl_links: false,
    unfurl_media: false,
  });
  await client.chat.postMessage({
    channel: body.user.id,
    text: fixtures.dm.text,
    blocks: fixtures.dm.blocks,
    unfurl_links: false,
  });
});

app.action(fixtures.approveAction, async ({ ack, body, client }) => {
  await ack();
  const channel = body.channel?.id ?? fixtures.approvalChannel;
  const ts = body.type === "block_actions" ? (body.message?.ts ?? body.container.message_ts) : undefined;
  if (typeof ts !== "string") return;
  await client.chat.update({ channel, ts, text: fixtures.approved.text, blocks: fixtures.approved.blocks });
});

app.error(async () => {
  // Failures show up in the benchmark's counts; nothing to log here.
});

await receiver.start(Number(required("PORT")));
process.stdout.write(`bare bolt listening on ${required("PORT")}\n`);

process.once("SIGTERM", () => {
  receiver.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
