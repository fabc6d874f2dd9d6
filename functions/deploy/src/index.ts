/**
 * What other packages use: `createApp` and `DeployDeps` (the local gateway), `buildInferenceService` and
 * `inferenceServiceName` (test/platform). Tests of the function import the files under src/.
 */
export { createApp, type DeployDeps } from "./app.ts";
export { buildInferenceService } from "./build-inference-service.ts";
export { inferenceServiceName } from "./deploy-target.ts";
