export { createApp, type PredictDeps } from "./app.ts";
export { createDispatcher } from "./warming-dispatcher.ts";
