import { type AppEnv, HttpError } from "@modelgate/http";
import type { Context } from "hono";
import { toResponse } from "./answer.ts";
import type { Caller } from "./caller.ts";
import { callerOf } from "./caller-of.ts";
import { readJsonBody } from "./json-body.ts";
import { callWithJson } from "./json-call.ts";
import type { ProxyDeps } from "./proxy-route.ts";
import { findTarget } from "./target.ts";
import { UpstreamError } from "./upstream-error.ts";

const SNIPPET_CHARS = 2_000;

/**
 * `POST /api/v1/detect` in the KubeHeal coordination engine's shapes: `{"model", "instances"}` → V1 predict →
 * 200 `{"predictions", "model_name", "model_version"?}`; errors `{"error", "success": false}`: 400 (bad body),
 * 404 (unknown model), 503 (unreachable or too slow), 500 (the model answered non-2xx or without predictions).
 *
 * @example
 * app.post("/api/v1/detect", detectRoute(deps));
 */
export function detectRoute(deps: ProxyDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const caller = callerOf(c);
    try {
      const answer = Buffer.from(JSON.stringify(await detect(c, caller, deps)));
      return toResponse(
        { status: 200, headers: { "content-type": "application/json" }, body: answer },
        caller,
        c.get("requestId"),
      );
    } catch (error) {
      throw asKubeHealError(error);
    }
  };
}

async function detect(c: Context<AppEnv>, caller: Caller, deps: ProxyDeps): Promise<Record<string, unknown>> {
  const { model, instances } = await readJsonBody(caller, deps.maxBodyBytes);
  if (typeof model !== "string" || model === "") {
    throw new HttpError(
      400,
      model === undefined ? 'missing "model" (a registry name)' : '"model" must be a non-empty string',
    );
  }
  if (!Array.isArray(instances) || instances.length === 0) {
    throw new HttpError(400, instances === undefined ? 'missing "instances"' : '"instances" must be a non-empty array');
  }
  const target = findTarget(deps.targets, model);
  const answer = await callWithJson(c, deps, target, "predict", { instances }, { caller, bufferBytes: Infinity });
  const text =
    answer.body instanceof Uint8Array
      ? Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength).toString("utf8")
      : await new Response(answer.body).text();
  if (answer.status < 200 || answer.status > 299) {
    throw new HttpError(500, `Prediction failed: model ${model} returned status ${answer.status}: ${snippet(text)}`);
  }
  const parsed = parseJson(text);
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !("predictions" in parsed) ||
    !Array.isArray(parsed.predictions)
  ) {
    throw new HttpError(500, `Prediction failed: model ${model} returned no predictions: ${snippet(text)}`);
  }
  const version = "model_version" in parsed ? parsed.model_version : undefined;
  return {
    predictions: parsed.predictions,
    model_name: model,
    ...(typeof version === "string" ? { model_version: version } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
}

/** Any failure as KubeHeal words it: `success: false`, and 503 for an unreachable or slow model. */
function asKubeHealError(error: unknown): HttpError {
  if (error instanceof UpstreamError) {
    return new HttpError(503, `model unavailable: ${error.model}: ${error.reason}`, {
      cause: error,
      extra: { success: false },
    });
  }
  if (error instanceof HttpError) {
    return new HttpError(error.status, error.message, {
      cause: error.cause,
      headers: { ...error.headers },
      extra: { ...error.extra, success: false },
    });
  }
  return new HttpError(500, "internal error", { cause: error, extra: { success: false } });
}
