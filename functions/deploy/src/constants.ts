/**
 * The labels and annotations modelgate puts on the InferenceServices it writes (docs/API.md, "Deploy"), and the
 * CloudEvent types of the deploy function. The names of the Kubernetes resources are in @modelgate/kube (`shared/kube/src/resources.ts`).
 */

/**
 * Labels modelgate sets on every CR it creates; user labels may not set them.
 *
 * @example
 * cr.metadata.labels?.[LABELS.managedBy] === MANAGED_BY // modelgate's own CR
 */
export const LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  registeredModel: "modelregistry.ai-platform/registered-model-id",
  modelVersion: "modelregistry.ai-platform/model-version-id",
  inferenceService: "modelregistry.ai-platform/inference-service-id",
} as const;

/** The value of {@link LABELS.managedBy} that marks a CR as modelgate's. */
export const MANAGED_BY = "modelgate";

/** Annotations modelgate sets. */
export const ANNOTATIONS = {
  deploymentMode: "serving.kserve.io/deploymentMode",
  modelType: "modelgate.dev/model-type",
  description: "modelgate.dev/description",
  requestedBy: "modelgate.dev/requested-by",
} as const;

/** Label-key prefixes reserved for modelgate: a user label may not use them. */
export const RESERVED_LABEL_PREFIXES = ["modelregistry.ai-platform/"] as const;

/**
 * CloudEvent types the deploy function accepts and answers with.
 *
 * @example
 * if (event.type === EVENT_TYPES.deployRequested) reply(EVENT_TYPES.deployAccepted);
 */
export const EVENT_TYPES = {
  deployRequested: "dev.modelgate.deploy.requested",
  deployAccepted: "dev.modelgate.deploy.accepted",
  undeployRequested: "dev.modelgate.undeploy.requested",
  undeployAccepted: "dev.modelgate.undeploy.accepted",
} as const;

/** The `source` of the events the deploy function replies with. */
export const EVENT_SOURCE = "/modelgate/deploy";
