import { type AppEnv, HttpError } from "@modelgate/http";
import type { Context, Hono } from "hono";
import { type ProxyDeps, proxyCall, proxyRoute, readRoute } from "./proxy-route.ts";
import { familyOf } from "./target.ts";

/** What `GET /v2` says of this server (the Open Inference Protocol's server metadata). */
export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

const V1_VERBS = { predict: "predict", explain: "explain" } as const;

/**
 * KServe's own REST paths (docs/API.md, "KServe's paths"), as a KServe model server serves them, for every
 * registered KServe model (every entry but the `openai` ones) by its registry name (sent upstream as the entry's
 * `modelName`): unmodified KServe clients
 * point at modelgate as they would at one InferenceService. Answers pass through as the model server sends
 * them; modelgate's own errors are KServe's `{"error": "..."}`.
 *
 * @example
 * kserveRoutes(app, deps, { name: "modelgate", version: "0.1.0", extensions: ["binary_tensor_data"] });
 */
export function kserveRoutes(app: Hono<AppEnv>, deps: ProxyDeps, server: ServerMetadata): void {
  const names = () => [...deps.targets.values()].filter((t) => familyOf(t.protocol) === "kserve").map((t) => t.name);
  app.get("/v1/models", (c) => c.json({ models: names() }));
  app.post("/v1/models/:call", (c) => v1Call(c, deps));
  app.get("/v1/models/:name", readRoute(deps, "v1-status"));
  app.get("/v2", (c) => c.json(server));
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => c.json({ ready: true }));
  app.get("/v2/models", (c) => c.json({ models: names() }));
  app.post("/v2/models/:name/infer", proxyRoute(deps, "infer"));
  app.get("/v2/models/:name/ready", readRoute(deps, "v2-ready"));
  app.get("/v2/models/:name", readRoute(deps, "v2-metadata"));
}

/** `POST /v1/models/{name}:predict` and `:explain`: the verb is in the last path segment, after the name. */
function v1Call(c: Context<AppEnv>, deps: ProxyDeps): Promise<Response> {
  const call = c.req.param("call") ?? "";
  const colon = call.lastIndexOf(":");
  const verb = colon > 0 ? V1_VERBS[call.slice(colon + 1) as keyof typeof V1_VERBS] : undefined;
  if (verb === undefined) {
    const path = new URL(c.req.url).pathname;
    throw new HttpError(404, `no route for POST ${path}: use /v1/models/{name}:predict or /v1/models/{name}:explain`);
  }
  return proxyCall(c, deps, call.slice(0, colon), verb);
}
