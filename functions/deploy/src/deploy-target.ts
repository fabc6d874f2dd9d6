import { type Config, DNS_1035_LABEL, type ModelEntry, type ModelVersion } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import type { DeployRequest } from "./deploy-request.ts";

/** What a deploy request resolves to: the entry, the version, and where the CR goes. */
export interface DeployTarget {
  entry: ModelEntry;
  version: ModelVersion;
  name: string;
  namespace: string;
}

/**
 * The version to deploy: the one named, else the entry's `default: true` one, else the last listed.
 * 400 when the entry has no versions; 404 when the named one does not exist.
 *
 * @example
 * selectVersion(entry, undefined).name // the default version, else the last
 */
export function selectVersion(entry: ModelEntry, requested: string | undefined): ModelVersion {
  const { versions } = entry;
  const last = versions.at(-1);
  if (last === undefined) {
    throw new HttpError(400, `model ${entry.name} has no deployable versions (its registry entry lists no versions)`);
  }
  if (requested !== undefined) {
    const found = versions.find((version) => version.name === requested);
    if (!found) {
      const known = versions.map((version) => version.name).join(", ");
      throw new HttpError(404, `version not found: ${entry.name} has no version "${requested}" (known: ${known})`);
    }
    return found;
  }
  return versions.find((version) => version.default === true) ?? last;
}

/**
 * The CR's name: the request's `name`, else `deploy.inferenceService`, else `service` minus a `-predictor`
 * suffix, else the model name. 400 unless it is a DNS-1035 label of at most 63 characters.
 *
 * @example
 * inferenceServiceName(entryWithService("scorer-predictor"), undefined) // "scorer"
 */
export function inferenceServiceName(entry: ModelEntry, requested: string | undefined): string {
  const fromService = entry.service?.replace(/-predictor$/, "");
  const name =
    requested ?? entry.deploy.inferenceService ?? (fromService === "" ? undefined : fromService) ?? entry.name;
  if (!DNS_1035_LABEL.test(name)) {
    throw new HttpError(
      400,
      `invalid InferenceService name "${name}": must be a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters)${requested === undefined ? '; set "name" in the request' : ""}`,
    );
  }
  return name;
}

/**
 * Whether deploy may touch `namespace` (`KSERVE_ALLOWED_NAMESPACES`); 403 when not.
 *
 * @example
 * assertNamespaceAllowed(config, "ml");
 */
export function assertNamespaceAllowed(config: Pick<Config, "allowedNamespaces">, namespace: string): void {
  const allowed = config.allowedNamespaces;
  if (allowed === "*" || allowed.includes(namespace)) return;
  throw new HttpError(403, `namespace ${namespace} is not allowed (KSERVE_ALLOWED_NAMESPACES: ${allowed.join(", ")})`);
}

/**
 * Resolves a validated request against the registry: 404 for an unknown model or version, 400 for no
 * version or a bad name. The namespace is the request's, else the entry's (which defaults to
 * `KSERVE_NAMESPACE`). Does not check whether the namespace is allowed.
 *
 * @example
 * resolveDeployTarget(config, { model: "anomaly-detector", labels: {} })
 * // { entry, version, name: "anomaly-detector", namespace: "self-healing-platform" }
 */
export function resolveDeployTarget(config: Pick<Config, "registry">, request: DeployRequest): DeployTarget {
  const entry = config.registry.get(request.model);
  if (!entry) throw new HttpError(404, `model not found: ${request.model}`);
  const version = selectVersion(entry, request.version);
  const name = inferenceServiceName(entry, request.name);
  return { entry, version, name, namespace: request.namespace ?? entry.namespace };
}
