import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChildApp, ENTRY, killGroup, type Launch } from "../../devkit/childApp.ts";
import { APPROVAL_CHANNEL, Harness, REQUESTER, TEST_POSTGRES_SERVER_ENV, VALID_FORM } from "../../devkit/harness.ts";
import { modalStateValues, payloadBody, postSigned, viewSubmissionPayload } from "../../devkit/slackRequests.ts";
import { CALLBACKS } from "../../src/slack/ids.ts";
import { alive, childrenOf, portRefuses, processesInGroup, survivorsOfGroup } from "../support/processes.ts";
import { rawSql } from "../support/rawSql.ts";

/**
 * SIGTERM / SIGINT while the bot is busy, however it was started and wherever the signal goes:
 * to the bot's node process, to its process group (a terminal's Ctrl-C, `kill -- -PGID`), to npm
 * when it runs as `npm start`, or to npm's group. Each time: twenty senders keep submitting
 * requests, the signal comes while announcements are under way and is sent again and again while
 * the bot drains; what was signalled exits 0, every request the bot acknowledged is recorded and
 * posted, and no process of the tree is left.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SENDERS = 20;
/** Acknowledged submissions before the signal. */
const ACKED_BEFORE_SIGNAL = 60;
/** Each Slack call takes this long from the signal on, so the drain lasts well past a repeated signal. */
const SLACK_LATENCY_MS = 500;
/** Signals sent again at this pace until the exit. */
const REPEAT_EVERY_MS = 150;
const WAIT = 20_000;

type Target = "node" | "node's group" | "npm start" | "npm start's group";

/**
 * `npm start` as a person types it, except that the prestart build is skipped (ignore-scripts
 * skips only pre/post scripts): the test setup has built dist/ already, and a build here would
 * replace dist/ under the other test files' processes. No update check (no network).
 */
const NPM_START: Launch = { argv: ["npm", "start"], detached: true };
const NPM_ENV = { npm_config_ignore_scripts: "true", npm_config_update_notifier: "false", npm_config_fund: "false" };

interface Sender {
  acked: string[];
  failures: string[];
}

