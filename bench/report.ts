/** Turns a BenchResult into the markdown of bench/results.md, and checks the targets. */
import {
  APP_LABELS,
  type AppId,
  type AppLevelResult,
  type BenchResult,
  type LevelResult,
  METRICS,
  type MetricId,
  type MetricStats,
  PHASES,
  type ProcessMemory,
  type ScenarioResult,
  SETUPS,
  type Setup,
} from "./bench.ts";
import { STARTUP_TARGETS, type StartupResult } from "./startup.ts";

/** Issue 11: ours (SQLite) against bare Bolt. */
export const TARGETS = { p99Ratio: 1.25, throughputRatio: 0.8, rssRatio: 1.15 } as const;
/** Issue 12: an ack must stay far inside Slack's 3 s; "far" is a third of it, for the slowest ack seen. */
export const SLACK_ACK_MS = 3_000;
export const FAR_INSIDE_MS = 1_000;

/** What issue 11 sets targets on: the ack p99s (and the submission's messages), and each phase's throughput. */
const ISSUE11 = [
  { id: "slash.ack", kind: "p99", label: "slash ack p99" },
  { id: "slash.ack", kind: "rps", label: "slash req/s" },
  { id: "submit.ack", kind: "p99", label: "submission ack p99" },
  { id: "submit.dm", kind: "p99", label: "submission → both posted p99" },
  { id: "submit.ack", kind: "rps", label: "submission req/s" },
  { id: "approve.ack", kind: "p99", label: "approve ack p99" },
  { id: "approve.ack", kind: "rps", label: "approve req/s" },
] as const satisfies readonly { id: MetricId; kind: "p99" | "rps"; label: string }[];
const ACKS = ["slash.ack", "submit.ack", "approve.ack"] as const satisfies readonly MetricId[];

export type CheckGroup = "issue 11" | "Slack's 3 s" | "health";

export interface Check {
  group: CheckGroup;
  /** Scenario and concurrency, e.g. "empty database, c=50". */
  where: string;
  /** What was compared, e.g. "submission ack p99 ratio". */
  what: string;
  value: number;
  /** Lowest and highest of the runs taken in the same turn (ratios only). */
  low?: number | undefined;
  high?: number | undefined;
  target: string;
  ok: boolean;
}

/** A ratio of two apps: of their medians over the runs, with the range of the runs paired in turn. */
export interface Ratio {
  value: number;
  low: number;
  high: number;
}

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The p99 the report uses: the median of the runs' p99s (one disturbed run does not decide it). */
export function p99Of(stats: MetricStats): number {
  return median(stats.runP99);
}

function rpsOf(stats: MetricStats): number {
  return median(stats.runRps);
}

function ratioOf(mine: readonly number[], theirs: readonly number[]): Ratio {
  const pairs = mine.slice(0, theirs.length).map((m, i) => m / (theirs[i] ?? Number.NaN));
  const finite = pairs.filter(Number.isFinite);
  return {
    value: median(mine) / median(theirs),
    low: finite.length > 0 ? Math.min(...finite) : Number.NaN,
    high: finite.length > 0 ? Math.max(...finite) : Number.NaN,
  };
}

export function p99Ratio(mine: MetricStats, theirs: MetricStats): Ratio {
  return ratioOf(mine.runP99, theirs.runP99);
}

