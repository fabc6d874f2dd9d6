import type { ModelEntry, ModelVersion } from "@modelgate/config";
import { ISVC_API_VERSION } from "@modelgate/kube";
import { ANNOTATIONS, LABELS, MANAGED_BY } from "./constants.ts";
import type { InferenceService, InferenceServiceSpec, PredictorModel } from "./inference-service.ts";

/** What {@link buildInferenceService} needs besides the registry entry. */
export interface BuildOptions {
  version: ModelVersion;
  name: string;
  namespace: string;
  /** Extra labels from the request; modelgate's own labels win over them. */
  labels?: Record<string, string>;
  /** The authenticated caller's username, recorded as `modelgate.dev/requested-by`. */
  requestedBy?: string;
  /** `spec.predictor.canaryTrafficPercent` (absent: the field is not written, so the latest revision gets all). */
  canaryTrafficPercent?: number;
}

/**
 * Builds the InferenceService modelgate applies for one registry entry and version (pure: no I/O).
 * `spec.predictor.model` gets the version's format, storage URI and runtime and the entry's protocol
 * version and `resources` (as given: the API server's schema judges them); the predictor gets the
 * replicas, service account and the request's canary percentage; the deployment mode becomes the `serving.kserve.io/deploymentMode`
 * annotation. Labels: user labels first, then modelgate's (which they cannot override).
 *
 * @example
 * buildInferenceService(entry, { version: entry.versions[0], name: "scorer", namespace: "ml" })
 * // { apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", metadata: {...}, spec: {...} }
 */
export function buildInferenceService(entry: ModelEntry, options: BuildOptions): InferenceService {
  const { version, name, namespace } = options;
  const { deploy } = entry;

  const model: PredictorModel = {
    modelFormat:
      version.modelFormat.version === undefined
        ? { name: version.modelFormat.name }
        : { name: version.modelFormat.name, version: version.modelFormat.version },
    storageUri: version.storageUri,
  };
  if (version.runtime !== undefined) model.runtime = version.runtime;
  if (deploy.protocolVersion !== undefined) model.protocolVersion = deploy.protocolVersion;
  if (deploy.resources !== undefined) model.resources = deploy.resources;

  const predictor: InferenceServiceSpec["predictor"] = { model };
  if (deploy.minReplicas !== undefined) predictor.minReplicas = deploy.minReplicas;
  if (deploy.maxReplicas !== undefined) predictor.maxReplicas = deploy.maxReplicas;
  if (deploy.serviceAccountName !== undefined) predictor.serviceAccountName = deploy.serviceAccountName;
  if (options.canaryTrafficPercent !== undefined) predictor.canaryTrafficPercent = options.canaryTrafficPercent;

  const labels: Record<string, string> = {
    ...options.labels,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.registeredModel]: entry.name,
    [LABELS.modelVersion]: version.name,
    [LABELS.inferenceService]: name,
  };
  const annotations: Record<string, string> = { [ANNOTATIONS.modelType]: entry.type };
  if (entry.description !== null) annotations[ANNOTATIONS.description] = entry.description;
  if (deploy.deploymentMode !== undefined) annotations[ANNOTATIONS.deploymentMode] = deploy.deploymentMode;
  if (options.requestedBy !== undefined) annotations[ANNOTATIONS.requestedBy] = options.requestedBy;

  return {
    apiVersion: ISVC_API_VERSION,
    kind: "InferenceService",
    metadata: { name, namespace, labels, annotations },
    spec: { predictor },
  };
}
