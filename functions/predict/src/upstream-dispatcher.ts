import type { Dispatcher } from "undici";

/**
 * What an upstream call needs of a dispatcher (exchange.ts): send one request and tell `handler` about its
 * answer, as undici's dispatch handlers are told. An undici `Agent` is one; so is `NodeHttpDispatcher`.
 */
export interface UpstreamDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
}
