// Only undici's Agent (and the pool and HTTP/1 client it needs), not the package's index: the index brings
// fetch, WebSocket, caches and more, about 300 kB that every cold start would parse for nothing.
import Agent from "undici/lib/dispatcher/agent.js";

/**
 * The upstream connection pools: one keep-alive pool per model server origin (undici `Agent`). No undici
 * timeouts on the answer: each call enforces its model's own timeout instead.
 *
 * @example
 * const dispatcher = createUndiciDispatcher();
 * await dispatcher.close();
 */
export function createUndiciDispatcher(): Agent {
  return new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000 });
}