describe("stop signals while busy: node, its group, npm start, npm's group", () => {
  let h: Harness;
  let child: ChildApp | undefined;

  beforeEach(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "1000" } });
    await h.app.stop();
  });
  afterEach(async () => {
    const pid = child?.process.pid;
    if (pid) killGroup(pid);
    child = undefined;
    await h.stop();
  });

  const storedRequests = () =>
    rawSql<{ id: number; submission_key: string; approval_message_ts: string | null }>(
      h,
      "select id, submission_key, approval_message_ts from requests order by id",
    );

  /** Submits the request form again and again as `user`, until `until()` or the bot stops answering. */
  async function send(user: number, until: () => boolean, into: Sender): Promise<void> {
    for (let seq = 0; !until(); seq++) {
      const viewId = `VSIG${user}X${seq}`;
      const body = payloadBody(
        viewSubmissionPayload(
          { id: `U0SEND${user}`, name: `sender${user}` },
          {
            id: viewId,
            callbackId: CALLBACKS.requestForm,
            privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
            values: modalStateValues(VALID_FORM),
          },
        ),
      );
      try {
        const answer = await postSigned(child?.baseUrl ?? "", body);
        // An empty 200 is the ack that closes the form: the request is recorded.
        if (answer.status === 200 && answer.text === "") into.acked.push(viewId);
        else into.failures.push(`${viewId}: ${answer.status} ${answer.text.slice(0, 200)}`);
      } catch {
        return; // refused or cut: the bot no longer takes requests
      }
    }
  }

  async function stopWhileBusy(target: Target, signal: "SIGTERM" | "SIGINT") {
    const viaNpm = target.startsWith("npm");
    child = await ChildApp.start(
      { ...h.envForChild(), LOG_LEVEL: "info", ...(viaNpm ? NPM_ENV : {}) },
      30_000,
      viaNpm ? NPM_START : { detached: true },
    );
    const app = child;
    const group = app.process.pid ?? 0;
    // Under npm the bot is npm's child, and the very node process: `exec` in the start script
    // leaves no shell between them to swallow a signal.
    const tree = processesInGroup(group);
    const bot = viaNpm ? tree.find((p) => p.ppid === group) : tree.find((p) => p.pid === group);
    expect(bot?.cmdline).toMatch(/node .*dist\/main\.js$/);
    expect(tree.map((p) => p.pid).sort()).toEqual(viaNpm ? [group, bot?.pid].sort() : [group]);

    let exited = false;
    const exit = app.exited().then((result) => {
      exited = true;
      return result;
    });
    const sent: Sender = { acked: [], failures: [] };
    const senders = Array.from({ length: SENDERS }, (_, i) => send(i, () => exited, sent));
    await h.slack.waitFor(() => sent.acked.length >= ACKED_BEFORE_SIGNAL, WAIT, "the first acks");

    // From here every Slack call is slow: the announcements of what was acked are under way.
    h.slack.latencyMs = SLACK_LATENCY_MS;
    const kill = () => process.kill(target.endsWith("group") ? -group : group, signal);
    kill();
    let repeats = 0;
    // Again and again while the bot drains, as an impatient process manager would; not once the
    // bot has exited: a signal npm receives between its child's exit and its own is npm's to die of.
    while (!exited) {
      await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, REPEAT_EVERY_MS))]);
      if (exited || !alive(bot?.pid ?? 0)) break;
      kill();
      repeats++;
    }
    const result = await exit;
    await Promise.all(senders);

    expect(result).toEqual({ code: 0, signal: null });
    expect(app.stderr).toBe("");
    const events = app.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const stopping = events.findIndex((e) => e.event === "stopping");
    expect(events[stopping]).toMatchObject({ signal });
    const problems = events.filter((e) => e.level === "warn" || e.level === "error");
    expect(events.at(-1), JSON.stringify(problems.slice(0, 10), null, 1)).toMatchObject({
      event: "stopped",
      drained: true,
    });
    // The drain outlasted the repeats: work finished after the signal, and the signals that came
    // meanwhile were seen and set aside.
    const finishedAfter = events
      .slice(stopping)
      .filter((e) => e.event === "slack_request" && e.kind === "view_submission");
    expect(finishedAfter.length).toBeGreaterThan(0);
    expect(repeats).toBeGreaterThan(0);
    // Taking no new requests means: past the signal, only the submission each sender had under
    // way, and at most one more on its already open connection, are recorded (every answer from
    // the stop on closes its connection).
    const recordedAfter = events.slice(stopping).filter((e) => e.event === "transition" && e.to === "pending");
    expect(recordedAfter.length).toBeLessThanOrEqual(2 * SENDERS);
    expect(events.some((e) => e.event === "signal_ignored")).toBe(true);

    // Nothing lost: every acknowledged submission is recorded, and every request recorded was posted once.
    expect(sent.failures).toEqual([]);
    const stored = await storedRequests();
    const keys = new Set(stored.map((r) => r.submission_key));
    expect(sent.acked.filter((viewId) => !keys.has(viewId))).toEqual([]);
    expect(stored.filter((r) => !r.approval_message_ts)).toEqual([]);
    const posts = h.slack.callsOf("chat.postMessage").filter((c) => c.args.channel === APPROVAL_CHANNEL);
    expect(posts).toHaveLength(stored.length);

    // No process of the tree is left, and the port is free.
    expect(await survivorsOfGroup(group)).toEqual([]);
    expect(alive(bot?.pid ?? 0)).toBe(false);
    expect(await portRefuses(app.port)).toBe(true);
    return { acked: sent.acked.length, repeats };
  }

  it("SIGTERM while the bot is still starting: it finishes starting, stops at once, exits 0", async () => {
    // The start-up checks wait on Slack: the signal comes while the bot is inside its start.
    h.slack.hold("auth.test", 1_500);
    const checksBefore = h.slack.callsOf("auth.test").length;
    const node = spawn(process.execPath, ENTRY, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...h.envForChild(), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    node.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    node.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      node.once("exit", (code, signal) => resolve({ code, signal })),
    );
    await h.slack.waitFor(() => h.slack.callsOf("auth.test").length > checksBefore, WAIT, "the start-up check");
    node.kill("SIGTERM");
    expect(await exit).toEqual({ code: 0, signal: null });
    const events = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => (JSON.parse(l) as { event?: string }).event);
    expect(events.slice(-3)).toEqual(["started", "stopping", "stopped"]);
  });

  // Every way in on SQLite; on PostgreSQL (where the drain also waits for the pool) two of them,
  // one of each signal and kind of sender, to keep the suite's time in check.
  const onPostgres = process.env[TEST_POSTGRES_SERVER_ENV] !== undefined;
  const targets: Target[] = ["node", "node's group", "npm start", "npm start's group"];
  const cases = targets.flatMap((target) => (["SIGTERM", "SIGINT"] as const).map((signal) => ({ target, signal })));
  const chosen = onPostgres
    ? cases.filter(
        (c) =>
          (c.target === "node's group" && c.signal === "SIGTERM") ||
          (c.target === "npm start" && c.signal === "SIGINT"),
      )
    : cases;
  for (const { target, signal } of chosen) {
    it(`${signal} to ${target}, sent again throughout the drain: exit 0, nothing lost, nothing left`, async () => {
      await stopWhileBusy(target, signal);
    }, 60_000);
  }
});

