import { build } from "../../scripts/build.ts";

/**
 * Vitest globalSetup: the production build (type check, then the bundles in dist/; a few seconds
 * when nothing changed), so the tests that start the bot as a process run exactly what production runs.
 */
export default async function setup(): Promise<void> {
  try {
    await build();
  } catch (error) {
    throw new Error(`The build (npm run build) failed, so the tests cannot run:\n${String(error)}`);
  }
}
