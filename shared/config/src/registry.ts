import type { ModelType } from "./entry-schema.ts";
import type { ModelEntry } from "./model-entry.ts";

/**
 * The loaded model registry: entries in the order the user wrote them, O(1) lookup by name.
 *
 * @example
 * const registry = new Registry([entry]);
 * registry.get("anomaly-detector")?.url;
 * registry.byType("anomaly").length;
 */
export class Registry {
  readonly entries: readonly ModelEntry[];
  readonly #byName: ReadonlyMap<string, ModelEntry>;
  readonly #byType: ReadonlyMap<ModelType, readonly ModelEntry[]>;

  constructor(entries: readonly ModelEntry[]) {
    this.entries = entries;
    this.#byName = new Map(entries.map((entry) => [entry.name, entry]));
    const byType = new Map<ModelType, ModelEntry[]>();
    for (const entry of entries) {
      const list = byType.get(entry.type);
      if (list) list.push(entry);
      else byType.set(entry.type, [entry]);
    }
    this.#byType = byType;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.length;
  }

  /** The entry named `name`, or `undefined`. */
  get(name: string): ModelEntry | undefined {
    return this.#byName.get(name);
  }

  /** Entries of one type, in registry order. */
  byType(type: ModelType): readonly ModelEntry[] {
    return this.#byType.get(type) ?? [];
  }

  /** Every namespace some entry lives in, sorted. */
  namespaces(): string[] {
    return [...new Set(this.entries.map((entry) => entry.namespace))].sort();
  }
}
