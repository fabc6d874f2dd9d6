import { loadConfig } from "@modelgate/config";
import { createLogger } from "@modelgate/http";
import { createApp, type ModelsDeps } from "../src/index.ts";

export const logger = createLogger({ name: "models-test", level: "silent" });

/** A models app over a registry of `entries` (and extra env). */
export function modelsApp(entries: unknown[], env: Record<string, string> = {}, extra: Partial<ModelsDeps> = {}) {
  const config = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(entries), ...env });
  return createApp({ config, logger, ...extra });
}
