/**
 * Runs `load` (a require of a package) with source maps off: under --enable-source-maps node reads
 * and parses the map of every file it loads, and packages ship maps of sources they do not ship
 * (Bolt and the Slack SDK some 300 files, 90 ms of CPU and a few MB at each start; prom-client's
 * @opentelemetry/api some 100). Our own code keeps its maps.
 */
export function withoutSourceMaps<T>(load: () => T): T {
  const enabled = process.sourceMapsEnabled;
  if (enabled) process.setSourceMapsEnabled(false);
  try {
    return load();
  } finally {
    if (enabled) process.setSourceMapsEnabled(true);
  }
}
