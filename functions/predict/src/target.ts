import type { ModelEntry, Protocol } from "@modelgate/config";
import { HttpError } from "@modelgate/http";

/**
 * The upstream operations (docs/API.md, Predict: for a KServe entry the route, not the entry's protocol, picks
 * V1 or V2): V1 `:predict`, `:explain` and the model's status, V2 `/infer`, the model's readiness and its
 * metadata; for an OpenAI entry, OpenAI's chat completions, completions and embeddings.
 */
export type Operation =
  | "predict"
  | "explain"
  | "infer"
  | "v1-status"
  | "v2-ready"
  | "v2-metadata"
  | "chat-completions"
  | "completions"
  | "embeddings";

/** The HTTP method of each operation: the reads send no body. */
export const OPERATION_METHODS: Readonly<Record<Operation, "GET" | "POST">> = {
  predict: "POST",
  explain: "POST",
  infer: "POST",
  "v1-status": "GET",
  "v2-ready": "GET",
  "v2-metadata": "GET",
  "chat-completions": "POST",
  completions: "POST",
  embeddings: "POST",
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
  /** The entry's protocol: what `POST /` sends it, and which paths reach it (KServe's or OpenAI's). */
  readonly protocol: Protocol;
  /** The model's name on its server (the registry's `modelName`): an OpenAI body's `model` becomes it. */
  readonly modelName: string;
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
  const openai = `${base}${entry.openaiPrefix ?? ""}/v1`;
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
      "chat-completions": `${openai}/chat/completions`,
      completions: `${openai}/completions`,
      embeddings: `${openai}/embeddings`,
    },
    timeoutMs: entry.timeoutMs ?? defaultTimeoutMs,
    protocol: entry.protocol,
    modelName: entry.modelName,
  };
}

/** The two families of paths: KServe's V1/V2 (modelgate's `/api/v1/...` and KServe's own) and OpenAI's. */
export type PathFamily = "kserve" | "openai";

/** What a target speaks, as a 404 on the other family's paths words it. */
const SPEAKS: Readonly<Record<PathFamily, string>> = {
  kserve:
    "KServe's V1/V2 protocols: call it on /api/v1/models/{name}/..., /v1/models/{name}:predict or /v2/models/{name}/infer",
  openai: "OpenAI's API: call it on /openai/v1/chat/completions, /openai/v1/completions or /openai/v1/embeddings",
};

/** The family of paths an entry of `protocol` is called on. */
export function familyOf(protocol: Protocol): PathFamily {
  return protocol === "openai" ? "openai" : "kserve";
}

/**
 * The target registered as `model`, called on the paths of `family` (default KServe's): 404
 * `model not found: X` when none is, and 404 naming what it speaks when it speaks the other family.
 *
 * @example
 * const target = findTarget(deps.targets, "scorer");
 */
export function findTarget(targets: ReadonlyMap<string, Target>, model: string, family: PathFamily = "kserve"): Target {
  const target = targets.get(model);
  if (target === undefined) throw new HttpError(404, `model not found: ${model}`);
  const speaks = familyOf(target.protocol);
  if (speaks !== family) throw new HttpError(404, `model ${model} speaks ${SPEAKS[speaks]}`);
  return target;
}
