import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppOptions, type RunningApp, startApp } from "../src/app.ts";
import { type Config, parseConfig } from "../src/config.ts";
import type { Stores } from "../src/db/database.ts";
import type { Request } from "../src/requests/request.ts";
import { CALLBACKS } from "../src/slack/ids.ts";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "./identityStandIn.ts";
import { createDatabase, dropDatabase } from "./postgresServer.ts";
import {
  buttonClickPayload,
  type FormValues,
  modalStateValues,
  type Person,
  payloadBody,
  postSigned,
  SIGNING_SECRET,
  type SignedResponse,
  slashCommandBody,
  viewSubmissionPayload,
} from "./slackRequests.ts";
import { type SlackCall, SlackStandIn, type SlackStandIn as SlackStandInType } from "./slackStandIn.ts";

export const BOT_TOKEN = "xoxb-test-bot-token-for-tests-only";
export const APPROVAL_CHANNEL = "C0APPROVALS";
export const REQUESTER: Person = { id: "U0REQUEST", name: "rita" };
export const APPROVER: Person = { id: "U0APPROVE1", name: "alice" };
export const APPROVER_2: Person = { id: "U0APPROVE2", name: "bob" };
export const OUTSIDER: Person = { id: "U0OUTSIDE", name: "oscar" };

export const VALID_FORM: FormValues = {
  name: "Plant dashboard",
  redirectUris: "https://dashboard.example.com/callback\nhttp://localhost:5173/callback",
  postLogoutRedirectUris: "https://dashboard.example.com/",
  allowedCorsOrigins: "https://dashboard.example.com",
  accessTokenLifetime: "1800",
  justification: "The plant dashboard team needs sign-in for the new site.",
};

export interface HarnessOptions {
  env?: Record<string, string>;
  app?: AppOptions;
  /** Reuse a database file (a restart). */
  databasePath?: string;
  /** Use this PostgreSQL database (a second replica, a restart) instead of a fresh one. */
  databaseUrl?: string;
  /** Runs once the stand-ins are up and before the app starts (e.g. to add a Socket Mode server). */
  beforeBoot?: (harness: Harness) => Promise<void>;
}

/**
 * The PostgreSQL server the end-to-end tests run against, when they run against PostgreSQL (the
 * "postgres" vitest project sets it); unset, they use a temporary SQLite file.
 */
export const TEST_POSTGRES_SERVER_ENV = "TEST_POSTGRES_SERVER_URL";

/**
 * The real app on an ephemeral port, with the Slack and Identity API stand-ins and a database of
 * its own: a temporary SQLite file, or a fresh PostgreSQL database (see TEST_POSTGRES_SERVER_ENV).
 */
