export { createApp, type PredictDeps } from "./app.ts";
export { createDispatcher } from "./default-dispatcher.ts";
