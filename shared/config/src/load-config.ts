import { ConfigError } from "./config-error.ts";
import type { RegistryEntryInput } from "./entry-schema.ts";
import {
  type AUTH_MODES,
  DEFAULT_NAMESPACE,
  DEFAULT_URL_TEMPLATE,
  type Env,
  envSchema,
  type LOG_LEVELS,
  SERVER_TIMEOUT_DEFAULTS,
} from "./env-schema.ts";
import { formatIssues } from "./format-issues.ts";
import { toModelEntry } from "./model-entry.ts";
import { Registry } from "./registry.ts";
import { readRegistryFile } from "./registry-file.ts";

/** Where the registry came from. */
export type RegistrySource = "KSERVE_MODEL_REGISTRY" | "KSERVE_MODEL_REGISTRY_FILE" | "legacy" | "example" | "none";

/** Everything modelgate's functions are configured by, validated and defaulted (docs/CONFIGURATION.md). */
export interface Config {
  /** The registry at start (a registry file's later versions: `watchRegistryFile`). */
  readonly registry: Registry;
  readonly registrySource: RegistrySource;
  /** `KSERVE_MODEL_REGISTRY_FILE`: the registry file, watched for changes; `undefined` when not used. */
  readonly registryFile: string | undefined;
  readonly defaultNamespace: string;
  readonly urlTemplate: string;
  /** `KSERVE_TIMEOUT` in milliseconds. */
  readonly timeoutMs: number;
  readonly kserveEnabled: boolean;
  /** `*` (any namespace) or the namespaces deploy may touch, sorted. */
  readonly allowedNamespaces: "*" | readonly string[];
  readonly kubernetes: {
    /** `undefined` = auto (in-cluster when the service-account token exists, else kubeconfig). */
    readonly inCluster: boolean | undefined;
    readonly kubeconfig: string | undefined;
    /** `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`: the API server's address, as a pod gets it. */
    readonly serviceHost?: string | undefined;
    readonly servicePort?: number | undefined;
    /** `KUBERNETES_SERVICE_ACCOUNT_DIR`: where the pod's token and CA are; default the standard mount. */
    readonly serviceAccountDir?: string | undefined;
  };
  readonly maxBodyBytes: number;
  readonly port: number;
  /** `MODELGATE_HOST`: the address to listen on; `undefined` = each program's own default. */
  readonly host: string | undefined;
  /** The servers' timeouts in milliseconds (`SERVER_*_TIMEOUT`). */
  readonly server: ServerTimeouts;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly auth: (typeof AUTH_MODES)[number];
  readonly eventsAudience: string;
  /** Things worth a warning at start-up (e.g. an empty registry). */
  readonly warnings: readonly string[];
}

/** How long a server waits for headers, for a whole request, and on an idle keep-alive connection. */
export interface ServerTimeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly keepAliveMs: number;
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Registry entries to use when neither `KSERVE_MODEL_REGISTRY` nor the legacy variables are set
   * (the local gateway's embedded example). Validated like the env var.
   */
  fallbackRegistry?: readonly unknown[];
  /** Overrides `KSERVE_URL_TEMPLATE` for the fallback registry only. */
  fallbackUrlTemplate?: string;
  /** Reads `KSERVE_MODEL_REGISTRY_FILE` (default: the file system, UTF-8). */
  readFile?: (path: string) => string;
}

function legacyEntries(env: {
  KSERVE_ANOMALY_DETECTOR_SERVICE?: string | undefined;
  KSERVE_PREDICTIVE_ANALYTICS_SERVICE?: string | undefined;
}): RegistryEntryInput[] {
  const entries: RegistryEntryInput[] = [];
  if (env.KSERVE_ANOMALY_DETECTOR_SERVICE !== undefined) {
    entries.push({ name: "anomaly-detector", service: env.KSERVE_ANOMALY_DETECTOR_SERVICE, type: "anomaly" });
  }
  if (env.KSERVE_PREDICTIVE_ANALYTICS_SERVICE !== undefined) {
    entries.push({
      name: "predictive-analytics",
      service: env.KSERVE_PREDICTIVE_ANALYTICS_SERVICE,
      type: "predictive",
    });
  }
  return entries;
}