export class Harness {
  readonly slack: SlackStandInType = new SlackStandIn();
  readonly identity = new IdentityStandIn();
  readonly logLines: string[] = [];
  app!: RunningApp;
  config!: Config;
  baseUrl = "";
  private dir = "";
  private viewSeq = 0;
  databasePath = "";
  /** The PostgreSQL database, when the app runs on one. */
  databaseUrl: string | undefined;
  /** A database this harness created, dropped when it stops. */
  private ownDatabase: { server: string; url: string } | undefined;
  private env: Record<string, string> = {};
  private appOptions: AppOptions = {};

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness();
    await h.init(options);
    return h;
  }

  private async init(options: HarnessOptions): Promise<void> {
    const slackApiUrl = await this.slack.start();
    const identityUrl = await this.identity.start();
    this.dir = mkdtempSync(join(tmpdir(), "auth-client-bot-"));
    this.databasePath = options.databasePath ?? join(this.dir, "bot.sqlite");
    const postgresServer = process.env[TEST_POSTGRES_SERVER_ENV];
    this.databaseUrl = options.databaseUrl;
    if (!this.databaseUrl && !options.databasePath && postgresServer) {
      this.databaseUrl = await createDatabase(postgresServer, "e2e");
      this.ownDatabase = { server: postgresServer, url: this.databaseUrl };
    }
    this.env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackApiUrl,
      PORT: "0",
      DATABASE_PATH: this.databasePath,
      ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
      OCS_URL: identityUrl,
      OCS_TENANT_ID: TENANT_ID,
      OCS_CLIENT_ID,
      OCS_CLIENT_SECRET,
      APPROVAL_CHANNEL_ID: APPROVAL_CHANNEL,
      APPROVER_USER_IDS: `${APPROVER.id},${APPROVER_2.id}`,
      LOG_LEVEL: "debug",
      OCS_RETRY_BASE_MS: "5",
      OCS_RETRY_MAX_SECONDS: "5",
      OCS_REQUEST_TIMEOUT_SECONDS: "2",
      REQUEST_SWEEP_SECONDS: "0.1",
      OCS_CREATION_LEASE_SECONDS: "2",
      ...options.env,
    };
    this.appOptions = {
      slackRetries: { retries: 0 },
      drainTimeoutMs: 3000,
      ...options.app,
    };
    await options.beforeBoot?.(this);
    await this.boot();
  }

  private async boot(): Promise<void> {
    const parsed = parseConfig(this.env);
    if (!parsed.ok) throw new Error(parsed.message);
    this.config = parsed.config;
    this.app = await startApp(this.config, { ...this.appOptions, writeLog: (line) => this.logLines.push(line) });
    this.baseUrl = `http://127.0.0.1:${this.app.port}`;
  }

  /** The environment this harness gives the app, for starting it as a separate process (ChildApp). */
  envForChild(): Record<string, string> {
    const { PORT: _port, ...env } = this.env;
    return env;
  }

  /** Stops the app (gracefully) and starts it again on the same database file. */
  async restart(): Promise<void> {
    await this.app.stop();
    await this.boot();
  }

  /** Stops everything; then fails if Slack would have refused any call the app made. */
  async stop(): Promise<void> {
    await this.app?.stop();
    await this.slack.stop();
    await this.identity.stop();
    if (this.ownDatabase) await dropDatabase(this.ownDatabase.server, this.ownDatabase.url);
    rmSync(this.dir, { recursive: true, force: true });
    this.assertNoRefusedCalls();
  }

  /**
   * Throws, naming each call and its problems, if the Slack stand-in refused any call for Slack's
   * limits. Every test's harness checks this when it stops; a test that means to provoke a refusal
   * takes it out of `slack.refused` once it has looked at it.
   */
  assertNoRefusedCalls(): void {
    const refused = this.slack.refused;
    if (refused.length === 0) return;
    const lines = refused.map((r) => `${r.method}: ${r.error} (${r.problems.slice(0, 3).join("; ")})`);
    throw new Error(`Slack would have refused ${refused.length} call(s):\n${lines.join("\n")}`);
  }

  get service() {
    return this.app.service;
  }

  /** The running app's stores, for reading (and, in tests of bad paths, changing) what is recorded. */
  get store(): Stores {
    return this.app.database.stores;
  }

  /** Request `id` as stored now. */
  request(id: number): Promise<Request | undefined> {
    return this.store.reads.get(id);
  }

  /** The newest request of `user`. */
  async latestRequestOf(user: Person): Promise<Request | undefined> {
    return (await this.store.reads.listByRequester(user.id, 1))[0];
  }

  post(body: string, options?: Parameters<typeof postSigned>[2]): Promise<SignedResponse> {
    return postSigned(this.baseUrl, body, options);
  }

  command(user: Person, text = "", channelId = "C0ORIGIN"): Promise<SignedResponse> {
    return this.post(
      slashCommandBody(user, {
        text,
        channelId,
        triggerId: this.slack.issueTrigger(),
        responseUrl: this.slack.responseUrl(),
      }),
    );
  }

  /** Submits the request modal as `user` typed it. */
  submitForm(
    user: Person,
    values: FormValues,
    options: { viewId?: string; channelId?: string } = {},
  ): Promise<SignedResponse> {
    const viewId = options.viewId ?? `VFORM${++this.viewSeq}`;
    return this.post(
      payloadBody(
        viewSubmissionPayload(user, {
          id: viewId,
          callbackId: CALLBACKS.requestForm,
          privateMetadata: JSON.stringify({ channelId: options.channelId ?? "C0ORIGIN" }),
          values: modalStateValues(values),
        }),
      ),
    );
  }

  /** Submits a valid form and waits for the approval post; returns the request's number and message ts. */
  async submitValid(user: Person = REQUESTER, values: FormValues = VALID_FORM): Promise<{ id: number; ts: string }> {
    const before = this.approvalPosts().length;
    const answer = await this.submitForm(user, values);
    if (answer.status !== 200 || answer.text !== "")
      throw new Error(`Submission refused: ${answer.status} ${answer.text}`);
    const posts = await this.slack.waitForCalls("chat.postMessage", before + 1, isApprovalPost);
    const post = posts[before];
    const latest = await this.latestRequestOf(user);
    if (!latest || !post) throw new Error("No request recorded");
    const ts = await this.slack.waitFor(
      async () => (await this.request(latest.id))?.approvalMessageTs ?? undefined,
      5000,
      "approval ts",
    );
    return { id: latest.id, ts };
  }

  click(
    user: Person,
    actionId: string,
    requestId: number | string,
    messageTs = "1.000001",
    channelId = APPROVAL_CHANNEL,
  ): Promise<SignedResponse> {
    return this.post(
      payloadBody(
        buttonClickPayload(user, {
          actionId,
          value: String(requestId),
          channelId,
          messageTs,
          triggerId: this.slack.issueTrigger(),
          responseUrl: this.slack.responseUrl(),
        }),
      ),
    );
  }

  submitDenyReason(user: Person, requestId: number, reason: string | null): Promise<SignedResponse> {
    return this.post(
      payloadBody(
        viewSubmissionPayload(user, {
          id: `VDENY${++this.viewSeq}`,
          callbackId: "deny_request_reason",
          privateMetadata: JSON.stringify({ requestId }),
          values: { reason: { value: { type: "plain_text_input", value: reason } } },
        }),
      ),
    );
  }

  /** Waits until the request reaches `status`. */
  waitForStatus(id: number, status: string, timeoutMs = 5000) {
    return this.slack.waitFor(
      async () => {
        const r = await this.request(id);
        return r?.status === status ? r : undefined;
      },
      timeoutMs,
      `request #${id} to be ${status}`,
    );
  }

  /**
   * Waits until the check for another client of the same name (a risk hint, run in the background
   * after the approval post) has ended for request `id`, found or not, failed or not: its log line.
   * For tests whose Identity API counts or one-shot faults must not meet that check.
   */
  nameCheckDone(id: number, timeoutMs = 8000): Promise<string> {
    const ended = new RegExp(`"event":"name_check(ed|_failed)".*"request":${id}[,}]`);
    return this.slack.waitFor(() => this.logLines.find((l) => ended.test(l)), timeoutMs, `request #${id}'s name check`);
  }

  /** Requests posted for approval (not thread replies) in the approval channel. */
  approvalPosts(): SlackCall[] {
    return this.slack.callsOf("chat.postMessage").filter(isApprovalPost);
  }

  /** Direct messages the bot sent to a user. */
  dmsTo(user: Person) {
    return this.slack.callsOf("chat.postMessage").filter((c) => c.args.channel === user.id);
  }

  ephemeralsTo(user: Person) {
    return this.slack.callsOf("chat.postEphemeral").filter((c) => c.args.user === user.id);
  }
}

export function isApprovalPost(c: SlackCall): boolean {
  return c.args.channel === APPROVAL_CHANNEL && !c.args.thread_ts;
}

/** All the text of a message's blocks, for assertions about what people read. */
export function textOf(args: Record<string, unknown>): string {
  const parts: string[] = [String(args.text ?? "")];
  const walk = (node: unknown) => {
    if (typeof node === "string") return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "text" && typeof v === "string") parts.push(v);
        else walk(v);
      }
    }
  };
  walk(args.blocks);
  return parts.join("\n");
}
