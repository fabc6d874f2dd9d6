import type { AppEnv } from "@modelgate/http";
import type { Context } from "hono";
import type { Caller } from "./caller.ts";
import { callerOf } from "./caller-of.ts";
import { exchange, type UpstreamAnswer } from "./exchange.ts";
import { forwardHeaders } from "./forward-headers.ts";
import type { ProxyDeps } from "./proxy-route.ts";
import type { Operation, Target } from "./target.ts";

/**
 * Calls a model with a JSON body built here (the routes that read the caller's body whole: `POST /` and
 * `/api/v1/detect`), forwarding the caller's headers but `content-type: application/json`.
 *
 * @example
 * const answer = await callWithJson(c, deps, target, "predict", { instances: [[1, 2]] });
 */
export function callWithJson(
  c: Context<AppEnv>,
  deps: ProxyDeps,
  target: Target,
  operation: Operation,
  payload: Record<string, unknown>,
  options: { caller?: Caller; bufferBytes?: number } = {},
): Promise<UpstreamAnswer> {
  const caller = options.caller ?? callerOf(c);
  const { bufferBytes } = options;
  const headers = forwardHeaders(caller.headers, c.get("requestId"));
  headers["content-type"] = "application/json";
  const body = { kind: "bytes", bytes: Buffer.from(JSON.stringify(payload)) } as const;
  return exchange(deps.dispatcher, {
    target,
    operation,
    headers,
    body,
    caller,
    ...(bufferBytes === undefined ? {} : { bufferBytes }),
  });
}
