import type { Registry } from "./registry.ts";

/** The registry as it is now: what the functions read per request (a registry file may replace it). */
export interface RegistryView {
  current(): Registry;
}

/**
 * A registry that a newer version replaces whole (a reload of `KSERVE_MODEL_REGISTRY_FILE`): a request reads one
 * version from start to end, and never a mix of two.
 *
 * @example
 * const live = new LiveRegistry(config.registry);
 * live.replace(next);
 * live.current().get("scorer");
 */
export class LiveRegistry implements RegistryView {
  #registry: Registry;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  current(): Registry {
    return this.#registry;
  }

  replace(next: Registry): void {
    this.#registry = next;
  }
}

/** What changed between two registries, by name: entries added, changed (any field) and removed. */
export interface RegistryChange {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The names added, changed and removed from `before` to `after`, each in registry order.
 *
 * @example
 * diffRegistries(old, next) // { added: ["b"], changed: [], removed: ["a"] }
 */
export function diffRegistries(before: Registry, after: Registry): RegistryChange {
  const added: string[] = [];
  const changed: string[] = [];
  for (const entry of after.entries) {
    const old = before.get(entry.name);
    if (old === undefined) added.push(entry.name);
    else if (JSON.stringify(old) !== JSON.stringify(entry)) changed.push(entry.name);
  }
  const removed = before.entries.filter((entry) => after.get(entry.name) === undefined).map((entry) => entry.name);
  return { added, changed, removed };
}
