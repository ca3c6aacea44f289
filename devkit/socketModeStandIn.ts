import { randomUUID } from "node:crypto";
import { type WebSocket, WebSocketServer } from "ws";
import type { SlackStandIn } from "./slackStandIn.ts";

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * Slack's side of Socket Mode: apps.connections.open (on the Slack stand-in) hands out this
 * server's URL; the bot connects, is greeted with "hello", and receives envelopes it must ack.
 */
export class SocketModeStandIn {
  private server: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (ack: SocketAck) => void>();
  readonly connections: number[] = [];

  async start(slack: SlackStandIn): Promise<void> {
    this.server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => this.server?.once("listening", () => resolve()));
    const address = this.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    slack.socketUrl = `ws://127.0.0.1:${port}/link`;
    this.server.on("connection", (socket) => {
      this.connections.push(Date.now());
      this.socket = socket;
      socket.on("message", (data) => {
        const ack = JSON.parse(String(data)) as SocketAck;
        this.acks.get(ack.envelope_id)?.(ack);
      });
      socket.send(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "stand-in" } }));
    });
  }

  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Sends one envelope (the same envelope id twice models a redelivery) and waits for its ack. */
  deliver(
    type: "slash_commands" | "interactive" | "events_api",
    payload: unknown,
    envelopeId = randomUUID(),
    timeoutMs = 5000,
  ): Promise<SocketAck> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error("The bot is not connected"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No ack for ${type} ${envelopeId}`)), timeoutMs);
      this.acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        this.acks.delete(envelopeId);
        resolve(ack);
      });
      socket.send(
        JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== "events_api" }),
      );
    });
  }

  async stop(): Promise<void> {
    for (const client of this.server?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
