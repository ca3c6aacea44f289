/**
 * Bolt's classes (and the Web API client), loaded from their own files. The package's index also loads ExpressReceiver
 * (express and its dependencies) and AwsLambdaReceiver, which this bot never uses: about 100 ms
 * of CPU at every start and 7 MB. These paths are Bolt's compiled layout, not its documented API;
 * test/unit/bolt.test.ts checks they are the very classes the index exports, so an upgrade that
 * moves them fails there rather than in production. Loaded with require, which hands back the
 * CommonJS exports alike under node, a bundle and vitest.
 */
import { createRequire } from "node:module";
import type * as Bolt from "@slack/bolt";
import type * as WebApi from "@slack/web-api";

const require = createRequire(import.meta.url);

/**
 * Loads Bolt with source maps off: under --enable-source-maps node reads and parses the map of
 * every file it loads, some 300 for Bolt and the Slack SDK (90 ms of CPU and a few MB at each
 * start), and those maps point to TypeScript sources the packages do not ship. Our own code keeps
 * its maps.
 */
function withoutSourceMaps<T>(load: () => T): T {
  const enabled = process.sourceMapsEnabled;
  if (enabled) process.setSourceMapsEnabled(false);
  try {
    return load();
  } finally {
    if (enabled) process.setSourceMapsEnabled(true);
  }
}

const { app, http, socket, webApi } = withoutSourceMaps(() => ({
  app: require("@slack/bolt/dist/App.js") as { default: typeof Bolt.App; LogLevel: typeof Bolt.LogLevel },
  http: require("@slack/bolt/dist/receivers/HTTPReceiver.js") as { default: typeof Bolt.HTTPReceiver },
  socket: require("@slack/bolt/dist/receivers/SocketModeReceiver.js") as { default: typeof Bolt.SocketModeReceiver },
  webApi: require("@slack/web-api") as { WebClient: typeof WebApi.WebClient },
}));

export const App = app.default;
export type App = Bolt.App;
export const LogLevel = app.LogLevel;
export type LogLevel = Bolt.LogLevel;
export const HTTPReceiver = http.default;
export const SocketModeReceiver = socket.default;
export const WebClient = webApi.WebClient;
export type WebClient = WebApi.WebClient;
