import type { Readable } from "node:stream";
import { HttpError } from "@modelgate/http";
import type { Dispatcher } from "undici";
import type { Caller, GoneWatcher } from "./caller.ts";
import type { PreparedBody } from "./prepared-body.ts";
import { OPERATION_METHODS, type Operation, type Target } from "./target.ts";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";
import { describeCause, UpstreamError } from "./upstream-error.ts";

/** Answers up to this size are received whole before they are passed on (so a failure mid-body is a 502). */
export const BUFFERED_ANSWER_BYTES = 64 * 1024;

/** One call to a model server. */
export interface UpstreamCall {
  readonly target: Target;
  readonly operation: Operation;
  readonly headers: Record<string, string | string[]>;
  readonly body: PreparedBody;
  /** Who asked: their disconnecting aborts the call. */
  readonly caller?: Pick<Caller, "watch" | "unwatch">;
  /** Receive answers up to this size whole before returning (default {@link BUFFERED_ANSWER_BYTES}). */
  readonly bufferBytes?: number;
}

/**
 * The answer headers passed on to the caller: the body's type, and the length of the JSON part of a V2 answer
 * with binary tensors (KServe's binary tensor extension).
 */
export const ANSWER_HEADERS = ["content-type", "inference-header-content-length"] as const;

/** The model server's answer, passed on unchanged: status, the {@link ANSWER_HEADERS} it sent, and body. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole body, or (for a large answer) a stream of it that still enforces the timeout. */
  readonly body: Uint8Array | ReadableStream<Uint8Array>;
}

/**
 * Sends `call` through `dispatcher` (a keep-alive pool per origin) and returns the answer whatever its status.
 * The target's timeout bounds every wait (connecting, sending, the answer's head, each part of its body):
 * exceeded → 504. Unreachable, refused, reset → 502; a kept-alive connection found closed before any answer
 * is retried once on a fresh one while the body can be sent again. The caller disconnecting aborts the call.
 *
 * @example
 * const answer = await exchange(agent, { target, operation: "predict", headers, body });
 * return new Response(answer.body, { status: answer.status });
 */
export function exchange(dispatcher: UpstreamDispatcher, call: UpstreamCall): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    new Exchange(dispatcher, call, resolve, reject).start();
  });
}

type State = "open" | "timed out" | "caller gone" | "done";