export function rpsRatio(mine: MetricStats, theirs: MetricStats): Ratio {
  return ratioOf(mine.runRps, theirs.runRps);
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

function num(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "–";
}

function mb(kb: number | undefined): string {
  return kb === undefined || !Number.isFinite(kb) ? "n/a" : (kb / 1024).toFixed(1);
}

function pct(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} %` : "–";
}

/** (max − min) / min of the runs' p99s, as a percentage. */
function spread(stats: MetricStats | undefined): number {
  if (!stats || stats.runP99.length < 2) return Number.NaN;
  const min = Math.min(...stats.runP99);
  const max = Math.max(...stats.runP99);
  return min > 0 ? ((max - min) / min) * 100 : Number.NaN;
}

function range(r: { low?: number | undefined; high?: number | undefined }): string {
  return r.low !== undefined && r.high !== undefined && Number.isFinite(r.low) && Number.isFinite(r.high)
    ? ` (${num(r.low)}–${num(r.high)})`
    : "";
}

/** The highest peak RSS of an app's processes (its largest replica). */
function peakKb(memory: ProcessMemory[] | undefined): number | undefined {
  const peaks = (memory ?? []).map((m) => m.atEnd?.peakKb).filter((kb): kb is number => kb !== undefined);
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
}

function issue11Ratio(level: LevelResult, item: (typeof ISSUE11)[number]): Ratio | undefined {
  const ours = level.apps.ours?.metrics[item.id];
  const bare = level.apps.bare?.metrics[item.id];
  if (!ours || !bare) return undefined;
  return item.kind === "p99" ? p99Ratio(ours, bare) : rpsRatio(ours, bare);
}

function meets(kind: "p99" | "rps", value: number): boolean {
  return kind === "p99" ? value <= TARGETS.p99Ratio : value >= TARGETS.throughputRatio;
}

/** Every check: issue 11's targets, acks far inside Slack's 3 s, and no expired trigger_id or error. */
export function checkTargets(result: BenchResult): Check[] {
  const checks: Check[] = [];
  for (const scenario of result.scenarios) {
    for (const level of scenario.levels) {
      const where = `${scenario.name}, c=${level.concurrency}`;
      for (const item of ISSUE11) {
        const ratio = issue11Ratio(level, item);
        if (!ratio) continue;
        checks.push({
          group: "issue 11",
          where,
          what: `${item.label} ratio`,
          value: ratio.value,
          low: ratio.low,
          high: ratio.high,
          target: item.kind === "p99" ? `≤ ${TARGETS.p99Ratio}` : `≥ ${TARGETS.throughputRatio}`,
          ok: meets(item.kind, ratio.value),
        });
      }
      for (const setup of SETUPS) {
        for (const id of ACKS) {
          const stats = level.apps[setup]?.metrics[id];
          if (!stats) continue;
          checks.push({
            group: "Slack's 3 s",
            where,
            what: `${APP_LABELS[setup]}: slowest ${METRICS.find((m) => m.id === id)?.label ?? id} (ms)`,
            value: stats.max,
            target: `≤ ${FAR_INSIDE_MS}`,
            ok: stats.max <= FAR_INSIDE_MS,
          });
        }
      }
      for (const [id, r] of Object.entries(level.apps) as [AppId, AppLevelResult][]) {
        checks.push({
          group: "health",
          where,
          what: `expired triggers (${APP_LABELS[id]})`,
          value: r.expiredTriggers,
          target: "= 0",
          ok: r.expiredTriggers === 0,
        });
        checks.push({
          group: "health",
          where,
          what: `errors (${APP_LABELS[id]})`,
          value: r.errors,
          target: "= 0",
          ok: r.errors === 0,
        });
      }
    }
    const ours = peakKb(scenario.memory.ours);
    const bare = peakKb(scenario.memory.bare);
    if (ours !== undefined && bare !== undefined) {
      checks.push({
        group: "issue 11",
        where: scenario.name,
        what: "peak RSS ratio",
        value: ours / bare,
        target: `≤ ${TARGETS.rssRatio}`,
        ok: ours / bare <= TARGETS.rssRatio,
      });
    }
  }
  return checks;
}

/** Acks that came near or past Slack's 3 s, as loud lines (empty when all stayed far inside). */
export function slackDeadlineWarnings(result: BenchResult): string[] {
  return checkTargets(result)
    .filter((c) => c.group === "Slack's 3 s" && !c.ok)
    .map(
      (c) =>
        `${c.value >= SLACK_ACK_MS ? "PAST SLACK'S 3 s" : "NOT FAR INSIDE SLACK'S 3 s"}: ${c.where}, ${c.what} = ${ms(c.value)} ms`,
    );
}

function verdict(ok: boolean): string {
  return ok ? "met" : "**missed**";
}

function issue11Section(result: BenchResult): string[] {
  const lines = [
    "## Issue 11: our app on SQLite against bare Bolt",
    "",
    `Each cell: ratio ours / bare of the medians over the runs, met or missed, and in brackets the lowest–highest ratio of the runs taken in the same turn (how much the verdict moves with the machine's noise). p99: target ≤ ${TARGETS.p99Ratio}; req/s: target ≥ ${TARGETS.throughputRatio}; peak RSS: target ≤ ${TARGETS.rssRatio}.`,
    "",
  ];
  const checks = checkTargets(result).filter((c) => c.group === "issue 11");
  for (const scenario of result.scenarios) {
    if (!scenario.levels.some((l) => l.apps.ours && l.apps.bare)) continue;
    lines.push(
      `### ${scenario.name}`,
      "",
      `| conc. | ${ISSUE11.map((i) => i.label).join(" | ")} |`,
      `|---:|${ISSUE11.map(() => "---|").join("")}`,
    );
    for (const level of scenario.levels) {
      const cells = ISSUE11.map((item) => {
        const ratio = issue11Ratio(level, item);
        return ratio ? `${num(ratio.value)} ${verdict(meets(item.kind, ratio.value))}${range(ratio)}` : "n/a";
      });
      lines.push(`| ${level.concurrency} | ${cells.join(" | ")} |`);
    }
    const ours = peakKb(scenario.memory.ours);
    const bare = peakKb(scenario.memory.bare);
    if (ours !== undefined && bare !== undefined) {
      lines.push(
        "",
        `Peak RSS (VmHWM at the end): ours ${mb(ours)} MB, bare ${mb(bare)} MB, ratio ${num(ours / bare)} ${verdict(ours / bare <= TARGETS.rssRatio)}.`,
      );
    }
    lines.push("");
  }
  const met = checks.filter((c) => c.ok).length;
  lines.push(`**${met} of ${checks.length} targets of issue 11 met.**`, "");
  return lines;
}

