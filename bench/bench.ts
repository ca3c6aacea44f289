/**
 * The benchmark's core: starts the Slack and Identity API stand-ins, a PostgreSQL server when
 * asked, our app in each set-up (SQLite; PostgreSQL with one replica; two replicas) and the bare
 * Bolt baseline — each its own compiled process, on loopback — drives them with signed requests at
 * several concurrencies, one app after the other, rotating the order run by run, and returns the
 * measurements. bench/run.ts is the command line around it; test/bench-smoke*.test.ts run its
 * smoke mode.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { IdentityStandIn } from "../devkit/identityStandIn.ts";
import {
  buttonClickPayload,
  modalStateValues,
  payloadBody,
  slashCommandBody,
  viewSubmissionPayload,
} from "../devkit/slackRequests.ts";
import { SlackStandIn } from "../devkit/slackStandIn.ts";
import {
  APPROVAL_CHANNEL,
  APPROVER,
  type BareFixtures,
  bareFixtures,
  FAKE,
  formValues,
  ORIGIN_CHANNEL,
  REQUESTER_POOL,
  requesterId,
} from "./fixtures.ts";
import {
  Arrivals,
  closedLoop,
  type LatencySummary,
  percentile,
  RoundRobinSender,
  type Sender,
  SlackSender,
  summarise,
} from "./load.ts";
import { type CpuMark, cpuMsOf, NeighbourWatch, treeCpuMs } from "./machine.ts";
import { type BenchPostgres, benchPostgres } from "./postgres.ts";
import { AppProcess, buildApps, ENTRIES, type Memory, ROOT } from "./processes.ts";
import { type SeedSummary, seedDatabase, seedPostgres } from "./seed.ts";

/**
 * Our app's set-ups, each driven against the same bare Bolt baseline: on SQLite (the default
 * deployment, which issue 11's targets are about), and on PostgreSQL with one and two replicas.
 */
export const SETUPS = ["ours", "pg", "pg2"] as const;
export type Setup = (typeof SETUPS)[number];
export const APPS = [...SETUPS, "bare"] as const;
export type AppId = (typeof APPS)[number];
export const APP_LABELS: Record<AppId, string> = {
  ours: "ours on SQLite",
  pg: "ours on PostgreSQL",
  pg2: "ours on PostgreSQL, 2 replicas",
  bare: "bare Bolt",
};
export const REPLICAS: Record<Setup, number> = { ours: 1, pg: 1, pg2: 2 };
export const onPostgres = (setup: Setup): boolean => setup !== "ours";

export const METRICS = [
  { id: "slash.ack", label: "slash command → ack" },
  { id: "slash.open", label: "slash command → views.open arrives" },
  { id: "submit.ack", label: "view submission → ack" },
  { id: "submit.dm", label: "view submission → both messages posted" },
  { id: "approve.ack", label: "approve click → ack" },
  { id: "approve.update", label: "approve click → chat.update arrives" },
  { id: "approve.post", label: "approve click → Identity API POST arrives" },
] as const;
export type MetricId = (typeof METRICS)[number]["id"];
export const PHASES = ["slash", "submit", "approve"] as const;
export type Phase = (typeof PHASES)[number];

export interface ScenarioSpec {
  name: string;
  /** Requests written into the database before our app starts (0: a fresh, empty file). */
  seedRows: number;
}

export interface BenchOptions {
  /** Our app's set-ups, each run against bare Bolt (at least one). */
  setups: Setup[];
  /** A PostgreSQL server (superuser URL; CREATE DATABASE allowed) to use instead of starting one. */
  postgresUrl?: string | undefined;
  concurrencies: number[];
  /** Operations per phase in one run, per concurrency (same order as `concurrencies`). */
  counts: number[];
  /** Runs per app and concurrency; the apps take turns, in an order that rotates run by run. */
  runs: number;
  /** Operations per phase in the unrecorded warm-up run of each app. */
  warmupCount: number;
  /** Operations per phase in the unrecorded burst before each measured run (at least the concurrency). */
  preRunCount: number;
  scenarios: ScenarioSpec[];
  /** How long one operation may wait for the Slack or Identity API call it causes. */
  opTimeoutMs: number;
  /** Between phases, wait until the stand-ins have been idle this long (the app's follow-up work is done). */
  quietMs: number;
  /** Profile both apps with node --cpu-prof (profiles kept under the run's scratch directory). */
  cpuProfile?: boolean;
  /** Keep the scratch directory (logs, databases, profiles) even when everything went well. */
  keepTmp?: boolean;
  /** Write every measurement (app, run, metric, when, latency) to trace.csv in the scratch directory. */
  trace?: boolean;
  /** Where the scratch directory goes (default bench/tmp/). */
  tmpRoot?: string;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
  /**
   * Entry of "our app" (default dist/main.js of this checkout, built first): to compare another
   * checkout's build or a patched copy (a .ts entry runs through tsx).
   */
  oursEntry?: string | undefined;
}

