import { IncomingMessage, ServerResponse } from "node:http";
import type { AppEnv } from "@modelgate/http";
import type { Context } from "hono";
import type { Caller } from "./caller.ts";
import { NodeCaller } from "./node-caller.ts";
import { WebCaller } from "./web-caller.ts";

/**
 * The caller of `c`: the raw Node request and response when served by @hono/node-server (production), else
 * the Web `Request` with its body adapted to a Node stream (e.g. `app.request()` in tests). Either way the body
 * is then read by the same code.
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
