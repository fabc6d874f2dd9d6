import type { ModelEntry, Protocol } from "@modelgate/config";
import { HttpError } from "@modelgate/http";

/**
 * The upstream operations (docs/API.md, Predict: the route, not the entry's protocol, picks one): V1
 * `:predict`, `:explain` and the model's status, V2 `/infer`, the model's readiness and its metadata.
 */
export type Operation = "predict" | "explain" | "infer" | "v1-status" | "v2-ready" | "v2-metadata";

/** The HTTP method of each operation: the reads send no body. */
export const OPERATION_METHODS: Readonly<Record<Operation, "GET" | "POST">> = {
  predict: "POST",
  explain: "POST",
  infer: "POST",
  "v1-status": "GET",
  "v2-ready": "GET",
  "v2-metadata": "GET",
};

/** Where a model's requests go: the undici origin and the path prefix of its base URL. */
export interface Target {
  /** The registry name (used in messages). */
  readonly name: string;
  /** `http(s)://host[:port]` of the model server. */
  readonly origin: string;
  /** Upstream path of each operation, e.g. `/v1/models/scorer:predict`. */
  readonly paths: Readonly<Record<Operation, string>>;
  /** The entry's timeout, else the global one (milliseconds). */
  readonly timeoutMs: number;
  /** The entry's protocol: what `POST /` sends it. */
  readonly protocol: Protocol;
}

/**
 * Resolves an entry into its upstream origin and paths (a base URL with a path prefix keeps it).
 *
 * @example
 * toTarget(entry, 30_000).paths.predict // "/v1/models/scorer:predict"
 */
export function toTarget(entry: ModelEntry, defaultTimeoutMs: number): Target {
  const url = new URL(entry.url);
  const base = url.pathname.replace(/\/+$/, "");
  const model = encodeURIComponent(entry.modelName);
  return {
    name: entry.name,
    origin: url.origin,
    paths: {
      predict: `${base}/v1/models/${model}:predict`,
      explain: `${base}/v1/models/${model}:explain`,
      infer: `${base}/v2/models/${model}/infer`,
      "v1-status": `${base}/v1/models/${model}`,
      "v2-ready": `${base}/v2/models/${model}/ready`,
      "v2-metadata": `${base}/v2/models/${model}`,
    },
    timeoutMs: entry.timeoutMs ?? defaultTimeoutMs,
    protocol: entry.protocol,
  };
}

/**
 * The target registered as `model`: 404 `model not found: X` when none is.
 *
 * @example
 * const target = findTarget(deps.targets, "scorer");
 */
export function findTarget(targets: ReadonlyMap<string, Target>, model: string): Target {
  const target = targets.get(model);
  if (target === undefined) throw new HttpError(404, `model not found: ${model}`);
  return target;
}