function postgresSection(result: BenchResult): string[] {
  const pgSetups = SETUPS.filter((s) => s !== "ours" && result.scenarios.some((sc) => sc.levels[0]?.apps[s]));
  const setups = SETUPS.filter((s) => result.scenarios.some((sc) => sc.levels[0]?.apps[s]));
  if (pgSetups.length === 0) return [];
  const lines = [
    "## Issue 12: PostgreSQL",
    "",
    `### Acks against Slack's 3 s`,
    "",
    `p99 (median of the runs) / slowest ack of all runs, in ms. Far inside = the slowest ack ≤ ${FAR_INSIDE_MS} ms, a third of Slack's ${SLACK_ACK_MS} ms.`,
    "",
  ];
  const warnings = slackDeadlineWarnings(result);
  if (warnings.length > 0) {
    lines.push(
      "> **⚠ WARNING: SOME ACKS WERE NOT FAR INSIDE SLACK'S 3 s.**",
      ">",
      ...warnings.map((w) => `> - ${w}`),
      "",
    );
  }
  for (const scenario of result.scenarios) {
    lines.push(
      `#### ${scenario.name}`,
      "",
      "| conc. | app | slash ack | submission ack | approve ack | verdict |",
      "|---:|---|---:|---:|---:|---|",
    );
    for (const level of scenario.levels) {
      for (const setup of setups) {
        const app = level.apps[setup];
        if (!app) continue;
        const cells = ACKS.map((id) => {
          const s = app.metrics[id];
          return s ? `${ms(p99Of(s))} / ${ms(s.max)}` : "–";
        });
        const slowest = Math.max(...ACKS.map((id) => app.metrics[id]?.max ?? Number.NaN));
        const says =
          slowest <= FAR_INSIDE_MS ? "far inside" : slowest < SLACK_ACK_MS ? "**NOT far inside**" : "**⚠ PAST 3 s**";
        lines.push(`| ${level.concurrency} | ${APP_LABELS[setup]} | ${cells.join(" | ")} | ${says} |`);
      }
    }
    lines.push("");
  }
  lines.push(
    "### Ratios to SQLite and to bare Bolt",
    "",
    "p99 in ms (median of the runs) and req/s (median of the runs); each ratio is of the medians, with the lowest–highest ratio of the runs taken in the same turn. Lower is better for p99, higher for req/s.",
    "",
  );
  const measures: { id: MetricId; kind: "p99" | "rps"; label: string }[] = [
    { id: "slash.ack", kind: "p99", label: "slash ack p99" },
    { id: "submit.ack", kind: "p99", label: "submission ack p99" },
    { id: "submit.dm", kind: "p99", label: "submission → both posted p99" },
    { id: "approve.ack", kind: "p99", label: "approve ack p99" },
    { id: "approve.update", kind: "p99", label: "approve → chat.update p99" },
    { id: "slash.ack", kind: "rps", label: "slash req/s" },
    { id: "submit.ack", kind: "rps", label: "submission req/s" },
    { id: "approve.ack", kind: "rps", label: "approve req/s" },
  ];
  for (const scenario of result.scenarios) {
    lines.push(
      `#### ${scenario.name}`,
      "",
      `| conc. | measure | ${pgSetups.map((s) => `${APP_LABELS[s]} | ÷ SQLite | ÷ bare`).join(" | ")} |`,
      `|---:|---|${pgSetups.map(() => "---:|---:|---:|").join("")}`,
    );
    for (const level of scenario.levels) {
      for (const m of measures) {
        const cells = pgSetups.flatMap((setup) => {
          const mine = level.apps[setup]?.metrics[m.id];
          if (!mine) return ["–", "–", "–"];
          const against = (other: AppId) => {
            const theirs = level.apps[other]?.metrics[m.id];
            if (!theirs) return "n/a";
            const r = m.kind === "p99" ? p99Ratio(mine, theirs) : rpsRatio(mine, theirs);
            return `${num(r.value)}${range(r)}`;
          };
          return [m.kind === "p99" ? ms(p99Of(mine)) : rpsOf(mine).toFixed(0), against("ours"), against("bare")];
        });
        lines.push(`| ${level.concurrency} | ${m.label} | ${cells.join(" | ")} |`);
      }
    }
    lines.push("");
  }
  return lines;
}

