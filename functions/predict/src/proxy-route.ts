import type { AppEnv } from "@modelgate/http";
import type { Context } from "hono";
import { toResponse } from "./answer.ts";
import { callerOf } from "./caller-of.ts";
import { exchange } from "./exchange.ts";
import { forwardHeaders } from "./forward-headers.ts";
import type { PreparedBody } from "./prepared-body.ts";
import { prepareBody } from "./request-body.ts";
import { findTarget, type Operation, type Target } from "./target.ts";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";

/** What the proxy routes need. */
export interface ProxyDeps {
  /** The registry's targets as it is now: read per request (a reload may replace them). */
  readonly targets: ReadonlyMap<string, Target>;
  readonly dispatcher: UpstreamDispatcher;
  readonly maxBodyBytes: number;
}

const NO_BODY: PreparedBody = { kind: "none" };

/**
 * The handler of a proxied call with a body, the model named by the path's `:name` (e.g.
 * `POST /api/v1/models/:name/predict`).
 *
 * @example
 * app.post("/api/v1/models/:name/predict", proxyRoute(deps, "predict"));
 */
export function proxyRoute(deps: ProxyDeps, operation: Operation) {
  return (c: Context<AppEnv>): Promise<Response> => proxyCall(c, deps, c.req.param("name") ?? "", operation);
}

/**
 * One proxied call with the caller's body: 404 for an unknown model before the body is read, then the body
 * checked (400, 413) and streamed to the model server, whose answer is passed through.
 *
 * @example
 * return proxyCall(c, deps, "scorer", "explain");
 */
export async function proxyCall(
  c: Context<AppEnv>,
  deps: ProxyDeps,
  name: string,
  operation: Operation,
): Promise<Response> {
  const target = findTarget(deps.targets, name);
  const caller = callerOf(c);
  const body = await prepareBody(caller, deps.maxBodyBytes);
  const requestId = c.get("requestId");
  const headers = forwardHeaders(caller.headers, requestId);
  return toResponse(await exchange(deps.dispatcher, { target, operation, headers, body, caller }), caller, requestId);
}

/**
 * The handler of a proxied read (`GET`, no body), the model named by the path's `:name` (e.g.
 * `GET /v2/models/:name/ready`): 404 for an unknown model, else the model server's answer passed through.
 *
 * @example
 * app.get("/v2/models/:name/ready", readRoute(deps, "v2-ready"));
 */
export function readRoute(deps: ProxyDeps, operation: Operation) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const target = findTarget(deps.targets, c.req.param("name") ?? "");
    const caller = callerOf(c);
    const requestId = c.get("requestId");
    const headers = forwardHeaders(caller.headers, requestId, false);
    const call = { target, operation, headers, body: NO_BODY, caller };
    return toResponse(await exchange(deps.dispatcher, call), caller, requestId);
  };
}
