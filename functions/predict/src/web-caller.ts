import { Readable } from "node:stream";
import { type Caller, declaredLength, type GoneWatcher } from "./caller.ts";

/**
 * The caller of a Web `Request` (`app.request()` in the tests, the local gateway's `POST /`), adapted at the
 * edge: its body becomes a Node stream once, when first asked for, so it is read by the same code as a
 * request served by Node.
 *
 * @example
 * const caller = new WebCaller(new Request("http://x/", { method: "POST", body: "{}" }));
 * caller.body.pipe(process.stdout);
 */
export class WebCaller implements Caller {
  readonly headers: Readonly<Record<string, string>>;
  readonly contentLength: number | undefined;
  readonly #request: Request;
  readonly #listeners = new Map<GoneWatcher, () => void>();
  #body: Readable | undefined;

  constructor(request: Request) {
    this.#request = request;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.headers = headers;
    this.contentLength = declaredLength(request.headers.get("content-length"));
  }

  /** Made on first use only: a route that refuses the request first (404) leaves the Web body unread. */
  get body(): Readable {
    this.#body ??= toNodeStream(this.#request.body);
    return this.#body;
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

/** A Web body as a Node byte stream; no body is an empty stream. */
function toNodeStream(body: ReadableStream<Uint8Array> | null): Readable {
  if (body === null) return Readable.from([], { objectMode: false });
  return Readable.fromWeb(body);
}
