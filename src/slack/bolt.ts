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
import { withoutSourceMaps } from "../withoutSourceMaps.ts";

const require = createRequire(import.meta.url);

// Source maps off while they load (see withoutSourceMaps).
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