/**
 * `npm start` in a terminal (a pseudo-terminal made by util-linux `script`): Ctrl-C there signals
 * the terminal's foreground process group, npm and the bot, and npm forwards its own SIGINT to the
 * bot as well — one Ctrl-C, seen twice, is one stop. A second Ctrl-C a while later is a person
 * insisting: the bot exits at once, with 130, and says so.
 */
describe("Ctrl-C in a terminal, under npm start", () => {
  let h: Harness;
  let child: ChildApp | undefined;

  beforeEach(async () => {
    h = await Harness.start();
    await h.app.stop();
  });
  let npmGroup: number | undefined;

  afterEach(async () => {
    for (const group of [npmGroup, child?.process.pid]) if (group) killGroup(group);
    child = undefined;
    npmGroup = undefined;
    await h.stop();
  });

  /** `npm start` on a terminal of its own; returns the app (stdin is the keyboard) and npm's pid. */
  async function startInTerminal(): Promise<{ app: ChildApp; npm: number }> {
    child = await ChildApp.start({ ...h.envForChild(), LOG_LEVEL: "info", ...NPM_ENV }, 30_000, {
      // -e: script exits with the command's exit code; exec: npm leads the terminal's session.
      argv: ["script", "--quiet", "--flush", "--return", "--command", "exec npm start", "/dev/null"],
      detached: true,
      stdin: "pipe",
    });
    // npm is script's child, the leader of the terminal's session and of its foreground group.
    const [npm] = childrenOf(child.process.pid ?? 0);
    expect(npm?.pgid).toBe(npm?.pid);
    expect(npm?.cmdline).toMatch(/npm/);
    npmGroup = npm?.pid;
    return { app: child, npm: npm?.pid ?? 0 };
  }

  async function busy(app: ChildApp): Promise<void> {
    const answer = await postSigned(
      app.baseUrl,
      payloadBody(
        viewSubmissionPayload(REQUESTER, {
          id: "VCTRLC",
          callbackId: CALLBACKS.requestForm,
          privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
          values: modalStateValues(VALID_FORM),
        }),
      ),
    );
    expect(answer.status).toBe(200);
  }

  it("one Ctrl-C while a post is under way: the post completes, exit 0, nothing left", async () => {
    const { app, npm } = await startInTerminal();
    h.slack.latencyMs = 2_000;
    await busy(app);
    await h.slack.waitFor(() => h.slack.callsOf("chat.postMessage").length > 0, WAIT, "the post under way");
    app.process.stdin?.write("\x03");
    const result = await app.exited();
    expect(result).toEqual({ code: 0, signal: null });
    expect(app.stderr + app.lines.join("\n")).toContain("Stopping: finishing the work under way");
    // The terminal's SIGINT and npm's forwarded one (the kernel may merge them into one), taken as one Ctrl-C.
    expect(app.lines.filter((l) => l.includes('"event":"signal_ignored"')).length).toBeLessThanOrEqual(1);
    expect(app.lines.join("\n")).not.toContain("Ctrl-C again: exiting now");
    expect(app.lines.some((l) => l.includes('"event":"stopped","drained":true'))).toBe(true);
    const [stored] = await rawSql<{ approval_message_ts: string | null }>(
      h,
      "select approval_message_ts from requests",
    );
    expect(stored?.approval_message_ts).toBeTruthy();
    expect(await survivorsOfGroup(npm)).toEqual([]);
    expect(await portRefuses(app.port)).toBe(true);
  }, 60_000);

  it("a second Ctrl-C more than 1.5 s after the first: exits at once with 130 and says so, nothing left", async () => {
    const { app, npm } = await startInTerminal();
    h.slack.latencyMs = 8_000;
    await busy(app);
    await h.slack.waitFor(() => h.slack.callsOf("chat.postMessage").length > 0, WAIT, "the post under way");
    app.process.stdin?.write("\x03");
    await app.waitForLine((l) => l.includes('"event":"stopping"'));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(app.process.exitCode).toBeNull();
    app.process.stdin?.write("\x03");
    const result = await app.exited();
    expect(result).toEqual({ code: 130, signal: null });
    expect(app.lines.join("\n")).toContain("Ctrl-C again: exiting now. Unfinished work is taken up at the next start.");
    expect(app.lines.some((l) => l.includes('"event":"stopped"'))).toBe(false);
    expect(await survivorsOfGroup(npm)).toEqual([]);
    expect(await portRefuses(app.port)).toBe(true);
  }, 60_000);
});

