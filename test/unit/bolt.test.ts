import * as bolt from "@slack/bolt";
import * as webApi from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, WebClient } from "../../src/slack/bolt.ts";

describe("Bolt's classes loaded from their own files (src/slack/bolt.ts)", () => {
  it("are the very classes and values @slack/bolt exports", () => {
    expect(App).toBe(bolt.App);
    expect(HTTPReceiver).toBe(bolt.HTTPReceiver);
    expect(SocketModeReceiver).toBe(bolt.SocketModeReceiver);
    expect(LogLevel).toBe(bolt.LogLevel);
    expect(WebClient).toBe(webApi.WebClient);
  });
});
