/**
 * CPU accounting from Linux /proc: what each app under test spent, and how much of the machine
 * other processes (neighbours on a shared VM) took while a run was measured. Elsewhere every
 * figure is undefined and the report says n/a.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Linux reports process and machine times to user space in ticks of 1/100 s. */
const MS_PER_TICK = 10;

interface ProcStat {
  ppid: number;
  /** utime + stime, in ms. */
  ownMs: number;
  /** cutime + cstime: children that ended and were waited for (a PostgreSQL server's backends), in ms. */
  childrenMs: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command in parentheses: state is index 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const n = (i: number) => Number(fields[i]);
    const stats = { ppid: n(1), ownMs: (n(11) + n(12)) * MS_PER_TICK, childrenMs: (n(13) + n(14)) * MS_PER_TICK };
    return Number.isFinite(stats.ownMs) ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in ms, undefined when it cannot be read. */
export function cpuMsOf(pid: number): number | undefined {
  return procStat(pid)?.ownMs;
}

/** CPU time of a process and of every process it started (alive, or ended and waited for), in ms. */
export function treeCpuMs(pid: number): number | undefined {
  const root = procStat(pid);
  if (!root) return undefined;
  let total = root.ownMs + root.childrenMs;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return total;
  }
  for (const name of pids) {
    const child = procStat(Number(name));
    if (child?.ppid === pid) total += child.ownMs;
  }
  return total;
}

/** Busy time of all cores together since boot (everything but idle and iowait), in ms. */
function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

export interface CpuMark {
  at: number;
  machineMs: number | undefined;
  ownMs: number | undefined;
}

/**
 * Tells how much CPU processes other than the benchmark's own took between two marks: the
 * benchmark's own are this process, the apps under test and the PostgreSQL server's processes.
 */
export class NeighbourWatch {
  constructor(
    /** Pids of the apps under test. */
    private readonly appPids: () => number[],
    /** Pid of a PostgreSQL server the benchmark started (its backends are counted with it). */
    private readonly serverPid: () => number | undefined,
  ) {}

  mark(): CpuMark {
    const self = process.cpuUsage();
    let ownMs: number | undefined = (self.user + self.system) / 1000;
    for (const pid of this.appPids()) {
      const ms = cpuMsOf(pid);
      ownMs = ms === undefined || ownMs === undefined ? undefined : ownMs + ms;
    }
    const server = this.serverPid();
    if (server !== undefined && ownMs !== undefined) {
      const ms = treeCpuMs(server);
      ownMs = ms === undefined ? undefined : ownMs + ms;
    }
    return { at: performance.now(), machineMs: machineBusyMs(), ownMs };
  }

  /** Share of the whole machine (all cores) other processes used between `from` and `to`: 0–1. */
  static othersShare(from: CpuMark, to: CpuMark): number {
    if (from.machineMs === undefined || to.machineMs === undefined) return Number.NaN;
    if (from.ownMs === undefined || to.ownMs === undefined) return Number.NaN;
    const wall = (to.at - from.at) * availableParallelism();
    const others = to.machineMs - from.machineMs - (to.ownMs - from.ownMs);
    return wall > 0 ? Math.max(0, others) / wall : Number.NaN;
  }
}
