import type { AppEnv } from "@modelgate/http";
import type { Context, Hono } from "hono";
import { toResponse } from "./answer.ts";
import { callerOf } from "./caller-of.ts";
import type { UpstreamAnswer } from "./exchange.ts";
import { readJsonBody } from "./json-body.ts";
import { callWithJson } from "./json-call.ts";
import { asOpenAIError, OpenAIError } from "./openai-error.ts";
import type { ProxyDeps } from "./proxy-route.ts";
import { guardEvents } from "./sse-guard.ts";
import { familyOf, findTarget, type Operation } from "./target.ts";

/** OpenAI's calls modelgate routes by the body's `model`, and the upstream operation of each. */
const CALLS: readonly (readonly [path: string, operation: Operation])[] = [
  ["/openai/v1/chat/completions", "chat-completions"],
  ["/openai/v1/completions", "completions"],
  ["/openai/v1/embeddings", "embeddings"],
];

/**
 * OpenAI's API for the registry's `openai` entries (docs/API.md, "OpenAI's API"): `GET /openai/v1/models`
 * lists them; chat completions, completions and embeddings go to the entry the body's `model` names, with
 * `model` set to the entry's `modelName`, and come back as the model server answers. A streamed answer
 * (`"stream": true`) is passed on event by event as it arrives. Every error modelgate answers here is in
 * OpenAI's shape, unknown paths under `/openai/` included.
 *
 * @example
 * openaiRoutes(app, deps);
 */
export function openaiRoutes(app: Hono<AppEnv>, deps: ProxyDeps): void {
  const listed = () =>
    [...deps.targets.values()]
      .filter((target) => familyOf(target.protocol) === "openai")
      .map((target) => ({ id: target.name, object: "model", created: 0, owned_by: "modelgate" }));
  app.get("/openai/v1/models", (c) => c.json({ object: "list", data: listed() }));
  for (const [path, operation] of CALLS) app.post(path, (c) => openaiCall(c, deps, operation));
  app.all("/openai/*", (c) => {
    throw new OpenAIError(404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`, { code: null });
  });
}

async function openaiCall(c: Context<AppEnv>, deps: ProxyDeps, operation: Operation): Promise<Response> {
  try {
    const caller = callerOf(c);
    const body = await readJsonBody(caller, deps.maxBodyBytes);
    const { model, stream } = body;
    if (model === undefined) throw new OpenAIError(400, "you must provide a model parameter", { param: "model" });
    if (typeof model !== "string" || model === "") {
      throw new OpenAIError(400, "model must be a non-empty string (a registry name)", { param: "model" });
    }
    const target = findTarget(deps.targets, model, "openai");
    const streamed = stream === true;
    const payload = { ...body, model: target.modelName };
    const answer = await callWithJson(c, deps, target, operation, payload, {
      caller,
      ...(streamed ? { bufferBytes: 0 } : {}),
    });
    return toResponse(streamed ? guarded(answer) : answer, caller, c.get("requestId"));
  } catch (error) {
    throw asOpenAIError(error);
  }
}

/** A streamed answer whose failure midway ends it with an OpenAI error event (see {@link guardEvents}). */
function guarded(answer: UpstreamAnswer): UpstreamAnswer {
  if (answer.body instanceof Uint8Array) return answer;
  const body = guardEvents(answer.body, (error) => {
    const described = asOpenAIError(error);
    const reason = error instanceof Error ? error.message : String(error);
    return (described instanceof OpenAIError ? described : new OpenAIError(502, reason)).toJSON();
  });
  return { ...answer, body };
}
