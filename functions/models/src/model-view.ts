import type { ModelEntry } from "@modelgate/config";

/** A model as the API shows it (docs/API.md, "Models"). */
export interface ModelView {
  name: string;
  service: string | null;
  namespace: string;
  type: ModelEntry["type"];
  description: string | null;
  modelName: string;
  protocol: ModelEntry["protocol"];
  url: string;
}

/**
 * The public view of a registry entry.
 *
 * @example
 * toModelView(registry.get("anomaly-detector")!) // { name: "anomaly-detector", ..., url: "http://..." }
 */
export function toModelView(entry: ModelEntry): ModelView {
  return {
    name: entry.name,
    service: entry.service,
    namespace: entry.namespace,
    type: entry.type,
    description: entry.description,
    modelName: entry.modelName,
    protocol: entry.protocol,
    url: entry.url,
  };
}
