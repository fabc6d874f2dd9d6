import { readFileSync } from "node:fs";
import { envSchema } from "./env-schema.ts";
import { formatIssues } from "./format-issues.ts";
import { toModelEntry } from "./model-entry.ts";
import { Registry } from "./registry.ts";

/** What an entry without its own namespace or URL gets (from the environment at start). */
export interface RegistryDefaults {
  readonly defaultNamespace: string;
  readonly urlTemplate: string;
}

/** A registry read from JSON text: the registry, or every problem with it (one line each). */
export type RegistryReading =
  | { readonly ok: true; readonly registry: Registry }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Validates registry JSON text as `KSERVE_MODEL_REGISTRY` is validated (docs/CONFIGURATION.md, "Registry
 * entries"), each problem prefixed with `label` (e.g. `KSERVE_MODEL_REGISTRY_FILE (/etc/registry.json)`).
 *
 * @example
 * const reading = parseRegistryText('[{"name":"a","url":"http://a","type":"anomaly"}]', "file", defaults);
 * if (reading.ok) reading.registry.get("a");
 */
export function parseRegistryText(text: string, label: string, defaults: RegistryDefaults): RegistryReading {
  const result = envSchema.shape.KSERVE_MODEL_REGISTRY.safeParse(text);
  if (!result.success) {
    const issues = formatIssues(result.error.issues).map(
      (line) => `${label}${line.startsWith("[") ? "" : ": "}${line}`,
    );
    return { ok: false, issues };
  }
  const inputs = result.data ?? [];
  const entries = inputs.map((input) => toModelEntry(input, defaults.defaultNamespace, defaults.urlTemplate));
  return { ok: true, registry: new Registry(entries) };
}

/** The label of the registry file's problems: the variable and the path. */
export function registryFileLabel(path: string): string {
  return `KSERVE_MODEL_REGISTRY_FILE (${path})`;
}

/**
 * Reads and validates the registry file `path` (`KSERVE_MODEL_REGISTRY_FILE`): a file that cannot be read is
 * one problem naming why.
 *
 * @example
 * const reading = readRegistryFile("/etc/modelgate/registry/registry.json", defaults);
 */
export function readRegistryFile(
  path: string,
  defaults: RegistryDefaults,
  read: (path: string) => string = (file) => readFileSync(file, "utf8"),
): RegistryReading & { readonly text?: string } {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, issues: [`${registryFileLabel(path)}: cannot be read (${reason})`] };
  }
  return { ...parseRegistryText(text, registryFileLabel(path), defaults), text };
}
