/**
 * Just enough of a Dockerfile parser for test/image-layout.test.ts: stages and their instructions
 * (continuation lines joined, comments dropped), COPY's sources, ENV's pairs, exec-form commands.
 */

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  /** The image or earlier stage it starts from. */
  from: string;
  instructions: Instruction[];
}

export interface Copy {
  /** The stage copied from; undefined for the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#") || (!pending && trimmed === "")) return;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { text: part, line: index + 1 };
    if (continued) return;
    const [keyword = "", ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(" "), line: pending.line });
    pending = undefined;
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match?.[1]) throw new Error(`Dockerfile line ${instruction.line}: FROM ${instruction.args}`);
      stages.push({ from: match[1], name: match[2] ?? String(stages.length), instructions: [] });
    } else if (instruction.keyword !== "ARG" || stages.length > 0) {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before any FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** COPY in its shell form: flags (--from, --chown, …), sources, destination. */
export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift() ?? "";
    if (flag.startsWith("--from=")) from = flag.slice("--from=".length);
  }
  const destination = words.pop();
  if (!destination || words.length === 0 || instruction.args.trim().startsWith("[")) {
    throw new Error(
      `Dockerfile line ${instruction.line}: COPY ${instruction.args} (expected COPY [--from=…] SRC… DEST)`,
    );
  }
  return { from, sources: words, destination };
}

/** The pairs of ENV instructions written as KEY=value (values without spaces or quotes). */
export function parseEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructionsOf(stage, "ENV")) {
    for (const pair of instruction.args.split(/\s+/)) {
      const at = pair.indexOf("=");
      if (at <= 0)
        throw new Error(`Dockerfile line ${instruction.line}: ENV ${instruction.args} (expected KEY=value …)`);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** An exec-form command (`["node", "dist/main.js"]`), as CMD and HEALTHCHECK … CMD write it. */
export function execForm(args: string, line: number): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`Dockerfile line ${line}: ${args} is not an exec-form command`);
  }
  return parsed;
}

/** The command of HEALTHCHECK [options] CMD [...]. */
export function healthcheckCommand(instruction: Instruction): string[] {
  const at = instruction.args.indexOf("CMD ");
  if (at < 0) throw new Error(`Dockerfile line ${instruction.line}: HEALTHCHECK without CMD`);
  return execForm(instruction.args.slice(at + 4).trim(), instruction.line);
}