export interface MetricStats extends LatencySummary {
  /** Operations per second over the runs (operations / phase wall time). */
  rps: number;
  /** p99 of each run, in run order, to show run-to-run spread (and to pair runs of two apps). */
  runP99: number[];
  /** Operations per second of each run, in run order. */
  runRps: number[];
}

export interface AppLevelResult {
  metrics: Partial<Record<MetricId, MetricStats>>;
  expiredTriggers: number;
  /** Requests posted for approval more than once (seen in the submission phase). */
  duplicateApprovalPosts: number;
  errors: number;
  errorSamples: string[];
  /** CPU time of the app's process per operation of each phase (follow-up work included), in ms. */
  cpuMsPerOp: Record<Phase, number>;
  /** CPU time of the PostgreSQL server per operation of each phase, in ms (NaN: none, or not ours to measure). */
  databaseCpuMsPerOp: Record<Phase, number>;
  /** Highest share of one core the benchmark's own process (load and stand-ins) used in a phase. */
  driverBusyMax: number;
  /** Calls to the stand-ins per operation of each phase, by method or route. */
  callsPerOp: Record<Phase, Record<string, number>>;
  /** Share of the whole machine (all cores) other processes used during each measured run. */
  othersBusy: number[];
}

export interface LevelResult {
  concurrency: number;
  countPerRun: number;
  runs: number;
  apps: Partial<Record<AppId, AppLevelResult>>;
}

/** RSS of one process (one replica) right after start and at the end of the scenario. */
export interface ProcessMemory {
  afterStart: Memory | undefined;
  atEnd: Memory | undefined;
}

export interface ScenarioResult {
  name: string;
  /** The SQLite seeding (undefined: an empty database). */
  seed: SeedSummary | undefined;
  /** How long seeding the PostgreSQL database took, when one was seeded. */
  postgresSeedMs: number | undefined;
  memory: Partial<Record<AppId, ProcessMemory[]>>;
  levels: LevelResult[];
}

export interface BenchResult {
  environment: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    date: string;
    /** The PostgreSQL server and its durability settings, when a set-up used it. */
    postgres: string | undefined;
    /** 1, 5 and 15-minute load averages when the benchmark started and ended. */
    loadAverage: { start: number[]; end: number[] };
  };
  options: Omit<BenchOptions, "progress" | "tmpRoot" | "oursEntry" | "postgresUrl">;
  /** How long building both apps took (npm run build for ours, tsc -b for bare Bolt). */
  buildMs: number;
  scenarios: ScenarioResult[];
  durationMs: number;
  /** Where logs and profiles were kept (only when kept). */
  keptTmp: string | undefined;
}

export function smokeOptions(): BenchOptions {
  return {
    setups: ["ours"],
    concurrencies: [1, 4],
    counts: [5, 8],
    runs: 1,
    warmupCount: 0,
    preRunCount: 0,
    scenarios: [{ name: "smoke: 300 requests in the database", seedRows: 300 }],
    opTimeoutMs: 10_000,
    quietMs: 100,
  };
}

export function fullOptions(): BenchOptions {
  return {
    setups: [...SETUPS],
    concurrencies: [1, 50, 200],
    counts: [1000, 1200, 1200],
    runs: 3,
    warmupCount: 300,
    preRunCount: 50,
    scenarios: [
      { name: "empty database", seedRows: 0 },
      { name: "100,000 requests in the database", seedRows: 100_000 },
    ],
    opTimeoutMs: 15_000,
    quietMs: 250,
  };
}

interface Approval {
  ts: string;
  /** The Approve button's value (the request number in our app). */
  value: string;
  /** The client name in the message, which the Identity API POST carries too. */
  name: string | undefined;
}

