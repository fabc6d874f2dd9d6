export { createApp, type DeployDeps } from "./app.ts";
export { createAuthorizer, KubernetesAuthorizer, kubeConfigLoader } from "./auth/index.ts";
export type { Authorizer, Caller, DeployVerb } from "./authorizer.ts";
export { type BuildOptions, buildInferenceService } from "./build-inference-service.ts";
export { ACCEPTED_TYPES_TEXT, parseDeployEvent } from "./cloud-events.ts";
export { ANNOTATIONS, EVENT_TYPES, FIELD_MANAGER, ISVC_RESOURCE, LABELS, MANAGED_BY } from "./constants.ts";
export { type DeployRequest, parseDeployRequest } from "./deploy-request.ts";
export { type DeployAnswer, DeployService, MANAGED_SELECTOR, type UndeployAnswer } from "./deploy-service.ts";
export { type DeployTarget, inferenceServiceName, resolveDeployTarget, selectVersion } from "./deploy-target.ts";
export { inClusterCredentials, inClusterServer, SERVICE_ACCOUNT_DIR } from "./in-cluster-credentials.ts";
export type { InferenceService } from "./inference-service.ts";
export { type IsvcClient, KubeApiError, type KubeClientFactory } from "./kube-client.ts";
export { kubeClientFactory } from "./kube-client-factory.ts";
export { type KubeConfigSource, loadKubeCredentials, resolveKubeConfigSource } from "./kube-config-source.ts";
export {
  type KubeApiResponse,
  type KubeCredentials,
  type KubeRequest,
  type KubeSend,
  KubeTransportError,
  type KubeTransportOptions,
  kubeTransport,
} from "./kube-transport.ts";
export { mapKubeError } from "./map-kube-error.ts";
export { type Isvc, type IsvcCondition, readStatus } from "./read-status.ts";
