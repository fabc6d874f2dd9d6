import { IncomingMessage, ServerResponse } from "node:http";
import type { AppEnv } from "@modelgate/http";
import type { Context } from "hono";
import type { HeaderBag } from "./forward-headers.ts";

/** Told when the caller disconnects before its answer is complete. */
export interface GoneWatcher {
  callerGone(): void;
}

/** The calling side of a proxied request, whichever way the app is served. */
export interface Caller {
  readonly headers: HeaderBag;
  /** The declared `content-length`, when there is one. */
  readonly contentLength: number | undefined;
  /** The body's chunks (the source is not destroyed when iteration stops early), or none. */
  chunks(): AsyncIterator<Uint8Array> | undefined;
  /** Tells `watcher` (once) if the caller disconnects before the answer is complete, until {@link unwatch}. */
  watch(watcher: GoneWatcher): void;
  unwatch(watcher: GoneWatcher): void;
  /** Served by Node: the raw request (its body is streamed with plain stream events). */
  readonly incoming?: IncomingMessage;
  /** Served by Node: reads the whole body with plain events (the fast path for small bodies). */
  readWhole?(): Promise<Buffer>;
  /** Served by Node: writes a whole answer on the socket now; returns the marker response hono passes on. */
  sendWhole?(status: number, headers: Record<string, string>, body: Uint8Array | null): Response;
}

/**
 * The caller of `c`: the raw Node request and response when served by @hono/node-server (no web stream
 * conversion: the fast path), else the web `Request` (e.g. `app.request()` in tests).
 *
 * @example
 * const caller = callerOf(c);
 * caller.watch({ callerGone: () => console.log("gone") });
 */
export function callerOf(c: Context<AppEnv>): Caller {
  const env: unknown = c.env;
  if (typeof env === "object" && env !== null && "incoming" in env && "outgoing" in env) {
    const { incoming, outgoing } = env;
    if (incoming instanceof IncomingMessage && outgoing instanceof ServerResponse) {
      return new NodeCaller(incoming, outgoing);
    }
  }
  return new WebCaller(c.req.raw);
}

function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** The header by which @hono/node-server knows the answer was written on the socket directly. */
const ALREADY_SENT = "x-hono-already-sent";
const WATCHER = Symbol("predict.watcher");
const COLLECTOR = Symbol("predict.collector");

type WatchedResponse = ServerResponse & { [WATCHER]?: GoneWatcher | undefined };
type CollectedRequest = IncomingMessage & { [COLLECTOR]?: WholeBody | undefined };

// Listeners are plain functions reading their state from the emitter (`this`): no closures per request.
function onOutgoingClose(this: WatchedResponse): void {
  const watcher = this[WATCHER];
  this[WATCHER] = undefined;
  if (watcher !== undefined && !this.writableFinished) watcher.callerGone();
}

class NodeCaller implements Caller {
  readonly headers: HeaderBag;
  readonly contentLength: number | undefined;
  readonly incoming: IncomingMessage;
  readonly #incoming: IncomingMessage;
  readonly #outgoing: WatchedResponse;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse) {
    this.incoming = incoming;
    this.#incoming = incoming;
    this.#outgoing = outgoing;
    this.headers = incoming.headers;
    this.contentLength = declaredLength(incoming.headers["content-length"]);
  }

  chunks(): AsyncIterator<Uint8Array> {
    return this.#incoming.iterator({ destroyOnReturn: false });
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

  readWhole(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const incoming: CollectedRequest = this.#incoming;
      incoming[COLLECTOR] = { chunks: [], size: 0, resolve, reject };
      incoming.on("data", onCollectData);
      incoming.once("end", onCollectEnd);
      incoming.once("error", onCollectError);
      incoming.once("close", onCollectClose);
    });
  }

  sendWhole(status: number, headers: Record<string, string>, body: Uint8Array | null): Response {
    if (body !== null) headers["content-length"] = String(body.byteLength);
    this.#outgoing.writeHead(status, headers);
    if (body === null) this.#outgoing.end();
    else this.#outgoing.end(body);
    return new Response(null, { headers: { [ALREADY_SENT]: "true" } });
  }
}

interface WholeBody {
  readonly chunks: Buffer[];
  size: number;
  readonly resolve: (body: Buffer) => void;
  readonly reject: (error: Error) => void;
}

function onCollectData(this: CollectedRequest, chunk: Buffer): void {
  const collector = this[COLLECTOR];
  if (collector === undefined) return;
  collector.chunks.push(chunk);
  collector.size += chunk.byteLength;
}

function onCollectEnd(this: CollectedRequest): void {
  const collector = stopCollecting(this);
  if (collector === undefined) return;
  const { chunks, size } = collector;
  collector.resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
}

function onCollectError(this: CollectedRequest, error: Error): void {
  stopCollecting(this)?.reject(error);
}

function onCollectClose(this: CollectedRequest): void {
  stopCollecting(this)?.reject(new Error("the caller disconnected before sending the whole body"));
}

function stopCollecting(incoming: CollectedRequest): WholeBody | undefined {
  const collector = incoming[COLLECTOR];
  incoming[COLLECTOR] = undefined;
  incoming.off("data", onCollectData);
  incoming.off("end", onCollectEnd);
  incoming.off("error", onCollectError);
  incoming.off("close", onCollectClose);
  return collector;
}

class WebCaller implements Caller {
  readonly headers: HeaderBag;
  readonly contentLength: number | undefined;
  readonly #request: Request;
  readonly #listeners = new Map<GoneWatcher, () => void>();

  constructor(request: Request) {
    this.#request = request;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.headers = headers;
    this.contentLength = declaredLength(request.headers.get("content-length"));
  }

  chunks(): AsyncIterator<Uint8Array> | undefined {
    return this.#request.body?.values({ preventCancel: true });
  }

  watch(watcher: GoneWatcher): void {
    const listener = (): void => watcher.callerGone();
    this.#listeners.set(watcher, listener);
    this.#request.signal.addEventListener("abort", listener, { once: true });
  }

  unwatch(watcher: GoneWatcher): void {
    const listener = this.#listeners.get(watcher);
    if (listener === undefined) return;
    this.#listeners.delete(watcher);
    this.#request.signal.removeEventListener("abort", listener);
  }
}