/** The state of one call: an undici dispatch handler (no stream or promise per request on the small path). */
class Exchange implements Dispatcher.DispatchHandler, GoneWatcher {
  readonly #dispatcher: UpstreamDispatcher;
  readonly #call: UpstreamCall;
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #limit: number;
  #state: State = "open";
  #settled = false;
  #retried = false;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #headers: Record<string, string> = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(
    dispatcher: UpstreamDispatcher,
    call: UpstreamCall,
    resolve: (answer: UpstreamAnswer) => void,
    reject: (error: unknown) => void,
  ) {
    this.#dispatcher = dispatcher;
    this.#call = call;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#limit = call.bufferBytes ?? BUFFERED_ANSWER_BYTES;
    this.#timer = setTimeout(onTimeout, call.target.timeoutMs, this);
    call.caller?.watch(this);
  }

  timedOut(): void {
    this.#end("timed out", new Error(`no answer within ${this.#call.target.timeoutMs} ms`));
  }

  callerGone(): void {
    this.#end("caller gone", new Error("the caller disconnected"));
  }

  start(): void {
    const { target, body, headers, operation } = this.#call;
    let payload: Uint8Array | Readable | null = null;
    if (body.kind === "bytes") payload = body.bytes;
    else if (body.kind === "stream") {
      body.stream.onProgress = () => this.#progress();
      payload = body.stream.open();
      if (body.contentLength !== undefined) headers["content-length"] = String(body.contentLength);
    }
    const path = target.paths[operation];
    const method = OPERATION_METHODS[operation];
    this.#dispatcher.dispatch({ origin: target.origin, path, method, headers, body: payload }, this);
  }

  #progress(): void {
    this.#timer.refresh();
  }

  /** Timed out or the caller left: abort the upstream request and answer (or cut the answer) now. */
  #end(state: State, reason: Error): void {
    if (this.#state !== "open") return;
    this.#state = state;
    this.#controller?.abort(reason);
    this.#fail(reason);
  }

  #finish(): void {
    if (this.#state === "open") this.#state = "done";
    clearTimeout(this.#timer);
    this.#call.caller?.unwatch(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#state !== "open") controller.abort(new Error(`the call ended before it started (${this.#state})`));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: the real answer follows
    const body = this.#call.body;
    if (body.kind === "stream") body.stream.release();
    this.#progress();
    this.#status = statusCode;
    this.#headers = {};
    for (const name of ANSWER_HEADERS) {
      const value = headers[name];
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) this.#headers[name] = first;
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#progress();
    if (this.#stream !== undefined) {
      this.#stream.enqueue(chunk);
      if ((this.#stream.desiredSize ?? 0) <= 0) controller.pause();
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#size > this.#limit && !this.#settled) this.#startStreaming(controller);
  }

  onResponseEnd(): void {
    this.#finish();
    if (this.#stream !== undefined) {
      this.#stream.close();
      return;
    }
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, this.#size);
    this.#settle();
    this.#resolve({ status: this.#status, headers: this.#headers, body: bytes });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#state === "open" && !this.#settled && this.#status === 0 && this.#canRetry(error)) {
      this.#retried = true;
      this.#controller = undefined;
      this.start();
      return;
    }
    const state = this.#state;
    this.#finish();
    if (state === "open") this.#fail(error);
  }

  /** A kept-alive connection the server had closed (KServe does so after a model's exception). */
  #canRetry(error: Error): boolean {
    if (this.#retried) return false;
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !RESET_CODES.has(code)) return false;
    const body = this.#call.body;
    return body.kind !== "stream" || body.stream.replayable;
  }

  /** The answer is large: hand it on as a stream that pauses the upstream when the caller reads slowly. */
  #startStreaming(controller: Dispatcher.DispatchController): void {
    const held = this.#chunks;
    this.#chunks = [];
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (streamController) => {
          this.#stream = streamController;
          for (const chunk of held) streamController.enqueue(chunk);
          if ((streamController.desiredSize ?? 0) <= 0) controller.pause();
        },
        pull: () => {
          if (controller.paused) controller.resume();
        },
        cancel: () => {
          this.#end("caller gone", new Error("the caller stopped reading the answer"));
        },
      },
      { highWaterMark: BUFFERED_ANSWER_BYTES, size: (chunk) => chunk.byteLength },
    );
    this.#settle();
    this.#resolve({ status: this.#status, headers: this.#headers, body: stream });
  }

  #settle(): void {
    this.#settled = true;
  }

  /** Rejects the call (before the answer was handed on) or errors the answer's stream (after), described. */
  #fail(error: Error): void {
    if (this.#settled) {
      this.#finish();
      this.#stream?.error(this.#describe(error));
      return;
    }
    this.#settle();
    this.#finish();
    this.#reject(this.#describe(error));
  }

  #describe(error: Error): unknown {
    const { body, target } = this.#call;
    if (body.kind === "stream" && body.stream.overflowed) return error;
    if (error instanceof HttpError) return error;
    if (this.#state === "timed out") {
      return new UpstreamError(504, target.name, `no answer within ${target.timeoutMs} ms`, { cause: error });
    }
    if (this.#state === "caller gone") return new HttpError(400, "the caller disconnected", { cause: error });
    return new UpstreamError(502, target.name, describeCause(error), { cause: error });
  }
}

function onTimeout(exchange: Exchange): void {
  exchange.timedOut();
}

const RESET_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);
