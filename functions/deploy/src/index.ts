// What other packages use: the deploy app (the local gateway) and the CR builder (test/platform).
export { createApp, type DeployDeps } from "./app.ts";
// Compatibility only, for importers of the old names: functions/deploy/test/app-events.test.ts and
// test/deploy.cluster.test.ts, test/deploy-auth.cluster.test.ts. New code imports the files under src/.
export { createAuthorizer } from "./auth/create-authorizer.ts";
export { KubernetesAuthorizer } from "./auth/kubernetes-authorizer.ts";
export { type BuildOptions, buildInferenceService } from "./build-inference-service.ts";
export { ACCEPTED_TYPES_TEXT } from "./cloud-events.ts";
export { inferenceServiceName } from "./deploy-target.ts";
export type { InferenceService } from "./inference-service.ts";
export { KubeApiError } from "./kube/api-errors.ts";
export { kubeConnection as kubeConfigLoader } from "./kube/connection.ts";
export type { IsvcClient } from "./kube/isvc-client.ts";
export { kubeClientFactory } from "./kube-config-client.ts";
