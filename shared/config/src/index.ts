export { type Catalog, type CatalogModel, type ModelSource, mergeCatalog, type ShadowedModel } from "./catalog.ts";
export { type CheckResult, checkRegistry } from "./check-registry.ts";
export { ConfigError } from "./config-error.ts";
export {
  DISCOVERY_ANNOTATIONS,
  type DiscoveredModel,
  discoveredModel,
  type WatchedInferenceService,
} from "./discovered-model.ts";
export { DNS_1035_LABEL, DNS_1123_LABEL, isDns1123Label, LABEL_VALUE } from "./dns.ts";
export { parseDuration } from "./duration.ts";
export {
  DEPLOYMENT_MODES,
  type DeploySettings,
  entrySchema,
  MODEL_TYPES,
  type ModelType,
  type ModelVersion,
  PROTOCOLS,
  type Protocol,
} from "./entry-schema.ts";
export { AUTH_MODES, DEFAULT_NAMESPACE, type Env, envSchema, LOG_LEVELS } from "./env-schema.ts";
export { diffRegistries, LiveRegistry, type RegistryChange, type RegistryView } from "./live-registry.ts";
export {
  type Config,
  type LoadConfigOptions,
  loadConfig,
  type RegistrySource,
  type ServerTimeouts,
} from "./load-config.ts";
export { baseUrl, DEFAULT_URL_TEMPLATE, type ModelEntry } from "./model-entry.ts";
export { Registry } from "./registry.ts";
export { parseRegistryText, type RegistryDefaults, type RegistryReading, readRegistryFile } from "./registry-file.ts";
export { type RegistryWatch, type WatchRegistryOptions, watchRegistryFile } from "./registry-watcher.ts";
