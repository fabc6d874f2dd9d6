import { MODEL_TYPES, type ModelType, type Protocol } from "./entry-schema.ts";
import { baseUrl, DEFAULT_URL_TEMPLATE, type ModelEntry } from "./model-entry.ts";

/** The fields of an InferenceService (serving.kserve.io/v1beta1) that discovery reads; anything else is ignored. */
export interface WatchedInferenceService {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: { readonly predictor?: Readonly<Record<string, unknown>> };
  readonly status?: {
    readonly url?: string;
    readonly address?: { readonly url?: string };
    readonly components?: Readonly<
      Record<string, { readonly url?: string; readonly address?: { readonly url?: string } }>
    >;
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
}

/** The annotations a model's owner sets on its InferenceService for modelgate (docs/CONFIGURATION.md, "Discovery"). */
export const DISCOVERY_ANNOTATIONS = {
  type: "modelgate.dev/type",
  description: "modelgate.dev/description",
  protocol: "modelgate.dev/protocol",
} as const;

/** A model found in the cluster: its entry (as a registry entry would say it), and whether it is ready, and why not. */
export interface DiscoveredModel {
  readonly entry: ModelEntry;
  readonly ready: boolean;
  /** Why it is not ready (the failing condition's reason and message, or what is missing); null when ready. */
  readonly reason: string | null;
}

const PROTOCOLS_OF_SPEC: Readonly<Record<string, Protocol>> = { v1: "v1", v2: "v2", "grpc-v2": "v2" };

/** The predictor's `protocolVersion`: on `model`, else on the framework block it uses (`sklearn`, `triton`, ...). */
function specProtocol(predictor: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (predictor === undefined) return undefined;
  const blocks = [predictor.model, ...Object.values(predictor)];
  for (const block of blocks) {
    const version = (block as { protocolVersion?: unknown } | null | undefined)?.protocolVersion;
    if (typeof version === "string") return version;
  }
  return typeof predictor.protocolVersion === "string" ? predictor.protocolVersion : undefined;
}

/** Why the InferenceService is not ready: its Ready condition's words, else the first condition that is not True. */
function notReadyReason(status: WatchedInferenceService["status"]): string | null {
  const conditions = status?.conditions ?? [];
  if (conditions.length === 0) return "no status yet (the KServe controller has not reported on it)";
  const ready = conditions.find((condition) => condition.type === "Ready");
  if (ready?.status === "True") return null;
  const failing = ready?.reason || ready?.message ? ready : conditions.find((c) => c.status !== "True");
  const words = [failing?.reason, failing?.message].filter((w) => w !== undefined && w !== "").join(": ");
  return `${failing?.type ?? "Ready"} is not True${words === "" ? "" : ` (${words})`}`;
}

/**
 * The model an InferenceService makes (docs/CONFIGURATION.md, "Discovery"), or undefined when it has no name or
 * namespace (never a model). Pure: the object in, the model out.
 * - URL: the cluster-local address (`status.address.url`), else `status.url`, else the predictor's; with none
 *   yet, the predictor Service KServe makes (`{name}-predictor.{namespace}`), and not ready.
 * - Protocol: the predictor's `protocolVersion` (`grpc-v2` is called over REST V2), or `modelgate.dev/protocol`
 *   (e.g. `openai`); an unknown one makes the model not ready.
 * - Type and description: the annotations `modelgate.dev/type` (default `predictive`) and `modelgate.dev/description`.
 *
 * @example
 * discoveredModel(isvc) // { entry: { name: "iris", source ... }, ready: true, reason: null }
 */
export function discoveredModel(isvc: WatchedInferenceService): DiscoveredModel | undefined {
  const name = isvc.metadata?.name;
  const namespace = isvc.metadata?.namespace;
  if (typeof name !== "string" || name === "" || typeof namespace !== "string" || namespace === "") return undefined;
  const annotations = isvc.metadata?.annotations ?? {};
  const problems: string[] = [];

  const typeAnnotation = annotations[DISCOVERY_ANNOTATIONS.type];
  let type: ModelType = "predictive";
  if (typeAnnotation !== undefined) {
    if ((MODEL_TYPES as readonly string[]).includes(typeAnnotation)) type = typeAnnotation as ModelType;
    else
      problems.push(
        `annotation ${DISCOVERY_ANNOTATIONS.type} "${typeAnnotation}" is not one of ${MODEL_TYPES.join(", ")}`,
      );
  }

  const declared = annotations[DISCOVERY_ANNOTATIONS.protocol] ?? specProtocol(isvc.spec?.predictor) ?? "v1";
  const protocol: Protocol | undefined = declared === "openai" ? "openai" : PROTOCOLS_OF_SPEC[declared];
  if (protocol === undefined)
    problems.push(`unknown protocol "${declared}" (modelgate calls v1, v2, grpc-v2 over REST V2, openai)`);

  const status = isvc.status;
  const predictor = status?.components?.predictor;
  const url = status?.address?.url ?? status?.url ?? predictor?.address?.url ?? predictor?.url;
  if (url === undefined) problems.push("no URL in its status yet");
  const reason = notReadyReason(status);
  if (reason !== null) problems.unshift(reason);

  const entry: ModelEntry = {
    name,
    service: `${name}-predictor`,
    namespace,
    type,
    description: annotations[DISCOVERY_ANNOTATIONS.description] ?? null,
    modelName: name,
    protocol: protocol ?? "v1",
    openaiPrefix: protocol === "openai" ? "/openai" : null,
    port: null,
    url: (
      url ??
      baseUrl(
        { service: `${name}-predictor`, namespace, port: null, url: null, name, modelName: name },
        DEFAULT_URL_TEMPLATE,
      )
    ).replace(/\/+$/, ""),
    timeoutMs: null,
    versions: [],
    deploy: {},
  };
  return { entry, ready: problems.length === 0, reason: problems.length === 0 ? null : problems.join("; ") };
}
