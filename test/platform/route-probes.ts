import { type FunctionName, ROUTES, type Route, samplePath } from "../../tools/gateway/src/routes.ts";
import type { GatewayAnswer, GatewayRequest } from "./gateway-client.ts";

/**
 * One request per route of the shared routing table, and how to tell which function answered it. Each function
 * answers a path it does not serve with 404, so an answer only the named function gives proves the routing:
 * - models: 200 with its own JSON (the list, the model, its health);
 * - predict: `model unavailable: <name>` (the base registry's predictive-analytics model is never deployed here),
 *   or on KServe's server paths its own answers (`GET /v2`'s name `modelgate`, `live`/`ready` true, the
 *   registry's names as a list of strings);
 * - deploy: 401 with `WWW-Authenticate: Bearer` (no token sent; MODELGATE_AUTH=kubernetes in knative/base).
 */

const MODEL = "predictive-analytics";

/** The fields of the functions' answers that tell them apart. */
type PredictAnswer = {
  error?: unknown;
  models?: unknown;
  name?: unknown;
  model?: unknown;
  live?: unknown;
  ready?: unknown;
  object?: unknown;
};

export interface RouteProbe {
  route: Route;
  request: GatewayRequest;
}

function bodyFor(route: Route): string | undefined {
  if (route.method !== "POST") return undefined;
  if (route.path === "/api/v1/detect") return JSON.stringify({ model: MODEL, instances: [[1, 2, 3]] });
  if (route.path.endsWith("/infer")) {
    return JSON.stringify({ inputs: [{ name: "x", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }] });
  }
  if (route.path === "/api/v1/deploy" || route.path.startsWith("/openai/")) return JSON.stringify({ model: MODEL });
  return JSON.stringify({ instances: [[1, 2, 3]] });
}

/** A request for every route of ROUTES, with real path parameters. */
export const ROUTE_PROBES: readonly RouteProbe[] = ROUTES.map((route) => ({
  route,
  request: {
    method: route.method,
    path: samplePath(route, { name: MODEL, namespace: "self-healing-platform", call: `${MODEL}:predict` }),
    body: bodyFor(route),
  },
}));

/**
 * An answer of predict's own on KServe's server paths (`/v2`, `/v2/health/*`, `/v1/models`, `/v2/models`) and
 * OpenAI's (its model list, and its 404 for a model that speaks KServe's protocols, in OpenAI's shape).
 */
function isPredictsOwn(body: PredictAnswer | undefined) {
  const names = body?.models;
  const error = body?.error;
  const message = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
  return (
    body?.name === "modelgate" ||
    body?.live === true ||
    body?.ready === true ||
    body?.object === "list" ||
    (typeof message === "string" && message.startsWith(`model ${MODEL} speaks KServe's`)) ||
    (Array.isArray(names) && names.includes(MODEL) && names.every((name) => typeof name === "string"))
  );
}

/** Why `answer` is not one that `fn` gives, or undefined when it is. */
export function notAnsweredBy(fn: FunctionName, answer: GatewayAnswer): string | undefined {
  const body = answer.json as PredictAnswer | undefined;
  const described = `${answer.status} ${answer.text.slice(0, 300)}`;
  switch (fn) {
    case "models":
      return answer.status === 200 && (Array.isArray(body?.models) || body?.name === MODEL || body?.model === MODEL)
        ? undefined
        : `expected the models function's 200 JSON, got ${described}`;
    case "predict":
      return (typeof body?.error === "string" && body.error.startsWith(`model unavailable: ${MODEL}`)) ||
        isPredictsOwn(body)
        ? undefined
        : `expected predict's "model unavailable: ${MODEL}", got ${described}`;
    case "deploy":
      return answer.status === 401 && String(answer.headers["www-authenticate"] ?? "").startsWith("Bearer")
        ? undefined
        : `expected deploy's 401 with WWW-Authenticate: Bearer, got ${described}`;
  }
}