function startupSection(startup: StartupResult | undefined): string[] {
  const head = ["## Cold start and idle RSS", ""];
  if (!startup) return [...head, "_Not measured in this run (`npx tsx bench/startup.ts` measures it on its own)._", ""];
  const { ours, bare } = startup.median;
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const verdict = (ratio: number, target: number) =>
    `${ratio.toFixed(2)}× ${ratio <= target ? "(met)" : "(**missed**)"}`;
  return [
    ...head,
    `Median of ${startup.runs} cold starts per app, alternating; spawn to the first 200 on \`/healthz\`, CPU of the process tree until then, RSS of the process tree after ${startup.idleMs} ms idle. Targets: ≤ ${STARTUP_TARGETS.coldStartRatio}× bare Bolt for both.`,
    "",
    "| measure | ours | bare Bolt | ratio |",
    "|---|---:|---:|---:|",
    `| cold start to healthy | ${ours.coldStartMs.toFixed(0)} ms | ${bare.coldStartMs.toFixed(0)} ms | ${verdict(startup.ratio.coldStart, STARTUP_TARGETS.coldStartRatio)} |`,
    `| CPU until healthy | ${ours.startCpuMs.toFixed(0)} ms | ${bare.startCpuMs.toFixed(0)} ms | ${startup.ratio.startCpu.toFixed(2)}× |`,
    `| idle RSS, process tree | ${mb(ours.idleRssKb)} MB | ${mb(bare.idleRssKb)} MB | ${verdict(startup.ratio.idleRss, STARTUP_TARGETS.idleRssRatio)} |`,
    "",
  ];
}

