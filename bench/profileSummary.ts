/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --profile` writes them):
 * self time by function and by package, and total (inclusive) time of our own functions.
 *
 *   npx tsx bench/profileSummary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "drizzle-orm", "@slack/bolt", "src/…", "node:…" or "(program)": where a frame's code lives. */
export function ownerOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const src = url.search(/\/(src|bench|test)\//);
  return src >= 0 ? url.slice(src + 1) : url;
}

export function summariseProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const selfByFunction = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    const owner = ownerOf(f);
    const label = `${f.functionName || "(anonymous)"}  ${owner}:${f.lineNumber + 1}`;
    selfByFunction.set(label, (selfByFunction.get(label) ?? 0) + us);
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + us);
    // Inclusive time of our own functions: walk up the stack once per distinct function.
    const counted = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !/^(src|bench)\//.test(ownerOf(frame))) continue;
      const key = `${frame.functionName || "(anonymous)"}  ${ownerOf(frame)}:${frame.lineNumber + 1}`;
      if (counted.has(key)) continue;
      counted.add(key);
      inclusiveOurs.set(key, (inclusiveOurs.get(key) ?? 0) + us);
    }
  }
  const table = (title: string, entries: Map<string, number>) => {
    const rows = [...entries.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [
      title,
      ...rows.map(
        ([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`,
      ),
    ].join("\n");
  };
  return [
    `total sampled: ${(total / 1000).toFixed(0)} ms`,
    table("\nself time by package / file:", selfByOwner),
    table("\nself time by function:", selfByFunction),
    table("\ninclusive time of our functions (src/):", inclusiveOurs),
  ].join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: npx tsx bench/profileSummary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  process.stdout.write(`${summariseProfile(profile, Number(process.argv[3] ?? 25))}\n`);
}
