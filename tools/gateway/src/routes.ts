/** The functions modelgate deploys, each its own Knative Service. */
export const FUNCTIONS = ["models", "predict", "deploy"] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** One public route of the contract and the function that serves it. */
export interface Route {
  readonly method: "GET" | "POST" | "DELETE";
  /** A hono path pattern. */
  readonly path: string;
  readonly fn: FunctionName;
}

/**
 * Every public route and its function: the one routing table (modelgate's own `/api/v1`, KServe's own
 * `/v1/models` and `/v2` paths, and OpenAI's `/openai/v1` API; on `POST /v1/models/:call`, `:call` is `{name}:predict` or `{name}:explain`). The local gateway mounts from it,
 * and the ingress manifests (Istio and Gateway API overlays) are tested against it, so the two cannot drift.
 *
 * @example
 * ROUTES.filter((route) => route.fn === "predict").map((route) => route.path)
 */
export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/api/v1/models", fn: "models" },
  { method: "GET", path: "/api/v1/models/:name", fn: "models" },
  { method: "GET", path: "/api/v1/models/:name/health", fn: "models" },
  { method: "POST", path: "/api/v1/models/:name/predict", fn: "predict" },
  { method: "POST", path: "/api/v1/models/:name/explain", fn: "predict" },
  { method: "POST", path: "/api/v1/models/:name/infer", fn: "predict" },
  { method: "POST", path: "/api/v1/detect", fn: "predict" },
  { method: "POST", path: "/api/v1/deploy", fn: "deploy" },
  { method: "DELETE", path: "/api/v1/undeploy/:namespace/:name", fn: "deploy" },
  { method: "GET", path: "/api/v1/inferenceservices", fn: "deploy" },
  { method: "GET", path: "/api/v1/inferenceservices/:namespace/:name", fn: "deploy" },
  { method: "GET", path: "/v1/models", fn: "predict" },
  { method: "POST", path: "/v1/models/:call", fn: "predict" },
  { method: "GET", path: "/v1/models/:name", fn: "predict" },
  { method: "GET", path: "/v2", fn: "predict" },
  { method: "GET", path: "/v2/health/live", fn: "predict" },
  { method: "GET", path: "/v2/health/ready", fn: "predict" },
  { method: "GET", path: "/v2/models", fn: "predict" },
  { method: "POST", path: "/v2/models/:name/infer", fn: "predict" },
  { method: "GET", path: "/v2/models/:name/ready", fn: "predict" },
  { method: "GET", path: "/v2/models/:name", fn: "predict" },
  { method: "GET", path: "/openai/v1/models", fn: "predict" },
  { method: "POST", path: "/openai/v1/chat/completions", fn: "predict" },
  { method: "POST", path: "/openai/v1/completions", fn: "predict" },
  { method: "POST", path: "/openai/v1/embeddings", fn: "predict" },
];

/** True for KServe's own paths (`/v1/models` and below, `/v2` and below) and OpenAI's (`/openai` and below). */
function isModelServerPath(path: string): boolean {
  return (
    path === "/v1/models" ||
    path.startsWith("/v1/models/") ||
    path === "/v2" ||
    path.startsWith("/v2/") ||
    path === "/openai" ||
    path.startsWith("/openai/")
  );
}

/**
 * The function a request path belongs to, by path alone (as an ingress routes): predict for
 * `/api/v1/models/{name}/predict|explain|infer`, `/api/v1/detect`, KServe's own paths (`/v1/models...`,
 * `/v2...`) and OpenAI's (`/openai/...`), models for other `/api/v1/models...`,
 * deploy for `/api/v1/deploy`, `/api/v1/undeploy...` and `/api/v1/inferenceservices...`; `undefined` otherwise.
 *
 * @example
 * functionForPath("/api/v1/models/scorer/infer") // "predict"
 */
export function functionForPath(path: string): FunctionName | undefined {
  if (/^\/api\/v1\/models\/[^/]+\/(predict|explain|infer)$/.test(path) || path === "/api/v1/detect") return "predict";
  if (isModelServerPath(path)) return "predict";
  if (path === "/api/v1/models" || path.startsWith("/api/v1/models/")) return "models";
  if (
    path === "/api/v1/deploy" ||
    path.startsWith("/api/v1/undeploy/") ||
    path === "/api/v1/inferenceservices" ||
    path.startsWith("/api/v1/inferenceservices/")
  ) {
    return "deploy";
  }
  return undefined;
}

/** Sample values of the path parameters of {@link ROUTES}, used by {@link samplePath}. */
export const SAMPLE_PARAMS: Readonly<Record<string, string>> = {
  name: "anomaly-detector",
  namespace: "ml",
  call: "anomaly-detector:predict",
};

/**
 * A concrete request path for a route of {@link ROUTES}: every `:param` replaced by `params[param]`, else by
 * {@link SAMPLE_PARAMS}, encoded as a path segment (a `:` stays, as in `scorer:predict`). Throws for a
 * parameter with no value. Tests use it to send real paths through the
 * ingress manifests and the local gateway.
 *
 * @example
 * samplePath({ method: "POST", path: "/api/v1/models/:name/infer", fn: "predict" }, { name: "scorer" })
 * // "/api/v1/models/scorer/infer"
 */
export function samplePath(route: Route, params: Readonly<Record<string, string>> = {}): string {
  return route.path.replace(/:(\w+)/g, (_, param: string) => {
    const value = params[param] ?? SAMPLE_PARAMS[param];
    if (value === undefined) throw new Error(`no sample value for :${param} in ${route.path}`);
    return encodeURIComponent(value).replace(/%3A/g, ":");
  });
}
