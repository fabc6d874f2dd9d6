export { createApp, type ModelsDeps } from "./app.ts";
export { type ModelHealth, probeModel } from "./health-probe.ts";
export { parseListQuery } from "./list-query.ts";
export { type ModelView, toModelView } from "./model-view.ts";
