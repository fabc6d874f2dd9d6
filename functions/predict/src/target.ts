import type { ModelEntry, Protocol } from "@modelgate/config";

/** The three upstream operations (docs/API.md, Predict: the route, not the entry's protocol, picks one). */
export type Operation = "predict" | "explain" | "infer";

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
    },
    timeoutMs: entry.timeoutMs ?? defaultTimeoutMs,
    protocol: entry.protocol,
  };
}
