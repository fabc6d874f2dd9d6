import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import type * as Https from "node:https";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";

/**
 * Upstream calls over `node:http` (its Agent keeps kept-alive connections per origin), telling the handler
 * what undici's dispatcher tells it: request start, response start (the final answer, after any 1xx), each
 * chunk, then end or error. It uses the HTTP parser built into Node and the `node:http` module the server has
 * loaded already, so a process's first calls cost no start-up: {@link WarmingDispatcher} sends them here.
 */
export class NodeHttpDispatcher implements UpstreamDispatcher {
  /** Same idle time as the undici pools (undici-dispatcher.ts). */
  readonly #http = new HttpAgent({ keepAlive: true, timeout: 4_000, scheduling: "lifo" });
  #https: Https.Agent | undefined;
  readonly #tls: Https.AgentOptions;

  /** `tls`: for `https:` origins, added to Node's defaults (a test's own CA). */
  constructor(tls: Pick<Https.AgentOptions, "ca"> = {}) {
    this.#tls = { keepAlive: true, timeout: 4_000, scheduling: "lifo", ...tls };
  }

  /** The request function and pool for `protocol`; node:https (and TLS) is loaded only for an https origin. */
  #client(protocol: string) {
    if (protocol !== "https:") return { send: httpRequest, agent: this.#http };
    const https = process.getBuiltinModule("node:https") as typeof Https;
    this.#https ??= new https.Agent(this.#tls);
    return { send: https.request, agent: this.#https };
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const url = new URL(String(options.origin));
    let answer: IncomingMessage | undefined;
    let ended = false;
    const fail = (error: Error) => {
      if (ended) return;
      ended = true;
      handler.onResponseError?.(controller, error);
    };
    const { send, agent } = this.#client(url.protocol);
    const request = send({
      agent,
      host: url.hostname,
      port: url.port,
      method: options.method,
      path: options.path,
      headers: options.headers as Record<string, string | string[]>,
    });
    let abortedWith: Error | null = null;
    const controller: Dispatcher.DispatchController = {
      get aborted() {
        return abortedWith !== null;
      },
      get paused() {
        return answer?.isPaused() ?? false;
      },
      get reason() {
        return abortedWith;
      },
      abort: (reason: Error) => {
        abortedWith ??= reason;
        request.destroy(reason);
        fail(reason);
      },
      pause: () => answer?.pause(),
      resume: () => answer?.resume(),
    };
    // `on`, not `once`: a request or answer can emit a second error (after an abort), and `fail` tells one.
    request.on("error", fail);
    request.once("response", (res: IncomingMessage) => {
      answer = res;
      handler.onResponseStart?.(controller, res.statusCode ?? 0, res.headers, res.statusMessage ?? "");
      res.on("data", (chunk: Buffer) => handler.onResponseData?.(controller, chunk));
      res.once("end", () => {
        if (ended) return;
        ended = true;
        handler.onResponseEnd?.(controller, res.trailers);
      });
      res.on("error", fail);
      res.once("close", () => {
        if (!res.complete) fail(Object.assign(new Error("other side closed"), { code: "ECONNRESET" }));
      });
    });
    handler.onRequestStart?.(controller, {});
    const body = options.body;
    if (body === undefined || body === null) request.end();
    else if (body instanceof Uint8Array || typeof body === "string") request.end(body);
    else {
      // A body that fails (over the size limit, the caller gone) ends the upstream request with it.
      const source = body as Readable;
      source.on("error", (error: Error) => {
        request.destroy(error);
        fail(error);
      });
      source.pipe(request);
    }
    return true;
  }

  close(): Promise<void> {
    this.#http.destroy();
    this.#https?.destroy();
    return Promise.resolve();
  }
}
