import type { IncomingMessage, ServerResponse } from "node:http";
import { type Caller, declaredLength, type GoneWatcher } from "./caller.ts";

/** The header by which @hono/node-server knows the answer was written on the socket directly. */
const ALREADY_SENT = "x-hono-already-sent";
const WATCHER = Symbol("predict.watcher");

type WatchedResponse = ServerResponse & { [WATCHER]?: GoneWatcher | undefined };

// A plain function reading its state from the emitter (`this`): no closure per request.
function onOutgoingClose(this: WatchedResponse): void {
  const watcher = this[WATCHER];
  this[WATCHER] = undefined;
  if (watcher !== undefined && !this.writableFinished) watcher.callerGone();
}

/**
 * The caller as @hono/node-server serves it (production): the raw Node request and response, the request
 * being the body stream itself (no Web stream conversion).
 *
 * @example
 * const caller = new NodeCaller(incoming, outgoing);
 * caller.sendWhole(200, { "content-type": "application/json" }, bytes);
 */
export class NodeCaller implements Caller {
  readonly headers: IncomingMessage["headers"];
  readonly contentLength: number | undefined;
  readonly body: IncomingMessage;
  readonly #outgoing: WatchedResponse;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse) {
    this.body = incoming;
    this.#outgoing = outgoing;
    this.headers = incoming.headers;
    this.contentLength = declaredLength(incoming.headers["content-length"]);
  }

  watch(watcher: GoneWatcher): void {
    this.#outgoing[WATCHER] = watcher;
    this.#outgoing.once("close", onOutgoingClose);
  }

  unwatch(watcher: GoneWatcher): void {
    if (this.#outgoing[WATCHER] !== watcher) return;
    this.#outgoing[WATCHER] = undefined;
    this.#outgoing.off("close", onOutgoingClose);
  }

  sendWhole(status: number, headers: Record<string, string>, body: Uint8Array | null): Response {
    if (body !== null) headers["content-length"] = String(body.byteLength);
    this.#outgoing.writeHead(status, headers);
    if (body === null) this.#outgoing.end();
    else this.#outgoing.end(body);
    return new Response(null, { headers: { [ALREADY_SENT]: "true" } });
  }
}
