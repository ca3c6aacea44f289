/** Turns a BenchResult into the markdown table of bench/results.md, and checks the targets. */
import { type AppLevelResult, type BenchResult, METRICS, type MetricId, type MetricStats, PHASES } from "./bench.ts";

export const TARGETS = { p99Ratio: 1.25, throughputRatio: 0.8, rssRatio: 1.15 } as const;

export interface Check {
  /** Scenario and concurrency, e.g. "empty database, c=50". */
  where: string;
  /** What was compared, e.g. "view submission → ack p99 ratio". */
  what: string;
  value: number;
  target: string;
  ok: boolean;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "–";
}

function mb(kb: number | undefined): string {
  return kb === undefined || !Number.isFinite(kb) ? "n/a" : (kb / 1024).toFixed(1);
}

/** (max − min) / min of the runs' p99s, as a percentage. */
function spread(stats: MetricStats | undefined): number {
  if (!stats || stats.runP99.length < 2) return Number.NaN;
  const min = Math.min(...stats.runP99);
  const max = Math.max(...stats.runP99);
  return min > 0 ? ((max - min) / min) * 100 : Number.NaN;
}

function pct(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} %` : "–";
}

/** Every target, checked: p99 and throughput ratios per measure, peak RSS, expired triggers, errors. */
export function checkTargets(result: BenchResult): Check[] {
  const checks: Check[] = [];
  for (const scenario of result.scenarios) {
    for (const level of scenario.levels) {
      const where = `${scenario.name}, c=${level.concurrency}`;
      for (const { id, label } of METRICS) {
        const ours = level.apps.ours.metrics[id];
        const bare = level.apps.bare.metrics[id];
        if (!ours || !bare) continue;
        const p99 = ours.p99 / bare.p99;
        checks.push({
          where,
          what: `${label} p99 ratio`,
          value: p99,
          target: `≤ ${TARGETS.p99Ratio}`,
          ok: p99 <= TARGETS.p99Ratio,
        });
        const rps = ours.rps / bare.rps;
        checks.push({
          where,
          what: `${label} throughput ratio`,
          value: rps,
          target: `≥ ${TARGETS.throughputRatio}`,
          ok: rps >= TARGETS.throughputRatio,
        });
      }
      for (const app of ["ours", "bare"] as const) {
        const r = level.apps[app];
        checks.push({
          where,
          what: `expired triggers (${app})`,
          value: r.expiredTriggers,
          target: "= 0",
          ok: r.expiredTriggers === 0,
        });
        checks.push({ where, what: `errors (${app})`, value: r.errors, target: "= 0", ok: r.errors === 0 });
      }
    }
    const ours = scenario.memory.ours.atEnd?.peakKb;
    const bare = scenario.memory.bare.atEnd?.peakKb;
    if (ours !== undefined && bare !== undefined) {
      const value = ours / bare;
      checks.push({
        where: scenario.name,
        what: "peak RSS ratio",
        value,
        target: `≤ ${TARGETS.rssRatio}`,
        ok: value <= TARGETS.rssRatio,
      });
    }
  }
  return checks;
}

function metricRows(levelApps: Record<"ours" | "bare", AppLevelResult>, concurrency: number): string[] {
  const rows: string[] = [];
  for (const { id, label } of METRICS) {
    const ours = levelApps.ours.metrics[id as MetricId];
    const bare = levelApps.bare.metrics[id as MetricId];
    if (!ours && !bare) continue;
    const cells = [
      String(concurrency),
      label,
      ms(ours?.p50 ?? Number.NaN),
      ms(ours?.p99 ?? Number.NaN),
      ms(ours?.max ?? Number.NaN),
      bare ? ms(bare.p50) : "n/a",
      bare ? ms(bare.p99) : "n/a",
      bare ? ms(bare.max) : "n/a",
      ours && bare ? `**${ratio(ours.p99 / bare.p99)}**` : "n/a",
      ours ? ours.rps.toFixed(0) : "–",
      bare ? bare.rps.toFixed(0) : "n/a",
      ours && bare ? `**${ratio(ours.rps / bare.rps)}**` : "n/a",
      `${pct(spread(ours))} / ${bare ? pct(spread(bare)) : "n/a"}`,
      `${ours?.count ?? 0} / ${bare?.count ?? "n/a"}`,
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  }
  return rows;
}

/** The results as markdown: environment, one table per scenario, memory, and the targets. */
export function renderMarkdown(result: BenchResult, command: string): string {
  const env = result.environment;
  const o = result.options;
  const lines: string[] = [
    "# Benchmark: our app against a bare Bolt app",
    "",
    `- Command: \`${command}\``,
    `- Date: ${env.date}`,
    `- Node: ${env.node} (${env.platform})`,
    `- CPUs: ${env.cpus} × ${env.cpuModel}`,
    `- Per run and phase: ${o.concurrencies.map((c, i) => `${o.counts[i]} operations at concurrency ${c}`).join(", ")}; ${o.runs} runs per app and concurrency, the two apps alternating run by run; a ${o.warmupCount}-operation warm-up per app, not counted.`,
    `- Total time: ${(result.durationMs / 60_000).toFixed(1)} min`,
    "",
  ];
  const checks = checkTargets(result);
  const misses = checks.filter((c) => !c.ok);
  lines.push("## Targets", "");
  lines.push(
    `p99 ratio (ours / bare) ≤ ${TARGETS.p99Ratio} and throughput ratio ≥ ${TARGETS.throughputRatio} for every measure both apps have; peak RSS ≤ ${TARGETS.rssRatio}× the baseline's; no expired trigger_id; no errors.`,
    "",
    misses.length === 0
      ? `**All ${checks.length} checks met.**`
      : `**${checks.length - misses.length} of ${checks.length} checks met; missed:**`,
    "",
  );
  const places = [...new Set(misses.map((m) => m.where))];
  for (const place of places) {
    const here = misses.filter((m) => m.where === place);
    const value = (m: Check) => (m.target.startsWith("=") ? String(m.value) : ratio(m.value));
    lines.push(`- ${place}: ${here.map((m) => `${m.what} ${value(m)} (${m.target})`).join("; ")}`);
  }
  if (misses.length > 0) lines.push("");

  for (const scenario of result.scenarios) {
    lines.push(`## ${scenario.name}`, "");
    if (scenario.seed) {
      const s = scenario.seed;
      const statuses = Object.entries(s.byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      lines.push(
        `Seeded before our app started: ${s.requests} requests from ${s.requesters} requesters (${statuses}) and ${s.auditEvents} audit rows, written straight into the SQLite file.`,
        "",
      );
    }
    lines.push(
      "Latencies in ms. Ratio = ours / bare (p99: lower is better; req/s: higher is better). Spread = (max − min) / min of the per-run p99s.",
      "",
      "| conc. | measure | ours p50 | ours p99 | ours max | bare p50 | bare p99 | bare max | p99 ratio | ours req/s | bare req/s | req/s ratio | p99 spread ours / bare | samples ours / bare |",
      "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const level of scenario.levels) lines.push(...metricRows(level.apps, level.concurrency));
    lines.push(
      "",
      "| conc. | expired triggers ours / bare | errors ours / bare | duplicate approval posts ours / bare | app CPU ms per slash command ours / bare | per submission | per approval | driver busy (max) ours / bare |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const level of scenario.levels) {
      const { ours, bare } = level.apps;
      lines.push(
        `| ${level.concurrency} | ${ours.expiredTriggers} / ${bare.expiredTriggers} | ${ours.errors} / ${bare.errors} | ${ours.duplicateApprovalPosts} / ${bare.duplicateApprovalPosts} | ${PHASES.map((p) => `${ms(ours.cpuMsPerOp[p])} / ${ms(bare.cpuMsPerOp[p])}`).join(" | ")} | ${pct(ours.driverBusyMax * 100)} / ${pct(bare.driverBusyMax * 100)} |`,
      );
    }
    const last = scenario.levels.at(-1);
    if (last) {
      const describeCalls = (calls: Record<string, number>) =>
        Object.entries(calls)
          .filter(([, n]) => n >= 0.05)
          .sort((x, y) => y[1] - x[1])
          .map(([what, n]) => `${what} ×${n.toFixed(n % 1 === 0 ? 0 : 2)}`)
          .join(", ") || "none";
      lines.push(
        "",
        `Calls each app made per operation (c=${last.concurrency}, follow-up work included):`,
        "",
        "| phase | ours | bare |",
        "|---|---|---|",
        ...PHASES.map(
          (p) =>
            `| ${p} | ${describeCalls(last.apps.ours.callsPerOp[p])} | ${describeCalls(last.apps.bare.callsPerOp[p])} |`,
        ),
      );
    }
    const mem = scenario.memory;
    const peakRatio = mem.ours.atEnd && mem.bare.atEnd ? ratio(mem.ours.atEnd.peakKb / mem.bare.atEnd.peakKb) : "n/a";
    lines.push(
      "",
      "| memory (MB) | ours | bare | ratio |",
      "|---|---:|---:|---:|",
      `| RSS after start | ${mb(mem.ours.afterStart?.rssKb)} | ${mb(mem.bare.afterStart?.rssKb)} | ${mem.ours.afterStart && mem.bare.afterStart ? ratio(mem.ours.afterStart.rssKb / mem.bare.afterStart.rssKb) : "n/a"} |`,
      `| peak RSS (VmHWM) | ${mb(mem.ours.atEnd?.peakKb)} | ${mb(mem.bare.atEnd?.peakKb)} | **${peakRatio}** |`,
      "",
    );
    const samples = [
      ...new Set(scenario.levels.flatMap((l) => [...l.apps.ours.errorSamples, ...l.apps.bare.errorSamples])),
    ];
    if (samples.length > 0) lines.push("Errors seen:", "", ...samples.map((e) => `- ${e}`), "");
  }
  return `${lines.join("\n")}\n`;
}
