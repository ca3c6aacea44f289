/**
 * Preloaded into both apps under test (`--import bench/dist/loopbackOnly.js`, compiled with the
 * bare Bolt app by bench/tsconfig.build.json): a server asked to listen on a port without a host
 * listens on 127.0.0.1 instead of every interface, so the benchmark never opens a port to the
 * network. Both apps get it, so it costs them the same.
 */
import { Server } from "node:net";

const LOOPBACK = "127.0.0.1";
const listen = Server.prototype.listen;

function onLoopback(args: unknown[]): unknown[] {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return typeof second === "string" ? args : [first, LOOPBACK, ...args.slice(1)];
  }
  if (first && typeof first === "object" && "port" in first && !("host" in first) && !("path" in first)) {
    return [{ ...first, host: LOOPBACK }, ...args.slice(1)];
  }
  return args;
}

Server.prototype.listen = function listenOnLoopback(this: Server, ...args: unknown[]) {
  return Reflect.apply(listen, this, onLoopback(args)) as Server;
} as typeof listen;
