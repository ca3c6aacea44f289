import type { RequestListener } from "node:http";
import type { ReceiverEvent } from "@slack/bolt";
import type { AckKind } from "../metrics/metrics.ts";
import type { App } from "./bolt.ts";
import { summarise } from "./listeners/middleware/requestLog.ts";

/** The custom property (it reaches `context`) carrying a request's arrival time to the app. */
const ARRIVED_AT = "arrivedAt";

const KINDS: Record<string, AckKind> = {
  slash_command: "command",
  block_actions: "block_actions",
  view_submission: "view_submission",
  block_suggestion: "options",
  event: "event",
};

export function ackKindOf(body: unknown): AckKind {
  return KINDS[summarise(body).kind] ?? "other";
}

/**
 * Times every Slack request from its arrival to its ack, whoever acks it: a listener, the
 * middleware dropping a repeated click, or Bolt itself (it acks events before any middleware
 * runs, which is why this is not a middleware but wraps the ack the receiver hands the app).
 */
export class AckTimer {
  private readonly arrivals = new WeakMap<object, number>();

  constructor(private readonly acked: (kind: AckKind, seconds: number) => void) {}

  /**
   * The receivers' customPropertiesExtractor: the request's arrival time. In Socket Mode it is
   * called as the envelope arrives; over HTTP once the body is read, so the time noted by
   * `watchHttp` as the request came in is used instead.
   */
  readonly customPropertiesExtractor = (source: object): Record<string, number> => ({
    [ARRIVED_AT]: this.arrivals.get(source) ?? performance.now(),
  });

  /** HTTP mode: notes when each request comes in, before its body is read and its signature checked. */
  watchHttp(receiver: { requestListener: RequestListener }): void {
    const listener = receiver.requestListener;
    receiver.requestListener = (req, res) => {
      this.arrivals.set(req, performance.now());
      listener(req, res);
    };
  }

  /** Wraps the ack of every request the receiver hands `app`. */
  instrument(app: App): void {
    const processEvent = app.processEvent.bind(app);
    app.processEvent = (event: ReceiverEvent) => {
      const arrived = event.customProperties?.[ARRIVED_AT];
      const started = typeof arrived === "number" ? arrived : performance.now();
      const ack = event.ack;
      let timed = false;
      return processEvent({
        ...event,
        ack: async (response) => {
          try {
            await ack(response);
          } finally {
            // A second ack is refused by the receiver: only the first is timed.
            if (!timed) {
              timed = true;
              this.acked(ackKindOf(event.body), (performance.now() - started) / 1000);
            }
          }
        },
      });
    };
  }
}