interface RunResult {
  samples: Partial<Record<MetricId, { values: number[]; durationMs: number }>>;
  expiredTriggers: number;
  duplicateApprovalPosts: number;
  errors: string[];
  /** CPU time of the app's process in each phase, follow-up work included. */
  cpuMs: Partial<Record<Phase, number>>;
  /** CPU time of the PostgreSQL server the benchmark started, in each phase (set-ups on PostgreSQL only). */
  databaseCpuMs: Partial<Record<Phase, number>>;
  /** Share of one core the benchmark's own process (load and stand-ins) used in each phase. */
  driverBusy: Partial<Record<Phase, number>>;
  /** Calls the app made to the stand-ins in each phase (follow-up work included). */
  calls: Partial<Record<Phase, Record<string, number>>>;
  operations: Record<Phase, number>;
  /** Share of the machine other processes used during the run. */
  othersBusy: number;
}

/** One app under test: one process, or (pg2) replicas behind a round robin. */
interface AppUnderTest {
  id: AppId;
  processes: AppProcess[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CLIENT_NAME = /Bench (r\d+-\d+)/;

/** CPU time of all of an app's processes, in ms; undefined when one cannot be read. */
function appCpuMs(app: AppUnderTest): number | undefined {
  let total = 0;
  for (const p of app.processes) {
    const ms = cpuMsOf(p.pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}

function approveValueOf(blocks: unknown, actionId: string): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    const elements = (block as { elements?: unknown }).elements;
    if (!Array.isArray(elements)) continue;
    for (const e of elements) {
      const element = e as { action_id?: unknown; value?: unknown };
      if (element.action_id === actionId && typeof element.value === "string") return element.value;
    }
  }
  return undefined;
}

class Bench {
  readonly slack = new SlackStandIn();
  readonly identity = new IdentityStandIn();
  private readonly arrivals = new Arrivals();
  private lastCallAt = 0;
  private approvals: Approval[] | undefined;
  private runSeq = 0;
  private readonly senders = new Map<string, Sender>();
  /** Calls the stand-ins received, by Web API method or Identity API route. */
  private readonly calls = new Map<string, number>();
  private slackUrl = "";
  private identityUrl = "";

  constructor(
    private readonly fixtures: BareFixtures,
    private readonly opTimeoutMs: number,
    private readonly quietMs: number,
    private readonly traceFile: string | undefined,
    private readonly neighbours: NeighbourWatch,
    /** CPU time so far of the PostgreSQL server the benchmark started, undefined without one. */
    private readonly databaseCpuMs: () => number | undefined,
  ) {}

  private count(what: string): void {
    this.calls.set(what, (this.calls.get(what) ?? 0) + 1);
  }

  async start(): Promise<void> {
    this.identity.clientId = FAKE.ocsClientId;
    this.identity.clientSecret = FAKE.ocsClientSecret;
    this.identity.tenantId = FAKE.tenantId;
    this.slack.recordCalls = false;
    this.identity.recordCalls = false;
    this.slack.onCall = (call) => {
      const at = performance.now();
      this.lastCallAt = at;
      this.count(call.method);
      const { args } = call;
      if (call.method === "views.open") this.arrivals.arrive(`open:${String(args.trigger_id)}`, at);
      else if (call.method === "chat.update") this.arrivals.arrive(`update:${String(args.ts)}`, at);
      else if (
        call.method === "chat.postMessage" &&
        typeof args.channel === "string" &&
        args.channel.startsWith("U") &&
        args.thread_ts === undefined
      ) {
        // A DM: the requester's, in the submission phase (only that phase waits for one).
        this.arrivals.arrive(`dm:${args.channel}`, at);
      }
    };
    this.slack.onAnswer = (call, answer) => {
      const { args } = call;
      if (
        this.approvals &&
        call.method === "chat.postMessage" &&
        args.channel === APPROVAL_CHANNEL &&
        args.thread_ts === undefined &&
        typeof answer.ts === "string"
      ) {
        const named = CLIENT_NAME.exec(String(args.text)) ?? CLIENT_NAME.exec(JSON.stringify(args.blocks));
        this.approvals.push({
          ts: answer.ts,
          value: approveValueOf(args.blocks, this.fixtures.approveAction) ?? "0",
          name: named ? `Bench ${named[1]}` : undefined,
        });
      }
    };
    this.identity.onCall = (call) => {
      const at = performance.now();
      this.lastCallAt = at;
      this.count(`Identity ${call.route}`);
      if (call.route !== "POST clients") return;
      const name = (call.body as { Name?: unknown } | undefined)?.Name;
      if (typeof name === "string") this.arrivals.arrive(`post:${name}`, at);
    };
    this.slackUrl = await this.slack.start();
    this.identityUrl = await this.identity.start();
  }

  /**
   * The connections to an app at one concurrency, kept from run to run (as Slack keeps its
   * connections open), so a run does not start with a burst of new connections.
   */
  private senderFor(app: AppUnderTest, concurrency: number): Sender {
    const key = `${app.id}:${concurrency}`;
    let sender = this.senders.get(key);
    if (!sender) {
      const replicas = app.processes.map((p) => new SlackSender(p.port, FAKE.signingSecret, concurrency));
      sender = replicas.length === 1 && replicas[0] ? replicas[0] : new RoundRobinSender(replicas);
      this.senders.set(key, sender);
    }
    return sender;
  }

  closeSenders(): void {
    for (const sender of this.senders.values()) sender.close();
    this.senders.clear();
  }

  async stop(): Promise<void> {
    this.closeSenders();
    await this.slack.stop();
    await this.identity.stop();
  }

  /** Our app's environment, on a SQLite file or (`{ url }`) a PostgreSQL database. */
  oursEnv(database: { path: string } | { url: string }): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: FAKE.botToken,
      SLACK_SIGNING_SECRET: FAKE.signingSecret,
      SLACK_APP_TOKEN: "",
      SLACK_API_URL: this.slackUrl,
      ...("path" in database ? { DATABASE_PATH: database.path } : { DATABASE_URL: database.url }),
      OCS_TENANTS: "",
      OCS_URL: this.identityUrl,
      OCS_TENANT_ID: FAKE.tenantId,
      OCS_CLIENT_ID: FAKE.ocsClientId,
      OCS_CLIENT_SECRET: FAKE.ocsClientSecret,
      APPROVAL_CHANNEL_ID: APPROVAL_CHANNEL,
      APPROVER_USER_IDS: APPROVER.id,
      APPROVER_USERGROUP_ID: "",
      LOG_LEVEL: "info",
    };
  }

