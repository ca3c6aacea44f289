import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** /proc/<pid>/cmdline, arguments joined by spaces ("" for a zombie). */
  cmdline: string;
}

/** Every process now running (or exited and not yet reaped), read from /proc (Linux). */
function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    let cmdline: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
      cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ")".
    const [, ppid, pgid] = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map((field) => Number(field));
    found.push({ pid: Number(name), ppid: ppid ?? 0, pgid: pgid ?? 0, cmdline });
  }
  return found;
}

/** Every process now in process group `pgid`. */
export function processesInGroup(pgid: number): ProcessInfo[] {
  return listProcesses().filter((p) => p.pgid === pgid);
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): ProcessInfo[] {
  return listProcesses().filter((p) => p.ppid === pid);
}

/** Whether a process with this pid exists (a zombie not yet reaped counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * What is left of process group `pgid`, once the processes that were exiting have had `ms` to go.
 * An orphan goes on running, so it is still listed.
 */
export async function survivorsOfGroup(pgid: number, ms = 3_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesInGroup(pgid);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether a fresh connection to the loopback port is refused (nothing listens there). */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}
