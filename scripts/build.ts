/**
 * The production build (`npm run build`, also run by the tests' global setup): type-checks src/
 * (tsc, incremental), then bundles each entry point with esbuild into dist/ with source maps.
 *
 * Why a bundle: node loads an ES module graph file by file (resolve, read, compile, link), and
 * zod and drizzle-orm are some 250 small files, our code 80 more. As one file per entry point the
 * start takes a fraction of the CPU (docs/deploying.md, "Start-up and memory"). Packages that
 * are CommonJS, native or only loaded on rare paths (Bolt, better-sqlite3, pg, prom-client,
 * dotenv) stay in node_modules and are loaded from there; code reached through a dynamic
 * import() lands in a chunk of its own (dist/chunks/), loaded only when that path runs.
 *
 *   npm run build            (tsx scripts/build.ts)
 *   tsx scripts/build.ts --no-typecheck
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build as bundle, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist");
/** Kept across builds: tsc's incremental state. */
const TSBUILDINFO = ".tsbuildinfo";

/** Every command the package runs from dist/: dist/<name>.js from src/<file>. */
export const ENTRY_POINTS = [
  { out: "main", in: "src/main.ts" },
  { out: "audit/cli", in: "src/audit/cli.ts" },
  { out: "db/copy", in: "src/db/copy.ts" },
] as const;

/** Packages bundled into dist/; every other package is imported from node_modules at run time. */
export const BUNDLED_PACKAGES = ["zod", "drizzle-orm"] as const;

const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const onlyListedPackages: Plugin = {
  name: "only-listed-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { external: true };
      return (BUNDLED_PACKAGES as readonly string[]).includes(packageOf(args.path))
        ? undefined
        : { path: args.path, external: true };
    });
  },
};

export async function build(options: { typecheck?: boolean } = {}): Promise<void> {
  if (options.typecheck ?? true) {
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
        cwd: ROOT,
        stdio: "pipe",
      });
    } catch (error) {
      const output = (error as { stdout?: Buffer }).stdout?.toString() || String(error);
      throw new Error(`Type errors in src/ (tsc -p tsconfig.build.json):\n${output}`);
    }
  }
  // Chunk names change with their content: clear out the last build's files.
  for (const entry of readdirSync(OUT, { withFileTypes: true }).filter((e) => e.name !== TSBUILDINFO)) {
    rmSync(join(OUT, entry.name), { recursive: true, force: true });
  }
  // One entry point at a time: code is shared into chunks only by the paths of one command, so
  // the bot's start does not evaluate what only `npm run db:copy` needs.
  for (const entry of ENTRY_POINTS) {
    const { metafile } = await bundle({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      outdir: OUT,
      bundle: true,
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      platform: "node",
      format: "esm",
      target: "node20",
      // Stack traces under --enable-source-maps point into src/; the sources themselves are not
      // needed for that, and leaving them out keeps the map node parses at start small.
      sourcemap: "linked",
      sourcesContent: false,
      plugins: [onlyListedPackages],
      metafile: true,
      logLevel: "warning",
    });
    const bundled = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
    );
    const locales = bundled.filter((input) => /zod\/v4\/locales\/(?!en\.js)/.test(input));
    if (locales.length > 0) {
      throw new Error(
        `${entry.in}: the bundle holds all of zod's ${locales.length + 1} locales. Import zod as \`import * as z from "zod"\` (not \`import { z }\`), so the bundler keeps only what is used.`,
      );
    }
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  build({ typecheck: !process.argv.includes("--no-typecheck") }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
