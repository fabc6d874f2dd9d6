import { ConfigError } from "./config-error.ts";
import type { Env } from "./env-schema.ts";
import { loadConfig } from "./load-config.ts";

/** The variables that shape the registry (and nothing else), so a check is not failed by unrelated ones. */
const REGISTRY_VARS = [
  "KSERVE_MODEL_REGISTRY",
  "KSERVE_NAMESPACE",
  "KUBERNETES_DEFAULT_NAMESPACE",
  "KSERVE_URL_TEMPLATE",
  "KSERVE_ANOMALY_DETECTOR_SERVICE",
  "KSERVE_PREDICTIVE_ANALYTICS_SERVICE",
] as const;

/** The outcome of {@link checkRegistry}: the lines to print and the exit code. */
export interface CheckResult {
  ok: boolean;
  lines: string[];
}

/**
 * Validates a registry exactly as the functions do at start-up, without starting anything:
 * `registryText` (a file's content) when given, else `KSERVE_MODEL_REGISTRY` from `env`.
 *
 * @example
 * checkRegistry('[{"name":"a","service":"a-predictor","type":"anomaly"}]', {})
 * // { ok: true, lines: ["ok: 1 model", "a\tanomaly\thttp://a-predictor.self-healing-platform.svc.cluster.local"] }
 */
export function checkRegistry(registryText: string | undefined, env: Env): CheckResult {
  const picked: Record<string, string | undefined> = {};
  for (const name of REGISTRY_VARS) picked[name] = env[name];
  if (registryText !== undefined) picked.KSERVE_MODEL_REGISTRY = registryText;
  if (picked.KSERVE_MODEL_REGISTRY === undefined || picked.KSERVE_MODEL_REGISTRY === "") {
    if (
      picked.KSERVE_ANOMALY_DETECTOR_SERVICE === undefined &&
      picked.KSERVE_PREDICTIVE_ANALYTICS_SERVICE === undefined
    ) {
      return { ok: false, lines: ["nothing to check: give a registry file, or set KSERVE_MODEL_REGISTRY"] };
    }
  }
  try {
    const { registry } = loadConfig(picked);
    return {
      ok: true,
      lines: [
        `ok: ${registry.size} model${registry.size === 1 ? "" : "s"}`,
        ...registry.entries.map((entry) => `${entry.name}\t${entry.type}\t${entry.url}`),
      ],
    };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, lines: [...error.issues] };
    throw error;
  }
}
