import { type AppEnv, HttpError, readJsonObject } from "@modelgate/http";
import type { Context } from "hono";
import { toResponse } from "./answer.ts";
import { callWithJson } from "./json-call.ts";
import type { ProxyDeps } from "./proxy-route.ts";
import { findTarget } from "./target.ts";

const WHAT_TO_SEND =
  'send {"model": "<registry name>", "instances": [...]} (V1 protocol) or {"model": "<registry name>", "inputs": [...]} (V2 protocol)';

/**
 * `POST /` (what `kn func invoke` sends): `{"model", "instances" | "inputs", ...}` → the model, by the entry's
 * protocol (V1 `:predict` with `instances`, V2 `/infer` with `inputs`), the body minus `model` forwarded and the
 * answer passed through. Anything else (e.g. `{"message": "Hello World"}`) → 400 saying what to send.
 *
 * @example
 * app.post("/", invokeRoute(deps));
 */
export function invokeRoute(deps: ProxyDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const { model, ...payload } = await readJsonObject(c, deps.maxBodyBytes).catch((error: unknown) => {
      // Not a JSON object: say what to send, not only what was wrong (413 stays as it is).
      if (error instanceof HttpError && error.status === 400) {
        throw new HttpError(400, `${error.message}: ${WHAT_TO_SEND}`, { cause: error });
      }
      throw error;
    });
    const hasInstances = "instances" in payload;
    const hasInputs = "inputs" in payload;
    if (model === undefined) {
      const has = hasInstances ? '"instances"' : hasInputs ? '"inputs"' : undefined;
      throw new HttpError(
        400,
        has ? `missing "model" next to ${has}: ${WHAT_TO_SEND}` : `this is the predict function: ${WHAT_TO_SEND}`,
      );
    }
    if (typeof model !== "string" || model === "")
      throw new HttpError(400, `"model" must be a non-empty string: ${WHAT_TO_SEND}`);
    if (!hasInstances && !hasInputs) {
      throw new HttpError(400, `missing "instances" (V1 protocol) or "inputs" (V2 protocol): ${WHAT_TO_SEND}`);
    }
    const target = findTarget(deps.targets, model);
    if (target.protocol === "v2" && !hasInputs) {
      throw new HttpError(
        400,
        `model ${model} uses the V2 protocol: send "inputs" (a V2 inference request), not "instances"`,
      );
    }
    if (target.protocol === "v1" && !hasInstances) {
      throw new HttpError(400, `model ${model} uses the V1 protocol: send "instances", not "inputs"`);
    }
    const operation = target.protocol === "v2" ? "infer" : "predict";
    return toResponse(await callWithJson(c, deps, target, operation, payload));
  };
}
