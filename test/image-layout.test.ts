import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChildApp, killGroup } from "../devkit/childApp.ts";
import { APPROVAL_CHANNEL, Harness, REQUESTER, VALID_FORM } from "../devkit/harness.ts";
import { modalStateValues, payloadBody, postSigned, viewSubmissionPayload } from "../devkit/slackRequests.ts";
import { CALLBACKS } from "../src/slack/ids.ts";
import {
  type Copy,
  execForm,
  healthcheckCommand,
  instructionsOf,
  parseCopy,
  parseDockerfile,
  parseEnv,
  type Stage,
} from "./support/dockerfile.ts";
import { survivorsOfGroup } from "./support/processes.ts";

/**
 * No Docker engine runs here or in CI, so this rebuilds the image's runtime stage as a folder,
 * from the Dockerfile itself: every COPY of the runtime stage (the build context's files, the
 * production dependencies, dist/), its WORKDIR, ENV, VOLUME and CMD. The production dependencies
 * are installed as the image's prod-deps stage does (`npm ci --omit=dev`), from npm's cache only
 * (--offline: no network; CI's `npm ci` has filled the cache), with install scripts off and the
 * native module this machine already built copied in (compiling better-sqlite3 takes a minute).
 * dist/ is this repository's build (the test setup has just run `npm run build`, what the image's
 * build stage runs). Then the image's command starts in that folder against the stand-ins:
 * /healthz answers 200, the image's HEALTHCHECK passes, SIGTERM stops it with exit 0.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const stages = parseDockerfile(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const runtime = stages.at(-1) as Stage;

interface LockPackage {
  version?: string;
  dev?: boolean;
  hasInstallScript?: boolean;
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockPackage>;
};

/** The stage's working directory: its last WORKDIR, else its parent stage's. */
function workdirOf(stage: Stage): string {
  const own = instructionsOf(stage, "WORKDIR").at(-1);
  if (own) return own.args;
  const parent = stages.find((s) => s.name === stage.from);
  return parent ? workdirOf(parent) : "/";
}

const inImage = (stage: Stage, path: string) => (path.startsWith("/") ? path : posix.join(workdirOf(stage), path));
const runsOf = (stage: Stage) => instructionsOf(stage, "RUN").map((r) => r.args);

/** Copies `from` as COPY does: a folder's contents into the destination, files into a destination folder (…/). */
function copyLike(from: string, to: string, intoFolder: boolean): void {
  if (!existsSync(from)) throw new Error(`COPY source ${from} does not exist`);
  const target = intoFolder && !statSync(from).isDirectory() ? join(to, basename(from)) : to;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(from, target, { recursive: true, verbatimSymlinks: true });
}

/** Carries out one COPY into the file system rooted at `root`, with `source` telling where a stage's path is here. */
function applyCopy(stage: Stage, copy: Copy, root: string, source: (path: string) => string): void {
  const destination = inImage(stage, copy.destination);
  const intoFolder = copy.destination.endsWith("/") || copy.sources.length > 1;
  for (const from of copy.sources) copyLike(source(from), join(root, destination), intoFolder);
}

/** The files of the build context the Dockerfile copies (any stage). */
const contextSources = stages.flatMap((stage) =>
  instructionsOf(stage, "COPY")
    .map(parseCopy)
    .filter((c) => c.from === undefined)
    .flatMap((c) => c.sources),
);

/**
 * The image's prod-deps stage, rebuilt in `root`: its context files copied, then its `npm ci
 * --omit=dev`, offline and without install scripts, and the native builds of the packages that
 * have install scripts copied from this repository's node_modules (same lockfile, same node).
 */
function rebuildProductionDependencies(stage: Stage, root: string): void {
  for (const copy of instructionsOf(stage, "COPY").map(parseCopy)) {
    if (copy.from !== undefined) throw new Error(`stage ${stage.name}: COPY --from=${copy.from} is not rebuilt here`);
    applyCopy(stage, copy, root, (path) => join(ROOT, path));
  }
  const install = runsOf(stage).find((run) => /^npm ci\b.*--omit=dev\b/.test(run)) ?? "";
  const cwd = join(root, workdirOf(stage));
  const npm = spawnSync(
    "npm",
    [...install.split(/\s+/).slice(1), "--offline", "--ignore-scripts", "--no-audit", "--no-fund"],
    {
      cwd,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", npm_config_update_notifier: "false" },
    },
  );
  if (npm.status !== 0) {
    const hint = /ENOTCACHED/.test(npm.stderr)
      ? "\nnpm's cache lacks a package of package-lock.json: run `npm ci` once (as CI does first), then this test again."
      : "";
    throw new Error(`${install} --offline failed in ${cwd}:\n${npm.stderr}${hint}`);
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev || !entry.hasInstallScript) continue;
    const built = join(ROOT, path);
    const installed = JSON.parse(readFileSync(join(built, "package.json"), "utf8")) as { version: string };
    expect(installed.version, `${path} in this repository's node_modules is not the lockfile's`).toBe(entry.version);
    const binaries = readdirSync(join(built, "build"), { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".node"),
    );
    expect(binaries, `${path} has an install script but no native build to copy`).not.toEqual([]);
    for (const file of binaries) copyLike(join(built, "build", file), join(cwd, path, "build", file), false);
  }
}

