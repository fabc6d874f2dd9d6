import type { DiscoveredModel } from "./discovered-model.ts";
import type { ModelEntry } from "./model-entry.ts";
import { Registry } from "./registry.ts";

/** Where a model of the catalog comes from. */
export type ModelSource = "registry" | "cluster";

/** A model of the catalog: its entry, where it comes from, and (for a discovered one) whether it is ready. */
export interface CatalogModel {
  readonly entry: ModelEntry;
  readonly source: ModelSource;
  /** A discovered model's readiness from its status; null for a registry entry (its health route asks it). */
  readonly ready: boolean | null;
  readonly reason: string | null;
}

/** A discovered model left out because its name was taken, and by whom. */
export interface ShadowedModel {
  readonly name: string;
  readonly namespace: string;
  /** `registry`, or the namespace of the discovered model that kept the name. */
  readonly by: string;
}

/** The registry and the cluster's models as one catalog: lookups by name, and what was left out. */
export interface Catalog {
  /** Every model's entry: the registry's in its order, then the discovered ones (see {@link mergeCatalog}). */
  readonly registry: Registry;
  readonly models: ReadonlyMap<string, CatalogModel>;
  readonly shadowed: readonly ShadowedModel[];
}

/**
 * Merges the registry with the models discovered in the cluster (docs/CONFIGURATION.md, "Discovery"). Pure.
 * - A registry entry wins over a discovered model of the same name: explicit configuration overrides.
 * - Between discovered models of one name in several namespaces, the namespace listed first in
 *   `KSERVE_DISCOVERY_NAMESPACES` wins (with `*`: the first in alphabetical order).
 * - What loses is left out of the catalog and returned in `shadowed`.
 *
 * @example
 * mergeCatalog(config.registry, discovered, ["team-a", "team-b"]).models.get("iris")?.source // "cluster"
 */
export function mergeCatalog(
  registry: Registry,
  discovered: readonly DiscoveredModel[],
  namespaces: readonly string[] | "*",
): Catalog {
  const models = new Map<string, CatalogModel>();
  for (const entry of registry.entries)
    models.set(entry.name, { entry, source: "registry", ready: null, reason: null });
  const rank = (namespace: string) => (namespaces === "*" ? 0 : namespaces.indexOf(namespace));
  const ordered = [...discovered].sort(
    (a, b) =>
      rank(a.entry.namespace) - rank(b.entry.namespace) ||
      compare(a.entry.namespace, b.entry.namespace) ||
      compare(a.entry.name, b.entry.name),
  );
  const shadowed: ShadowedModel[] = [];
  for (const model of ordered) {
    const { name, namespace } = model.entry;
    const taken = models.get(name);
    if (taken !== undefined) {
      shadowed.push({ name, namespace, by: taken.source === "registry" ? "registry" : taken.entry.namespace });
      continue;
    }
    models.set(name, { entry: model.entry, source: "cluster", ready: model.ready, reason: model.reason });
  }
  return { registry: new Registry([...models.values()].map((model) => model.entry)), models, shadowed };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
