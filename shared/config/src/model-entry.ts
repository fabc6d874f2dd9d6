import {
  DEFAULT_OPENAI_PREFIX,
  type DeploySettings,
  type ModelType,
  type ModelVersion,
  type Protocol,
  type RegistryEntryInput,
} from "./entry-schema.ts";

/** A registry entry with every default applied and its base URL resolved. */
export interface ModelEntry {
  readonly name: string;
  readonly service: string | null;
  readonly namespace: string;
  readonly type: ModelType;
  readonly description: string | null;
  /** The model's name inside KServe paths (`/v1/models/{modelName}:predict`). */
  readonly modelName: string;
  readonly protocol: Protocol;
  /** Where an `openai` entry's server serves OpenAI's API (`{url}{openaiPrefix}/v1/...`); null for the others. */
  readonly openaiPrefix: string | null;
  readonly port: number | null;
  /** Base URL of the model server, without a trailing slash. */
  readonly url: string;
  /** Upstream timeout of this entry, when it sets one (else the global `KSERVE_TIMEOUT`). */
  readonly timeoutMs: number | null;
  readonly versions: readonly ModelVersion[];
  readonly deploy: DeploySettings;
}

/** The default URL template: the predictor Service's cluster-local address. */
export const DEFAULT_URL_TEMPLATE = "http://{service}.{namespace}.svc.cluster.local{port}";

/** The placeholders a `KSERVE_URL_TEMPLATE` may use. */
export const URL_TEMPLATE_PLACEHOLDERS = ["service", "namespace", "port", "name", "modelName"] as const;

/**
 * Resolves an entry's base URL: its `url` when set, else the template with `{service}`, `{namespace}`,
 * `{name}`, `{modelName}` and `{port}` (`:port` when the entry has one, else nothing) filled in.
 *
 * @example
 * baseUrl({ service: "scorer-predictor", namespace: "ml", port: 8080 }, DEFAULT_URL_TEMPLATE)
 * // "http://scorer-predictor.ml.svc.cluster.local:8080"
 */
export function baseUrl(
  entry: {
    service: string | null;
    namespace: string;
    port: number | null;
    url?: string | null;
    name?: string;
    modelName?: string;
  },
  template: string,
): string {
  const raw =
    entry.url ??
    template.replace(/\{(\w+)\}/g, (_, key: string) => {
      switch (key) {
        case "port":
          return entry.port === null ? "" : `:${entry.port}`;
        case "service":
          return entry.service ?? "";
        case "namespace":
          return entry.namespace;
        case "name":
          return entry.name ?? "";
        case "modelName":
          return entry.modelName ?? entry.name ?? "";
        default:
          return `{${key}}`;
      }
    });
  return raw.replace(/\/+$/, "");
}

/** Applies defaults to a validated entry and resolves its URL. */
export function toModelEntry(input: RegistryEntryInput, defaultNamespace: string, urlTemplate: string): ModelEntry {
  const namespace = input.namespace === undefined || input.namespace === "" ? defaultNamespace : input.namespace;
  const service = input.service ?? null;
  const port = input.port ?? null;
  const modelName = input.modelName ?? input.name;
  return {
    name: input.name,
    service,
    namespace,
    type: input.type,
    description: input.description ?? null,
    modelName,
    protocol: input.protocol ?? "v1",
    openaiPrefix: input.protocol === "openai" ? (input.openaiPrefix ?? DEFAULT_OPENAI_PREFIX) : null,
    port,
    url: baseUrl({ service, namespace, port, url: input.url ?? null, name: input.name, modelName }, urlTemplate),
    timeoutMs: input.timeoutMs ?? null,
    versions: input.versions ?? [],
    deploy: input.deploy ?? {},
  };
}
