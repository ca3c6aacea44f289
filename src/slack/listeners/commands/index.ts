import type { App } from "@slack/bolt";
import { COMMAND } from "../../ids.ts";
import type { ListenerDeps } from "../deps.ts";
import { type CommandHandler, createAuthClient } from "./createAuthClient.ts";

/** Every slash command, and the handler that answers it. */
const commands: Record<string, (deps: ListenerDeps) => CommandHandler> = {
  [COMMAND]: createAuthClient,
};

export function register(app: App, deps: ListenerDeps): void {
  for (const [command, handler] of Object.entries(commands)) app.command(command, handler(deps));
}
