import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonOrText, readBody, sleep } from "./http.ts";
import { checkSlackCall, RESPONSE_URL, type SlackLimitError } from "./slackLimits.ts";

/** One Web API call as the stand-in received it; JSON-encoded fields (blocks, view) are decoded. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
}

export interface ResponseUrlPost {
  path: string;
  body: Record<string, unknown>;
}

interface Fault {
  method: string;
  /** Absent: the call is only held for `delayMs`, then answered as usual. */
  error?: string;
  times: number;
  /** HTTP status: 429 with Retry-After for ratelimited, like Slack. */
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  /** Only calls whose `channel` argument is this (e.g. the approval channel, not DMs). */
  channel?: string;
  /** Only calls whose arguments satisfy this. */
  matching?: (args: Record<string, unknown>) => boolean;
}

/** A call (or response_url post) Slack would have refused for its limits, and why. */
export interface RefusedCall {
  method: string;
  args: Record<string, unknown>;
  error: SlackLimitError;
  problems: string[];
}

const JSON_FIELDS = new Set(["blocks", "attachments", "view", "metadata"]);
/** Slack's lifetime of a trigger_id. */
const TRIGGER_TTL_MS = 3000;

/**
 * A local stand-in for the Slack Web API: records every call and answers like Slack, or with the
 * errors a test asks for. Also receives response_url posts under /response/.
 *
 * Every message and view is checked against Slack's limits (slackLimits.ts): what Slack would
 * refuse is refused the same way and kept in `refused`, so a test sees the failure the app would
 * meet in production instead of a success Slack would never give.
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  /** Calls and response_url posts refused for Slack's limits, oldest first. */
  readonly refused: RefusedCall[] = [];
  /** Check calls against Slack's limits (on by default; a benchmark may turn it off). */
  checkLimits = true;
  /** Members of user groups, for usergroups.users.list. */
  readonly usergroups = new Map<string, string[]>();
  /** What conversations.info answers for the approval channel. */
  channelInfo: Record<string, unknown> = { is_member: true, is_private: false, is_archived: false };
  scopes = "commands,chat:write,chat:write.public,im:write,users:read,usergroups:read,channels:read,groups:read";
  botUserId = "UBOT";
  /** Extra delay on every answer, in ms (for timeouts). */
  latencyMs = 0;
  expiredTriggers = 0;
  /** What apps.connections.open hands out (Socket Mode; see socketModeStandIn.ts). */
  socketUrl: string | undefined;
  /** Keep every call in `calls` (tests read them); a long benchmark turns this off to bound memory. */
  recordCalls = true;
  /** Told of each Web API call as it arrives, before it is answered (benchmarks time arrivals with it). */
  onCall: ((call: SlackCall) => void) | undefined;
  /** Told of each normal answer (not injected faults) just before it is sent. */
  onAnswer: ((call: SlackCall, answer: Record<string, unknown>) => void) | undefined;
  private readonly faults: Fault[] = [];
  private readonly triggers = new Map<string, number>();
  private readonly usedTriggers = new Set<string>();
  private server: Server | undefined;
  private seq = 0;
  private waiters: (() => void)[] = [];
  url = "";

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Slack keeps its connections open between calls. Node's 5 s default lets fetch (undici) reuse
    // them; a 1 s timeout made undici open a new connection for every call.
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return `${this.url}/api/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A trigger_id Slack would hand out now; views.open refuses it after 3 s or a second use. */
  issueTrigger(): string {
    const id = `${++this.seq}.${Date.now()}.trigger`;
    this.triggers.set(id, Date.now());
    return id;
  }

  responseUrl(): string {
    return `${this.url}/response/${++this.seq}`;
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }`. */
  fail(
    method: string,
    error: string,
    options: { times?: number; status?: number; retryAfterSeconds?: number; delayMs?: number; channel?: string } = {},
  ): void {
    this.faults.push({ method, error, times: options.times ?? 1, ...options });
  }

  /** The next `times` calls of `method` (those matching `options`) wait `delayMs`, then are answered as usual. */
  hold(
    method: string,
    delayMs: number,
    options: { times?: number; channel?: string; matching?: (args: Record<string, unknown>) => boolean } = {},
  ): void {
    this.faults.push({ method, times: options.times ?? 1, delayMs, ...options });
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves once `predicate` holds over the recorded calls; rejects after `timeoutMs`. */
  async waitFor<T>(
    predicate: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 5000,
    what = "Slack call",
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 25);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` calls of `method` (matching `filter`) have arrived and returns them. */
  waitForCalls(
    method: string,
    count = 1,
    filter: (c: SlackCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<SlackCall[]> {
    return this.waitFor(
      () => {
        const found = this.callsOf(method).filter(filter);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      `${count} × ${method}`,
    );
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path.startsWith("/response/")) {
      const body = parseJson(raw);
      this.responses.push({ path, body });
      this.notify();
      const refusal = this.refusal(RESPONSE_URL, body);
      // A response_url answers a refused body with HTTP 400 and the error as plain text.
      if (refusal) return sendText(res, 400, refusal);
      return send(res, 200, { ok: true });
    }
    const method = path.replace(/^\/api\//, "");
    const args = parseArgs(raw, req.headers["content-type"] ?? "");
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : typeof args.token === "string" ? args.token : undefined;
    const call: SlackCall = { method, args, token, at: Date.now() };
    if (this.recordCalls) this.calls.push(call);
    this.onCall?.(call);
    this.notify();
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const fault = this.faults.find(
      (f) =>
        f.method === method &&
        f.times > 0 &&
        (f.channel === undefined || f.channel === args.channel) &&
        (f.matching === undefined || f.matching(args)),
    );
    if (fault) {
      fault.times--;
      if (fault.delayMs) await sleep(fault.delayMs);
    }
    if (fault?.error !== undefined) {
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { "Retry-After": String(fault.retryAfterSeconds) } : {};
      return send(res, fault.status ?? 200, { ok: false, error: fault.error }, headers);
    }
    if (!token?.startsWith("xoxb-") && !token?.startsWith("xapp-"))
      return send(res, 200, { ok: false, error: "not_authed" });
    const refusal = this.refusal(method, args);
    if (refusal) return send(res, 200, { ok: false, error: refusal });
    const answer = this.answer(method, args);
    this.onAnswer?.(call, answer);
    return send(res, 200, answer, { "x-oauth-scopes": this.scopes });
  }

  /** The error Slack would answer `args` with (the call is then kept in `refused`), or undefined. */
  private refusal(method: string, args: Record<string, unknown>): SlackLimitError | undefined {
    if (!this.checkLimits) return undefined;
    const { error, problems } = checkSlackCall(method, args);
    if (error) this.refused.push({ method, args, error, problems });
    return error;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, "0")}`;
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://example.slack.com/",
          team: "Example",
          user: "auth-client-bot",
          team_id: "T0TEST",
          user_id: this.botUserId,
          bot_id: "B0TEST",
        };
      case "chat.postMessage":
        return { ok: true, channel: args.channel, ts: ts(), message: { text: args.text } };
      case "chat.update":
        return { ok: true, channel: args.channel, ts: args.ts };
      case "chat.postEphemeral":
        return { ok: true, message_ts: ts() };
      case "views.open":
      case "views.push": {
        const trigger = String(args.trigger_id ?? "");
        const issued = this.triggers.get(trigger);
        if (this.usedTriggers.has(trigger)) return { ok: false, error: "invalid_trigger_id" };
        if (issued !== undefined && Date.now() - issued > TRIGGER_TTL_MS) {
          this.expiredTriggers++;
          return { ok: false, error: "expired_trigger_id" };
        }
        if (issued !== undefined) this.usedTriggers.add(trigger);
        return { ok: true, view: { ...(args.view as object), id: `V${++this.seq}` } };
      }
      case "views.update":
      case "views.publish":
        return { ok: true, view: { ...(args.view as object), id: args.view_id ?? `V${++this.seq}` } };
      case "usergroups.users.list": {
        const users = this.usergroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: "no_such_subteam" };
      }
      case "conversations.info":
        return { ok: true, channel: { id: args.channel, name: "approvals", ...this.channelInfo } };
      case "apps.connections.open":
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: "not_allowed_token_type" };
      case "conversations.open":
        return { ok: true, channel: { id: `D${String(args.users ?? "")}` } };
      default:
        return { ok: true };
    }
  }
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/json")) return parseJson(raw);
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? jsonOrText(value) : value;
  }
  return args;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain" });
  res.end(text);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
