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
 * Every public `/api/v1` route and its function: the one routing table. The local gateway mounts from it,
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
];

/**
 * The function a request path belongs to, by path alone (as an ingress routes): predict for
 * `/api/v1/models/{name}/predict|explain|infer` and `/api/v1/detect`, models for other `/api/v1/models...`,
 * deploy for `/api/v1/deploy`, `/api/v1/undeploy...` and `/api/v1/inferenceservices...`; `undefined` otherwise.
 *
 * @example
 * functionForPath("/api/v1/models/scorer/infer") // "predict"
 */
export function functionForPath(path: string): FunctionName | undefined {
  if (/^\/api\/v1\/models\/[^/]+\/(predict|explain|infer)$/.test(path) || path === "/api/v1/detect") return "predict";
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
