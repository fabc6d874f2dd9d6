import type { Readable } from "node:stream";
import type { HeaderBag } from "./forward-headers.ts";

/** Told when the caller disconnects before its answer is complete. */
export interface GoneWatcher {
  callerGone(): void;
}

/** The calling side of a proxied request, whichever way the app is served (`caller-of.ts` picks one). */
export interface Caller {
  readonly headers: HeaderBag;
  /** The declared `content-length`, when there is one. */
  readonly contentLength: number | undefined;
  /** The body as a Node stream: the request itself when served by Node, else the Web body adapted once. */
  readonly body: Readable;
  /** Tells `watcher` (once) if the caller disconnects before the answer is complete, until {@link unwatch}. */
  watch(watcher: GoneWatcher): void;
  unwatch(watcher: GoneWatcher): void;
  /** Served by Node: writes a whole answer on the socket now; returns the marker response hono passes on. */
  sendWhole?(status: number, headers: Record<string, string>, body: Uint8Array | null): Response;
}

/**
 * A `content-length` header as a number; undefined when absent or not a plain decimal.
 *
 * @example
 * declaredLength("42") // 42
 */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