  bareEnv(fixturesPath: string): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: FAKE.botToken,
      SLACK_SIGNING_SECRET: FAKE.signingSecret,
      SLACK_API_URL: this.slackUrl,
      BENCH_FIXTURES: fixturesPath,
    };
  }

  /** Waits until neither stand-in has been called for a moment: the app finished its follow-up work. */
  async quiesce(maxMs = 30_000): Promise<void> {
    const deadline = performance.now() + maxMs;
    while (performance.now() - this.lastCallAt < this.quietMs && performance.now() < deadline) await sleep(20);
  }

  /** One run: `count` slash commands, then `count` submissions, then an approve click on each request made. */
  async run(app: AppUnderTest, concurrency: number, count: number): Promise<RunResult> {
    if (count > REQUESTER_POOL) throw new Error(`At most ${REQUESTER_POOL} operations per run`);
    const tag = `r${++this.runSeq}`;
    const timeout = this.opTimeoutMs;
    const fx = this.fixtures;
    const sender = this.senderFor(app, concurrency);
    const errors: string[] = [];
    const samples: RunResult["samples"] = {};
    const runStart = performance.now();
    const trace: string[] = [];
    const ours = app.id !== "bare";
    const record = (metric: MetricId, value: number) => {
      samples[metric] ??= { values: [], durationMs: 0 };
      samples[metric].values.push(value);
      if (this.traceFile)
        trace.push(
          `${app.id},${tag},${concurrency},${metric},${(performance.now() - runStart).toFixed(1)},${value.toFixed(2)}`,
        );
    };
    const duration = (metrics: MetricId[], ms: number) => {
      for (const m of metrics) {
        samples[m] ??= { values: [], durationMs: 0 };
        samples[m].durationMs = ms;
      }
    };
    const person = (i: number) => ({ id: requesterId(i), name: `requester-${i}` });
    await this.quiesce();
    const machineMark: CpuMark = this.neighbours.mark();
    const cpuMs: Partial<Record<Phase, number>> = {};
    const driverBusy: Partial<Record<Phase, number>> = {};
    const calls: Partial<Record<Phase, Record<string, number>>> = {};
    let callsMark = new Map(this.calls);
    let cpuMark = appCpuMs(app);
    const databaseCpuMs: Partial<Record<Phase, number>> = {};
    const databaseCpu = () => (app.id === "pg" || app.id === "pg2" ? this.databaseCpuMs() : undefined);
    let databaseMark = databaseCpu();
    let driverMark = { cpu: process.cpuUsage(), at: performance.now() };
    const cpuPhase = (phase: Phase) => {
      const now = appCpuMs(app);
      if (now !== undefined && cpuMark !== undefined) cpuMs[phase] = now - cpuMark;
      cpuMark = now;
      const database = databaseCpu();
      if (database !== undefined && databaseMark !== undefined) databaseCpuMs[phase] = database - databaseMark;
      databaseMark = database;
      const used = process.cpuUsage(driverMark.cpu);
      const at = performance.now();
      driverBusy[phase] = (used.user + used.system) / 1000 / (at - driverMark.at);
      driverMark = { cpu: process.cpuUsage(), at };
      const made: Record<string, number> = {};
      for (const [what, n] of this.calls)
        if (n > (callsMark.get(what) ?? 0)) made[what] = n - (callsMark.get(what) ?? 0);
      calls[phase] = made;
      callsMark = new Map(this.calls);
    };

    // 1. Slash commands: ack, then the modal must be open within the trigger's 3 s.
    const expiredBefore = this.slack.expiredTriggers;
    await sender.warm(concurrency);
    const slash = await closedLoop(count, concurrency, async (i) => {
      const trigger = this.slack.issueTrigger();
      const opened = this.arrivals.expect(`open:${trigger}`, timeout);
      const body = slashCommandBody(person(i), {
        channelId: ORIGIN_CHANNEL,
        triggerId: trigger,
        responseUrl: this.slack.responseUrl(),
      });
      const t0 = performance.now();
      const answer = await sender.post(body, timeout);
      if (answer.status === 200) record("slash.ack", performance.now() - t0);
      else errors.push(`slash command answered ${answer.status} ${answer.text.slice(0, 120)}`);
      const at = await opened;
      if (at === undefined) errors.push("views.open did not arrive");
      else record("slash.open", at - t0);
    });
    duration(["slash.ack", "slash.open"], slash.finishedAt - slash.startedAt);
    const expiredTriggers = this.slack.expiredTriggers - expiredBefore;
    await this.quiesce();
    cpuPhase("slash");

    // 2. Valid submissions: ack (our app records the request first), then the approval post and the DM.
    const approvals: Approval[] = [];
    this.approvals = approvals;
    await sender.warm(concurrency);
    const submit = await closedLoop(count, concurrency, async (i) => {
      const user = person(i);
      const posted = this.arrivals.expect(`dm:${user.id}`, timeout);
      const payload = viewSubmissionPayload(user, {
        id: `VB${tag.toUpperCase()}X${i}`,
        callbackId: fx.viewCallback,
        privateMetadata: JSON.stringify({ channelId: ORIGIN_CHANNEL }),
        values: modalStateValues(formValues(`Bench ${tag}-${i}`)),
      });
      // Slack sends the modal's blocks with its state; so do we.
      const body = payloadBody({ ...payload, view: { ...payload.view, blocks: fx.modal.blocks } });
      const t0 = performance.now();
      const answer = await sender.post(body, timeout);
      if (answer.status === 200 && answer.text === "") record("submit.ack", performance.now() - t0);
      else errors.push(`submission answered ${answer.status} ${answer.text.slice(0, 120)}`);
      const at = await posted;
      if (at === undefined) errors.push("the requester's DM did not arrive");
      else record("submit.dm", at - t0);
    });
    duration(["submit.ack", "submit.dm"], submit.finishedAt - submit.startedAt);
    await this.quiesce();
    cpuPhase("submit");
    this.approvals = undefined;
    // Our app numbers its requests: a second approval post of the same request is a duplicate.
    const seen = new Set<string>();
    const targets = approvals.filter((a) => {
      const key = ours ? a.value : a.ts;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const duplicateApprovalPosts = approvals.length - targets.length;
    if (targets.length !== count)
      errors.push(`${targets.length} requests posted for approval after ${count} submissions`);

    // 3. Approve clicks, one per request just made: ack, the message edit, and (ours) the creation call.
    const creations: Promise<void>[] = [];
    let lastCreation = 0;
    await sender.warm(concurrency);
    const approve = await closedLoop(targets.length, concurrency, async (i) => {
      const target = targets[i];
      if (!target) return;
      const updated = this.arrivals.expect(`update:${target.ts}`, timeout);
      const created = ours && target.name ? this.arrivals.expect(`post:${target.name}`, timeout) : undefined;
      if (ours && !target.name) errors.push("approval post without the client's name");
      const click = buttonClickPayload(APPROVER, {
        actionId: fx.approveAction,
        value: target.value,
        channelId: APPROVAL_CHANNEL,
        messageTs: target.ts,
        triggerId: this.slack.issueTrigger(),
        responseUrl: this.slack.responseUrl(),
        blockId: `decision:${target.value}`,
      });
      // Slack sends the clicked message, blocks included.
      const body = payloadBody({ ...click, message: { ...click.message, blocks: fx.approval.blocks } });
      const t0 = performance.now();
      if (created) {
        creations.push(
          created.then((at) => {
            if (at === undefined) errors.push("the Identity API POST did not arrive");
            else {
              record("approve.post", at - t0);
              lastCreation = Math.max(lastCreation, at);
            }
          }),
        );
      }
      const answer = await sender.post(body, timeout);
      if (answer.status === 200) record("approve.ack", performance.now() - t0);
      else errors.push(`approve click answered ${answer.status} ${answer.text.slice(0, 120)}`);
      const at = await updated;
      if (at === undefined) errors.push("chat.update did not arrive");
      else record("approve.update", at - t0);
    });
    await Promise.all(creations);
    duration(["approve.ack", "approve.update"], approve.finishedAt - approve.startedAt);
    if (ours) duration(["approve.post"], Math.max(lastCreation, approve.finishedAt) - approve.startedAt);
    await this.quiesce();
    cpuPhase("approve");
    const othersBusy = NeighbourWatch.othersShare(machineMark, this.neighbours.mark());
    if (this.traceFile) appendFileSync(this.traceFile, `${trace.join("\n")}\n`);
    return {
      samples,
      expiredTriggers,
      duplicateApprovalPosts,
      errors,
      cpuMs,
      databaseCpuMs,
      driverBusy,
      calls,
      operations: { slash: count, submit: count, approve: targets.length },
      othersBusy,
    };
  }
}

function aggregate(runs: RunResult[]): AppLevelResult {
  const metrics: Partial<Record<MetricId, MetricStats>> = {};
  for (const { id } of METRICS) {
    const perRun = runs
      .map((r) => r.samples[id])
      .filter((s): s is { values: number[]; durationMs: number } => s !== undefined && s.values.length > 0);
    if (perRun.length === 0) continue;
    const all = perRun.flatMap((s) => s.values);
    const totalMs = perRun.reduce((sum, s) => sum + s.durationMs, 0);
    metrics[id] = {
      ...summarise(all),
      rps: totalMs > 0 ? (all.length / totalMs) * 1000 : Number.NaN,
      runP99: perRun.map((s) =>
        percentile(
          [...s.values].sort((a, b) => a - b),
          0.99,
        ),
      ),
      runRps: perRun.map((s) => (s.durationMs > 0 ? (s.values.length / s.durationMs) * 1000 : Number.NaN)),
    };
  }
  const errors = runs.flatMap((r) => r.errors);
  const cpuMsPerOp = {} as Record<Phase, number>;
  const databaseCpuMsPerOp = {} as Record<Phase, number>;
  const callsPerOp = {} as Record<Phase, Record<string, number>>;
  for (const phase of PHASES) {
    const operations = runs.reduce((sum, r) => sum + r.operations[phase], 0);
    const perOp: Record<string, number> = {};
    for (const r of runs) {
      for (const [what, n] of Object.entries(r.calls[phase] ?? {})) {
        perOp[what] = (perOp[what] ?? 0) + n / operations;
      }
    }
    callsPerOp[phase] = perOp;
    const perOperation = (spent: (number | undefined)[]) =>
      spent.every((c) => c !== undefined)
        ? spent.reduce((sum: number, c) => sum + (c ?? 0), 0) / operations
        : Number.NaN;
    cpuMsPerOp[phase] = perOperation(runs.map((r) => r.cpuMs[phase]));
    databaseCpuMsPerOp[phase] = perOperation(runs.map((r) => r.databaseCpuMs[phase]));
  }
  return {
    metrics,
    expiredTriggers: runs.reduce((sum, r) => sum + r.expiredTriggers, 0),
    duplicateApprovalPosts: runs.reduce((sum, r) => sum + r.duplicateApprovalPosts, 0),
    errors: errors.length,
    errorSamples: [...new Set(errors)].slice(0, 5),
    cpuMsPerOp,
    databaseCpuMsPerOp,
    callsPerOp,
    driverBusyMax: Math.max(...runs.flatMap((r) => Object.values(r.driverBusy))),
    othersBusy: runs.map((r) => r.othersBusy),
  };
}

function describeRun(r: RunResult): string {
  const p99 = (m: MetricId) => {
    const s = r.samples[m];
    return s && s.values.length > 0
      ? percentile(
          [...s.values].sort((a, b) => a - b),
          0.99,
        ).toFixed(1)
      : "–";
  };
  return `p99 ms: slash ack ${p99("slash.ack")}, open ${p99("slash.open")}, submit ack ${p99("submit.ack")}, approve ack ${p99("approve.ack")}, update ${p99("approve.update")}${r.errors.length ? `, ${r.errors.length} errors` : ""}`;
}

/** Runs the whole benchmark described by `options` and returns its measurements. */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const loadAtStart = loadavg();
  const progress = options.progress ?? (() => {});
  if (options.counts.length !== options.concurrencies.length) throw new Error("One count per concurrency");
  if (options.setups.length === 0) throw new Error("At least one set-up of our app");
  const buildMs = await buildApps();
  progress(`Built both apps (npm run build, and tsc -b for bare Bolt) in ${Math.round(buildMs)} ms`);
  const tmpRoot = options.tmpRoot ?? join(ROOT, "bench", "tmp");
  const dir = join(tmpRoot, `run-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const fixtures = await bareFixtures();
  const fixturesPath = join(dir, "bare-fixtures.json");
  writeFileSync(fixturesPath, JSON.stringify(fixtures));
  const traceFile = options.trace ? join(dir, "trace.csv") : undefined;
  if (traceFile) writeFileSync(traceFile, "app,run,concurrency,metric,at_ms,latency_ms\n");
  let apps: AppUnderTest[] = [];
  let postgres: BenchPostgres | undefined;
  const neighbours = new NeighbourWatch(
    () => apps.flatMap((a) => a.processes.map((p) => p.pid)),
    () => postgres?.serverPid,
  );
  const bench = new Bench(fixtures, options.opTimeoutMs, options.quietMs, traceFile, neighbours, () => {
    const pid = postgres?.serverPid;
    return pid === undefined ? undefined : treeCpuMs(pid);
  });
  const scenarios: ScenarioResult[] = [];
  let failed = true;
  try {
    await bench.start();
    if (options.setups.some(onPostgres)) {
      postgres = await benchPostgres(options.postgresUrl, () => {});
      progress(`PostgreSQL: ${postgres.description}`);
    }
    for (const [s, scenario] of options.scenarios.entries()) {
      const databasePath = join(dir, `ours-${s}.sqlite`);
      const now = Date.now();
      let seed: SeedSummary | undefined;
      if (scenario.seedRows > 0 && options.setups.includes("ours")) {
        seed = await seedDatabase(databasePath, scenario.seedRows, now);
        progress(
          `[${scenario.name}] seeded SQLite: ${seed.requests} requests, ${seed.auditEvents} audit rows in ${Math.round(seed.ms)} ms`,
        );
      }
      // One PostgreSQL database per set-up; a seeded one is seeded once and cloned for the next.
      const databases = new Map<Setup, string>();
      let postgresSeedMs: number | undefined;
      for (const setup of options.setups.filter(onPostgres)) {
        if (!postgres) throw new Error("PostgreSQL was not started");
        const seeded = [...databases.values()][0];
        if (scenario.seedRows > 0 && seeded) {
          databases.set(setup, await postgres.cloneDatabase(seeded, `bench_${setup}`));
          continue;
        }
        const url = await postgres.createDatabase(`bench_${setup}`);
        databases.set(setup, url);
        if (scenario.seedRows > 0) {
          const summary = await seedPostgres(url, scenario.seedRows, now);
          postgresSeedMs = summary.ms;
          seed ??= summary;
          progress(
            `[${scenario.name}] seeded PostgreSQL: ${summary.requests} requests, ${summary.auditEvents} audit rows (by its trigger) in ${Math.round(summary.ms)} ms`,
          );
        }
      }
      const start = (id: AppId, replica: number) => {
        const database = id === "ours" ? { path: databasePath } : { url: databases.get(id as Setup) ?? "" };
        return AppProcess.start({
          name: `${APP_LABELS[id]}${replica > 0 ? ` (replica ${replica + 1})` : ""}`,
          entry: id === "bare" ? ENTRIES.bare : (options.oursEntry ?? ENTRIES.ours),
          env: id === "bare" ? bench.bareEnv(fixturesPath) : bench.oursEnv(database),
          logFile: join(dir, `${id}-${s}-${replica + 1}.log`),
          cwd: dir,
          cpuProfileDir: options.cpuProfile ? join(dir, `profiles-${id}-${s}-${replica + 1}`) : undefined,
        });
      };
      const ids: AppId[] = [...options.setups, "bare"];
      apps = [];
      try {
        const booting = performance.now();
        const launched = await Promise.allSettled(
          ids.flatMap((id) =>
            Array.from({ length: id === "bare" ? 1 : REPLICAS[id] }, async (_, replica) => ({
              id,
              process: await start(id, replica),
            })),
          ),
        );
        for (const id of ids) {
          const processes = launched.flatMap((one) =>
            one.status === "fulfilled" && one.value.id === id ? [one.value.process] : [],
          );
          if (processes.length > 0) apps.push({ id, processes });
        }
        const failure = launched.find((one) => one.status === "rejected");
        if (failure) throw failure.reason;
        progress(`[${scenario.name}] ${ids.length} apps started in ${Math.round(performance.now() - booting)} ms`);
        const memory: ScenarioResult["memory"] = {};
        for (const app of apps) {
          memory[app.id] = app.processes.map((p) => ({ afterStart: p.memory(), atEnd: undefined }));
        }
        const warming = performance.now();
        for (const app of options.warmupCount > 0 ? apps : []) {
          const warm = await bench.run(app, Math.min(20, options.warmupCount), options.warmupCount);
          if (warm.errors.length > 0) throw new Error(`${app.id} failed its warm-up: ${warm.errors[0]}`);
        }
        progress(`[${scenario.name}] warm-up done in ${Math.round(performance.now() - warming)} ms`);
        const levels: LevelResult[] = [];
        for (const [l, concurrency] of options.concurrencies.entries()) {
          const count = options.counts[l] ?? 0;
          const results = new Map<AppId, RunResult[]>(apps.map((app) => [app.id, []]));
          for (let r = 0; r < options.runs; r++) {
            // Each app in turn; the order rotates run by run, so none always follows the same one.
            const order = apps.map((_, k) => apps[(k + r) % apps.length] as AppUnderTest);
            for (const app of order) {
              // The app sat idle through the others' runs: wake it (connections, caches, pages)
              // with a short unrecorded burst first, so the run measures the app, not its wake-up.
              if (options.preRunCount > 0) {
                await bench.run(app, concurrency, Math.min(count, Math.max(options.preRunCount, concurrency)));
              }
              const t0 = performance.now();
              const result = await bench.run(app, concurrency, count);
              results.get(app.id)?.push(result);
              progress(
                `[${scenario.name} · c=${concurrency} · run ${r + 1}/${options.runs}] ${app.id.padEnd(4)} ${describeRun(result)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
              );
            }
          }
          const level: LevelResult = { concurrency, countPerRun: count, runs: options.runs, apps: {} };
          for (const [id, runs] of results) level.apps[id] = aggregate(runs);
          levels.push(level);
        }
        for (const app of apps) {
          memory[app.id] = app.processes.map((p, k) => ({
            afterStart: memory[app.id]?.[k]?.afterStart,
            atEnd: p.memory(),
          }));
        }
        scenarios.push({ name: scenario.name, seed, postgresSeedMs, memory, levels });
      } finally {
        bench.closeSenders();
        const stopping = performance.now();
        await Promise.all(apps.flatMap((app) => app.processes.map((p) => p.stop())));
        apps = [];
        progress(`[${scenario.name}] apps stopped in ${Math.round(performance.now() - stopping)} ms`);
      }
      rmSync(databasePath, { force: true });
      rmSync(`${databasePath}-wal`, { force: true });
      rmSync(`${databasePath}-shm`, { force: true });
      for (const url of databases.values()) await postgres?.dropDatabase(url);
    }
    failed = false;
  } finally {
    await bench.stop();
    await postgres?.stop();
    if (failed) progress(`Logs of the apps are kept in ${dir}`);
  }
  const keep = options.keepTmp || options.cpuProfile || options.trace;
  if (!keep) rmSync(dir, { recursive: true, force: true });
  const {
    progress: _progress,
    tmpRoot: _tmpRoot,
    oursEntry: _oursEntry,
    postgresUrl: _postgresUrl,
    ...recorded
  } = options;
  return {
    environment: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      date: new Date().toISOString(),
      postgres: postgres?.description,
      loadAverage: { start: loadAtStart, end: loadavg() },
    },
    options: recorded,
    buildMs,
    scenarios,
    durationMs: performance.now() - started,
    keptTmp: keep ? dir : undefined,
  };
}
