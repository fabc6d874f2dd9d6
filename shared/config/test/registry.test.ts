import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration } from "../src/index.ts";

const registry = loadConfig({
  KSERVE_MODEL_REGISTRY: JSON.stringify([
    { name: "a", service: "a", type: "anomaly" },
    { name: "p", service: "p", type: "predictive", namespace: "ml" },
    { name: "b", service: "b", type: "anomaly" },
  ]),
}).registry;

describe("Registry", () => {
  it("keeps registry order and looks up by name", () => {
    expect(registry.entries.map((e) => e.name)).toEqual(["a", "p", "b"]);
    expect(registry.get("p")?.namespace).toBe("ml");
    expect(registry.get("missing")).toBeUndefined();
    expect(registry.size).toBe(3);
  });

  it("filters by type in registry order", () => {
    expect(registry.byType("anomaly").map((e) => e.name)).toEqual(["a", "b"]);
    expect(registry.byType("classification")).toEqual([]);
  });

  it("lists its namespaces", () => {
    expect(registry.namespaces()).toEqual(["ml", "self-healing-platform"]);
  });

  it("loads and validates 10,000 entries", () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      name: `m-${i}`,
      service: `m-${i}-predictor`,
      type: "predictive",
    }));
    const big = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(entries) }).registry;
    expect(big.size).toBe(10_000);
    expect(big.get("m-9999")?.url).toBe("http://m-9999-predictor.self-healing-platform.svc.cluster.local");
  });
});

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
  ])("%s = %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "30", "0s", "-1s", "1d", "s"])("rejects %j", (text) => expect(parseDuration(text)).toBeUndefined());
});