/**
 * `npm start` stopped before the bot runs, while its prestart build type-checks: npm passes the
 * signal on, `exec` in the scripts leaves no shell to die in between (dash does not pass signals
 * on), the build ends its tsc, and nothing of the tree is left running on its own. In a copy of
 * the sources, so the build there cannot touch the dist/ the other tests run.
 */
describe("npm start stopped during its prestart build", () => {
  let copy = "";
  let group: number | undefined;

  afterEach(() => {
    if (group) killGroup(group);
    group = undefined;
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("SIGTERM to npm while tsc runs: the build and npm stop, no bot starts, nothing left", async () => {
    copy = mkdtempSync(join(tmpdir(), "npm-start-build-"));
    for (const path of ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts", "src", "drizzle"]) {
      cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    }
    symlinkSync(realpathSync(join(ROOT, "node_modules")), join(copy, "node_modules"));
    const npm = spawn("npm", ["start"], {
      cwd: copy,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", npm_config_update_notifier: "false" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    group = npm.pid ?? 0;
    let output = "";
    npm.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const tsc = await waitUntil(
      () => processesInGroup(group ?? 0).find((p) => p.cmdline.includes("typescript/bin/tsc")),
      WAIT,
      () => `tsc under npm start (${output})`,
    );
    // Nothing but processes: no shell is left between npm, the nested npm, tsx, the build and tsc.
    expect(processesInGroup(group).filter((p) => /^(\/bin\/)?(da)?sh /.test(p.cmdline))).toEqual([]);

    process.kill(group, "SIGTERM");
    const result = await exit;
    // The build did not finish, so npm reports the prestart as failed (exit 143 = stopped by SIGTERM).
    expect(result).toEqual({ code: 143, signal: null });
    expect(await survivorsOfGroup(group)).toEqual([]);
    expect(alive(tsc.pid)).toBe(false);
    expect(existsSync(join(copy, "dist", "main.js"))).toBe(false);
  }, 60_000);
});

async function waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