function metricRows(level: LevelResult, setup: Setup): string[] {
  const rows: string[] = [];
  for (const { id, label } of METRICS) {
    const ours = level.apps[setup]?.metrics[id];
    const bare = level.apps.bare?.metrics[id];
    if (!ours && !bare) continue;
    const p99 = ours && bare ? p99Ratio(ours, bare) : undefined;
    const rps = ours && bare ? rpsRatio(ours, bare) : undefined;
    const cells = [
      String(level.concurrency),
      label,
      ms(ours?.p50 ?? Number.NaN),
      ours ? ms(p99Of(ours)) : "–",
      ms(ours?.max ?? Number.NaN),
      bare ? ms(bare.p50) : "n/a",
      bare ? ms(p99Of(bare)) : "n/a",
      bare ? ms(bare.max) : "n/a",
      p99 ? `**${num(p99.value)}**` : "n/a",
      ours ? rpsOf(ours).toFixed(0) : "–",
      bare ? rpsOf(bare).toFixed(0) : "n/a",
      rps ? `**${num(rps.value)}**` : "n/a",
      `${pct(spread(ours))} / ${bare ? pct(spread(bare)) : "n/a"}`,
      `${ours?.count ?? 0} / ${bare?.count ?? "n/a"}`,
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  }
  return rows;
}

function describeCalls(calls: Record<string, number>): string {
  return (
    Object.entries(calls)
      .filter(([, n]) => n >= 0.05)
      .sort((x, y) => y[1] - x[1])
      .map(([what, n]) => `${what} ×${n.toFixed(n % 1 === 0 ? 0 : 2)}`)
      .join(", ") || "none"
  );
}

function scenarioDetails(scenario: ScenarioResult): string[] {
  const lines = [`## Details: ${scenario.name}`, ""];
  if (scenario.seed) {
    const s = scenario.seed;
    const statuses = Object.entries(s.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    lines.push(
      `Seeded before the apps started: ${s.requests} requests from ${s.requesters} requesters (${statuses}) and ${s.auditEvents} audit rows, written by each database's audit trigger as the seeded requests moved along their trails${scenario.postgresSeedMs !== undefined ? ` (PostgreSQL: ${(scenario.postgresSeedMs / 1000).toFixed(1)} s, then cloned for the second set-up)` : ""}.`,
      "",
    );
  }
  const ids = appsIn(scenario);
  for (const setup of SETUPS) {
    if (!ids.includes(setup)) continue;
    lines.push(
      `### ${APP_LABELS[setup]} against bare Bolt`,
      "",
      "Latencies in ms: p50 and max over all runs' samples, p99 the median of the runs' p99s. req/s the median of the runs. Ratio = ours / bare (p99: lower is better; req/s: higher is better). Spread = (max − min) / min of the per-run p99s.",
      "",
      "| conc. | measure | ours p50 | ours p99 | ours max | bare p50 | bare p99 | bare max | p99 ratio | ours req/s | bare req/s | req/s ratio | p99 spread ours / bare | samples ours / bare |",
      "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const level of scenario.levels) lines.push(...metricRows(level, setup));
    lines.push("");
  }
  lines.push(
    "### Work, errors and noise",
    "",
    "App CPU: utime + stime of the app's processes (both replicas together) per operation, follow-up work included; PostgreSQL CPU: its server's processes, per operation of the set-up using it (slash command / submission / approval). Driver busy: the benchmark's own process, highest share of one core in a phase. Others: share of the whole machine taken by anything but the benchmark, the apps and its PostgreSQL server (other processes, time the hypervisor stole) during the measured runs (median / max of the runs).",
    "",
    "| conc. | app | expired triggers | errors | duplicate approval posts | CPU ms per slash command | per submission | per approval | PostgreSQL CPU ms per op | driver busy (max) | others (median / max) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const level of scenario.levels) {
    for (const id of ids) {
      const r = level.apps[id];
      if (!r) continue;
      lines.push(
        `| ${level.concurrency} | ${APP_LABELS[id]} | ${r.expiredTriggers} | ${r.errors} | ${r.duplicateApprovalPosts} | ${PHASES.map((p) => ms(r.cpuMsPerOp[p])).join(" | ")} | ${PHASES.some((p) => Number.isFinite(r.databaseCpuMsPerOp[p])) ? PHASES.map((p) => ms(r.databaseCpuMsPerOp[p])).join(" / ") : "–"} | ${pct(r.driverBusyMax * 100)} | ${pct(median(r.othersBusy) * 100)} / ${pct(Math.max(...r.othersBusy) * 100)} |`,
      );
    }
  }
  const last = scenario.levels.at(-1);
  if (last) {
    lines.push(
      "",
      `Calls each app made per operation (c=${last.concurrency}, follow-up work included):`,
      "",
      "| app | slash | submit | approve |",
      "|---|---|---|---|",
    );
    for (const id of ids) {
      const r = last.apps[id];
      if (r) lines.push(`| ${APP_LABELS[id]} | ${PHASES.map((p) => describeCalls(r.callsPerOp[p])).join(" | ")} |`);
    }
  }
  const bare = peakKb(scenario.memory.bare);
  lines.push("", "| memory (MB) | RSS after start | peak RSS (VmHWM) | peak ratio to bare |", "|---|---:|---:|---:|");
  for (const id of ids) {
    const memory = scenario.memory[id] ?? [];
    const each = (pick: (m: ProcessMemory) => number | undefined) => memory.map((m) => mb(pick(m))).join(" + ");
    const peak = peakKb(memory);
    lines.push(
      `| ${APP_LABELS[id]}${memory.length > 1 ? " (per replica)" : ""} | ${each((m) => m.afterStart?.rssKb)} | ${each((m) => m.atEnd?.peakKb)} | ${peak !== undefined && bare !== undefined ? num(peak / bare) : "n/a"} |`,
    );
  }
  lines.push("");
  const samples = [
    ...new Set(scenario.levels.flatMap((l) => Object.values(l.apps).flatMap((a) => a?.errorSamples ?? []))),
  ];
  if (samples.length > 0) lines.push("Errors seen:", "", ...samples.map((e) => `- ${e}`), "");
  return lines;
}

/** The apps a scenario ran, in report order. */
function appsIn(scenario: ScenarioResult): AppId[] {
  const all: AppId[] = [...SETUPS, "bare"];
  return all.filter((id) => scenario.levels.some((l) => l.apps[id]));
}

/** The share of the machine other processes took, over every measured run of every app. */
function neighbourSummary(result: BenchResult): string {
  const shares = result.scenarios.flatMap((s) =>
    s.levels.flatMap((l) => Object.values(l.apps).flatMap((a) => a?.othersBusy ?? [])),
  );
  const finite = shares.filter(Number.isFinite);
  if (finite.length === 0) return "n/a";
  return `median ${pct(median(finite) * 100)}, max ${pct(Math.max(...finite) * 100)} of the machine's ${result.environment.cpus} cores`;
}

/** The results as markdown: how it ran, the targets, PostgreSQL, and one detailed section per scenario. */
export function renderMarkdown(result: BenchResult, command: string, startup?: StartupResult): string {
  const env = result.environment;
  const o = result.options;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  const lines: string[] = [
    "# Benchmark: our app against a bare Bolt app",
    "",
    `- Command: \`${command}\``,
    `- Date: ${env.date}`,
    `- Node: ${env.node} (${env.platform})`,
    `- CPUs: ${env.cpus} × ${env.cpuModel}`,
    `- Apps: built (ours with npm run build: esbuild bundles; bare Bolt with tsc -b; ${(result.buildMs / 1000).toFixed(1)} s) and started as production starts ours, \`node --enable-source-maps dist/main.js\`; bare Bolt the same way from \`bench/dist/bareBolt.js\`; both with the loopback-only preload.`,
    `- Our app's set-ups: ${o.setups.map((s) => APP_LABELS[s]).join("; ")}${o.setups.includes("pg2") ? " (the load generator sends each request to the next replica in turn)" : ""}.`,
    ...(env.postgres ? [`- PostgreSQL: ${env.postgres}`] : []),
    `- Per run and phase: ${o.concurrencies.map((c, i) => `${o.counts[i]} operations at concurrency ${c}`).join(", ")}; ${o.runs} runs per app and concurrency, the apps taking turns in an order that rotates run by run; a ${o.warmupCount}-operation warm-up per app, not counted.`,
    "- p99 is the median of the runs' p99s, req/s the median of the runs'; a ratio is ours / bare of those medians.",
    `- Machine: load average (1, 5, 15 min) ${load(env.loadAverage.start)} at the start, ${load(env.loadAverage.end)} at the end; other processes took ${neighbourSummary(result)} during the measured runs.`,
    `- Total time: ${(result.durationMs / 60_000).toFixed(1)} min`,
    "",
  ];
  lines.push(...issue11Section(result), ...postgresSection(result), ...startupSection(startup));
  const health = checkTargets(result).filter((c) => c.group === "health");
  const sick = health.filter((c) => !c.ok);
  lines.push(
    "## Expired trigger_ids and errors",
    "",
    sick.length === 0
      ? `None: all ${health.length} checks (no expired trigger_id, no error, every app and concurrency) met.`
      : `**${sick.length} of ${health.length} checks missed:**`,
    "",
    ...sick.map((c) => `- ${c.where}: ${c.what} ${c.value}`),
    ...(sick.length > 0 ? [""] : []),
  );
  for (const scenario of result.scenarios) lines.push(...scenarioDetails(scenario));
  return `${lines.join("\n")}\n`;
}
