import type { Dispatcher } from "undici";
import { NodeHttpDispatcher } from "./node-http-dispatcher.ts";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";

const loadUndici = async (): Promise<UpstreamDispatcher> =>
  (await import("./undici-dispatcher.ts")).createUndiciDispatcher();

/**
 * The dispatcher a predict process starts with (docs/adr/0008-cold-start.md): its first
 * calls go over `node:http`, which costs nothing to start, and once the first call has ended it loads undici's
 * `Agent` in the background (less CPU per call under load: docs/PERFORMANCE.md); every call dispatched after
 * that goes through undici. Calls already under way finish where they started. If undici cannot be loaded, the
 * calls stay on `node:http`.
 *
 * @example
 * const dispatcher = createDispatcher();
 * exchange(dispatcher, call);
 */
export class WarmingDispatcher implements UpstreamDispatcher {
  readonly #first: UpstreamDispatcher;
  readonly #load: () => Promise<UpstreamDispatcher>;
  #warm: UpstreamDispatcher | undefined;
  #loading: Promise<void> | undefined;
  #triggered = false;

  constructor(first: UpstreamDispatcher = new NodeHttpDispatcher(), load = loadUndici) {
    this.#first = first;
    this.#load = load;
  }

  /** Whether the next call goes through undici (for tests). */
  get warm(): boolean {
    return this.#warm !== undefined;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#warm !== undefined) return this.#warm.dispatch(options, handler);
    if (this.#triggered) return this.#first.dispatch(options, handler);
    this.#triggered = true;
    return this.#first.dispatch(
      options,
      whenEnded(handler, () => this.#startLoading()),
    );
  }

  /** Resolves once undici is loaded (or failed to load and the calls stay on `node:http`). */
  loaded(): Promise<void> {
    return this.#loading ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#loading;
    await Promise.all([this.#first.close(), this.#warm?.close()]);
  }

  #startLoading(): void {
    // After the answer is written: loading undici takes the event loop for a few milliseconds.
    this.#loading = new Promise<void>((resolve) => setImmediate(resolve)).then(this.#load).then(
      (warm) => {
        this.#warm = warm;
      },
      () => undefined,
    );
  }
}

/** `handler`, with `ended` called once its call has ended (answered whole or failed). */
function whenEnded(handler: Dispatcher.DispatchHandler, ended: () => void): Dispatcher.DispatchHandler {
  let told = false;
  const once = () => {
    if (told) return;
    told = true;
    ended();
  };
  return {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, statusCode, headers, socket) =>
      handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
    onResponseStart: (controller, statusCode, headers, statusMessage) =>
      handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => {
      handler.onResponseEnd?.(controller, trailers);
      once();
    },
    onResponseError: (controller, error) => {
      handler.onResponseError?.(controller, error);
      once();
    },
  };
}

/**
 * The upstream dispatcher of a predict process: {@link WarmingDispatcher}.
 *
 * @example
 * const app = createApp({ config, logger, dispatcher: createDispatcher() });
 */
export function createDispatcher(): WarmingDispatcher {
  return new WarmingDispatcher();
}