/**
 * Parses and validates the whole configuration from `env` (default `process.env`) in one pass.
 * Throws a {@link ConfigError} naming every problem (variable, registry entry index and field).
 *
 * @example
 * const config = loadConfig({ KSERVE_MODEL_REGISTRY: '[{"name":"a","service":"a-predictor","type":"anomaly"}]' });
 * config.registry.get("a")?.url // "http://a-predictor.self-healing-platform.svc.cluster.local"
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const fallbackJson = options.fallbackRegistry ? JSON.stringify(options.fallbackRegistry) : undefined;
  const parsed = envSchema.safeParse(env);
  const issues = parsed.success ? [] : formatIssues(parsed.error.issues);
  let fallback: RegistryEntryInput[] | undefined;
  if (parsed.success && fallbackJson !== undefined) {
    const result = envSchema.shape.KSERVE_MODEL_REGISTRY.safeParse(fallbackJson);
    if (!result.success) issues.push(...formatIssues(result.error.issues).map((line) => `example registry${line}`));
    else fallback = result.data;
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;

  const warnings: string[] = [];
  const defaultNamespace = e.KSERVE_NAMESPACE ?? e.KUBERNETES_DEFAULT_NAMESPACE ?? DEFAULT_NAMESPACE;
  let urlTemplate = e.KSERVE_URL_TEMPLATE ?? DEFAULT_URL_TEMPLATE;
  let registrySource: RegistrySource = "none";
  let inputs: RegistryEntryInput[] = [];
  if (e.KSERVE_MODEL_REGISTRY !== undefined) {
    registrySource = "KSERVE_MODEL_REGISTRY";
    inputs = e.KSERVE_MODEL_REGISTRY;
    if (e.KSERVE_ANOMALY_DETECTOR_SERVICE !== undefined || e.KSERVE_PREDICTIVE_ANALYTICS_SERVICE !== undefined) {
      warnings.push("KSERVE_MODEL_REGISTRY is set: the legacy KSERVE_*_SERVICE variables are ignored");
    }
  } else if (e.KSERVE_MODEL_REGISTRY_FILE === undefined) {
    inputs = legacyEntries(e);
    if (inputs.length > 0) registrySource = "legacy";
    else if (fallback !== undefined) {
      inputs = fallback;
      registrySource = "example";
      urlTemplate = options.fallbackUrlTemplate ?? urlTemplate;
    } else warnings.push("no model registry configured (KSERVE_MODEL_REGISTRY is unset): the registry is empty");
  }
  let registry = new Registry(inputs.map((input) => toModelEntry(input, defaultNamespace, urlTemplate)));
  if (e.KSERVE_MODEL_REGISTRY_FILE !== undefined) {
    const reading = readRegistryFile(e.KSERVE_MODEL_REGISTRY_FILE, { defaultNamespace, urlTemplate }, options.readFile);
    if (!reading.ok) throw new ConfigError(reading.issues);
    registry = reading.registry;
    registrySource = "KSERVE_MODEL_REGISTRY_FILE";
  }
  const allowedNamespaces =
    e.KSERVE_ALLOWED_NAMESPACES ?? [...new Set([defaultNamespace, ...registry.namespaces()])].sort();
  const auth = e.MODELGATE_AUTH ?? "kubernetes";

  return {
    registry,
    registrySource,
    registryFile: e.KSERVE_MODEL_REGISTRY_FILE,
    defaultNamespace,
    urlTemplate,
    timeoutMs: e.KSERVE_TIMEOUT ?? 30_000,
    kserveEnabled: e.KSERVE_ENABLED ?? true,
    allowedNamespaces: allowedNamespaces === "*" ? "*" : [...allowedNamespaces].sort(),
    kubernetes: {
      inCluster: e.KUBERNETES_IN_CLUSTER,
      kubeconfig: e.KUBERNETES_KUBECONFIG ?? e.KUBECONFIG,
      serviceHost: e.KUBERNETES_SERVICE_HOST,
      servicePort: e.KUBERNETES_SERVICE_PORT,
      serviceAccountDir: e.KUBERNETES_SERVICE_ACCOUNT_DIR,
    },
    maxBodyBytes: e.MAX_BODY_BYTES ?? 10 * 1024 * 1024,
    port: e.PORT ?? 8080,
    host: e.MODELGATE_HOST,
    server: {
      headersMs: e.SERVER_HEADERS_TIMEOUT ?? SERVER_TIMEOUT_DEFAULTS.headersMs,
      requestMs: e.SERVER_REQUEST_TIMEOUT ?? SERVER_TIMEOUT_DEFAULTS.requestMs,
      keepAliveMs: e.SERVER_KEEP_ALIVE_TIMEOUT ?? SERVER_TIMEOUT_DEFAULTS.keepAliveMs,
    },
    logLevel: e.LOG_LEVEL ?? "info",
    auth,
    eventsAudience: e.MODELGATE_EVENTS_AUDIENCE ?? "modelgate-deploy",
    warnings,
  };
}