/** Where the layout takes a stage's files from: a rebuilt prod-deps stage, or this repository (the build stage). */
function stageSource(name: string, scratch: string): (path: string) => string {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`COPY --from=${name}: no such stage`);
  const runs = runsOf(stage);
  if (runs.some((run) => /^npm ci\b.*--omit=dev\b/.test(run))) {
    const root = join(scratch, "stages", name);
    if (!existsSync(root)) rebuildProductionDependencies(stage, root);
    return (path) => join(root, inImage(stage, path));
  }
  if (runs.some((run) => /\bnpm run build\b/.test(run))) {
    // The build stage's work tree is this repository's, built by the test setup.
    return (path) => {
      const inWorkTree = posix.relative(workdirOf(stage), inImage(stage, path));
      if (inWorkTree.startsWith(".."))
        throw new Error(`COPY --from=${name} ${path}: outside the stage's ${workdirOf(stage)}`);
      return join(ROOT, inWorkTree);
    };
  }
  throw new Error(`COPY --from=${name}: this test does not know how to rebuild stage ${name} (${runs.join("; ")})`);
}

describe("the container image (Dockerfile, .dockerignore, compose.yaml)", () => {
  it("is what the deployment needs: non-root, node receives the signals, a health check, the database on a volume", () => {
    expect(stages.map((s) => s.name)).toContain("prod-deps");
    const user = instructionsOf(runtime, "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user?.split(":")[0]);
    const cmd = instructionsOf(runtime, "CMD");
    expect(cmd).toHaveLength(1);
    // Exec form with node itself: PID 1 is node, which handles SIGTERM; no shell or npm in between.
    expect(execForm(cmd[0]?.args ?? "", cmd[0]?.line ?? 0)).toEqual(["node", "--enable-source-maps", "dist/main.js"]);
    expect(instructionsOf(runtime, "STOPSIGNAL").map((i) => i.args)).toEqual(["SIGTERM"]);
    const [healthcheck] = instructionsOf(runtime, "HEALTHCHECK");
    expect(healthcheck && healthcheckCommand(healthcheck)[0]).toBe("node");
    expect(healthcheck?.args).toContain("/healthz");
    const env = parseEnv(runtime);
    const volumes = instructionsOf(runtime, "VOLUME").map((v) => v.args);
    expect(volumes.some((v) => env.DATABASE_PATH?.startsWith(`${v}/`))).toBe(true);
    expect(instructionsOf(runtime, "EXPOSE").map((e) => e.args)).toEqual([env.PORT]);
    // The runtime stage installs nothing itself: its dependencies come from prod-deps.
    expect(runsOf(runtime).filter((run) => /\bnpm\b/.test(run))).toEqual([]);

    const compose = readFileSync(join(ROOT, "compose.yaml"), "utf8");
    expect(compose).toMatch(/^\s+env_file: \.env$/m);
    expect(compose).toMatch(new RegExp(`^\\s+- bot-data:${volumes[0]}$`, "m"));
    expect(compose).toMatch(new RegExp(`^\\s+DATABASE_PATH: ${env.DATABASE_PATH}$`, "m"));
    // Longer than the bot's drain (25 s, forced exit at 30 s), or docker stop would SIGKILL it mid-drain.
    const grace = /^\s+stop_grace_period: (\d+)s$/m.exec(compose)?.[1];
    expect(Number(grace)).toBeGreaterThan(30);
  });

  it(".dockerignore sends the builder only what the Dockerfile copies from the context, and all of it", () => {
    const lines = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(lines[0]).toBe("*");
    const allowed = lines.slice(1).map((l) => {
      expect(l.startsWith("!"), `.dockerignore line ${l}: after "*" only exceptions (!path)`).toBe(true);
      return posix.normalize(l.slice(1));
    });
    expect([...new Set(contextSources.map((s) => posix.normalize(s)))].sort()).toEqual([...allowed].sort());
    for (const source of allowed) expect(existsSync(join(ROOT, source)), source).toBe(true);
  });

  describe("the runtime stage's layout, rebuilt in a folder and started with the image's command", () => {
    let scratch = "";
    let image = "";
    let h: Harness;
    let child: ChildApp | undefined;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), "image-layout-"));
      image = join(scratch, "image");
      // Node looks for packages in every folder above the code: none may be there to hide a missing one.
      for (let dir = scratch; dirname(dir) !== dir; dir = dirname(dir)) {
        expect(existsSync(join(dirname(dir), "node_modules")), `${dirname(dir)}/node_modules`).toBe(false);
      }
      h = await Harness.start();
      await h.app.stop();
    });
    afterAll(async () => {
      if (child?.process.pid) killGroup(child.process.pid);
      await h?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it("holds production dependencies only, answers /healthz and the HEALTHCHECK, and stops cleanly on SIGTERM", async () => {
      for (const copy of instructionsOf(runtime, "COPY").map(parseCopy)) {
        const source = copy.from === undefined ? (path: string) => join(ROOT, path) : stageSource(copy.from, scratch);
        applyCopy(runtime, copy, image, source);
      }
      for (const volume of instructionsOf(runtime, "VOLUME")) mkdirSync(join(image, volume.args), { recursive: true });
      const app = join(image, workdirOf(runtime));

      // Production dependencies only: no package the lockfile marks dev (typescript, esbuild, vitest, …).
      const modules = join(app, "node_modules");
      const devInstalled = Object.entries(lock.packages)
        .filter(([path, entry]) => path && entry.dev && existsSync(join(app, path)))
        .map(([path]) => path);
      expect(devInstalled).toEqual([]);
      expect(existsSync(join(modules, "@slack/bolt/package.json"))).toBe(true);

      // The image's environment, its absolute paths taken into the folder; the stand-ins' settings on top.
      const imageEnv = Object.fromEntries(
        Object.entries(parseEnv(runtime)).map(([key, value]) => [
          key,
          value.startsWith("/") ? join(image, value) : value,
        ]),
      );
      const { DATABASE_PATH: _testDatabase, ...standIns } = h.envForChild();
      const env = { ...standIns, ...imageEnv, LOG_LEVEL: "info" };
      const [command, ...args] = execForm(instructionsOf(runtime, "CMD")[0]?.args ?? "", 0);
      expect(command).toBe("node");
      child = await ChildApp.start(env, 30_000, { argv: [process.execPath, ...args], cwd: app, detached: true });
      const bot = child;

      const health = await fetch(`${bot.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const healthcheck = instructionsOf(runtime, "HEALTHCHECK")[0];
      const probe = healthcheck ? healthcheckCommand(healthcheck) : [];
      const runProbe = () =>
        new Promise<number | null>((resolve) => {
          const [, ...probeArgs] = probe;
          execFile(process.execPath, probeArgs, { cwd: app, env: { PORT: String(bot.port) } }, (error) =>
            resolve(error ? ((error as { code?: number }).code ?? null) : 0),
          );
        });
      expect(await runProbe()).toBe(0);

      // A request goes all the way through: Bolt and the database driver load from the layout's node_modules.
      const answer = await postSigned(
        bot.baseUrl,
        payloadBody(
          viewSubmissionPayload(REQUESTER, {
            id: "VIMAGE1",
            callbackId: CALLBACKS.requestForm,
            privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
            values: modalStateValues(VALID_FORM),
          }),
        ),
      );
      expect(answer).toMatchObject({ status: 200, text: "" });
      await h.slack.waitForCalls("chat.postMessage", 1, (c) => c.args.channel === APPROVAL_CHANNEL, 10_000);
      // The SQLite file is on the volume.
      expect(imageEnv.DATABASE_PATH && existsSync(imageEnv.DATABASE_PATH)).toBe(true);
      expect(relative(app, imageEnv.DATABASE_PATH ?? "").startsWith("..")).toBe(false);

      expect(await bot.signal("SIGTERM")).toEqual({ code: 0, signal: null });
      expect(bot.stderr).toBe("");
      expect(bot.lines.at(-1)).toContain('"event":"stopped","drained":true');
      expect(await survivorsOfGroup(bot.process.pid ?? 0)).toEqual([]);
      expect(await runProbe()).toBe(1);
    }, 240_000);
  });
});
