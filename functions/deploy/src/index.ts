/**
 * What other packages use: `createApp` and `DeployDeps` (the local gateway), `buildInferenceService` and
 * `inferenceServiceName` (test/platform). The other names are kept only for the importers of the old ones:
 * functions/deploy/test/app-events.test.ts (`ACCEPTED_TYPES_TEXT`, `InferenceService`, `KubeApiError`,
 * `kubeClientFactory`), test/deploy.cluster.test.ts (`IsvcClient`) and test/deploy-auth.cluster.test.ts
 * (`createAuthorizer`, `KubernetesAuthorizer`, `kubeConfigLoader`); new code imports the files under src/.
 */
export { createApp, type DeployDeps } from "./app.ts";
export { createAuthorizer } from "./auth/create-authorizer.ts";
export { KubernetesAuthorizer } from "./auth/kubernetes-authorizer.ts";
export { buildInferenceService } from "./build-inference-service.ts";
export { ACCEPTED_TYPES_TEXT } from "./cloud-events.ts";
export { inferenceServiceName } from "./deploy-target.ts";
export type { InferenceService } from "./inference-service.ts";
export { KubeApiError } from "./kube/api-errors.ts";
export { kubeConnection as kubeConfigLoader } from "./kube/connection.ts";
export type { IsvcClient } from "./kube/isvc-client.ts";
export { kubeClientFactory } from "./kube-config-client.ts";
