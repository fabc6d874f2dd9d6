import { Agent } from "undici";

/**
 * The upstream connection pools: one keep-alive pool per model server origin (undici `Agent`). No undici
 * timeouts on the answer: each call enforces its model's own timeout instead.
 *
 * @example
 * const dispatcher = createDispatcher();
 * await dispatcher.close();
 */
export function createDispatcher(): Agent {
  return new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000 });
}
