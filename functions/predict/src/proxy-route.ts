import { type AppEnv, HttpError } from "@modelgate/http";
import type { Context } from "hono";
import { toResponse } from "./answer.ts";
import { callerOf } from "./caller-of.ts";
import { exchange } from "./exchange.ts";
import { forwardHeaders } from "./forward-headers.ts";
import { prepareBody } from "./request-body.ts";
import type { Operation, Target } from "./target.ts";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";

/** What the proxy routes need. */
export interface ProxyDeps {
  readonly targets: ReadonlyMap<string, Target>;
  readonly dispatcher: UpstreamDispatcher;
  readonly maxBodyBytes: number;
}

/**
 * The handler of `POST /api/v1/models/:name/{operation}`: 404 for an unknown model before the body is read,
 * then the body checked (400, 413) and streamed to the model server, whose answer is passed through.
 *
 * @example
 * app.post("/api/v1/models/:name/predict", proxyRoute(deps, "predict"));
 */
export function proxyRoute(deps: ProxyDeps, operation: Operation) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const name = c.req.param("name") ?? "";
    const target = deps.targets.get(name);
    if (target === undefined) throw new HttpError(404, `model not found: ${name}`);
    const caller = callerOf(c);
    const body = await prepareBody(caller, deps.maxBodyBytes);
    const requestId = c.get("requestId");
    const headers = forwardHeaders(caller.headers, requestId);
    return toResponse(await exchange(deps.dispatcher, { target, operation, headers, body, caller }), caller, requestId);
  };
}
