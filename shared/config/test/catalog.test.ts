import { describe, expect, it } from "vitest";
import { discoveredModel, loadConfig, mergeCatalog, type WatchedInferenceService } from "../src/index.ts";

const READY = [{ type: "Ready", status: "True" }];

/** An InferenceService as the API server returns it once KServe has reported on it. */
function isvc(name: string, namespace: string, extra: Partial<WatchedInferenceService> = {}): WatchedInferenceService {
  return {
    metadata: { name, namespace, ...extra.metadata },
    spec: extra.spec ?? { predictor: { model: { modelFormat: { name: "sklearn" }, protocolVersion: "v1" } } },
    status: extra.status ?? {
      url: `http://${name}.${namespace}.example.com`,
      address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
      conditions: READY,
    },
  };
}

describe("discoveredModel", () => {
  it("makes a ready model of a ready InferenceService: its cluster-local URL, its protocol, annotations", () => {
    const model = discoveredModel(
      isvc("iris", "team-a", {
        metadata: { annotations: { "modelgate.dev/type": "classification", "modelgate.dev/description": "Iris" } },
        spec: { predictor: { sklearn: { protocolVersion: "v2" } } },
      }),
    );
    expect(model).toEqual({
      entry: {
        name: "iris",
        service: "iris-predictor",
        namespace: "team-a",
        type: "classification",
        description: "Iris",
        modelName: "iris",
        protocol: "v2",
        openaiPrefix: null,
        port: null,
        url: "http://iris-predictor.team-a.svc.cluster.local",
        timeoutMs: null,
        versions: [],
        deploy: {},
      },
      ready: true,
      reason: null,
    });
  });

  it("takes status.url, then the predictor's, when there is no cluster-local address", () => {
    const onlyUrl = isvc("a", "ns", { status: { url: "http://a.ns.example.com/", conditions: READY } });
    expect(discoveredModel(onlyUrl)?.entry.url).toBe("http://a.ns.example.com");
    const predictorOnly = isvc("b", "ns", {
      status: { components: { predictor: { url: "http://b-predictor.ns.example.com" } }, conditions: READY },
    });
    expect(discoveredModel(predictorOnly)?.entry.url).toBe("http://b-predictor.ns.example.com");
  });

  it("defaults to type predictive, protocol v1; grpc-v2 is called over REST V2; the annotation says openai", () => {
    const plain = discoveredModel(isvc("p", "ns", { spec: { predictor: { model: {} } } }));
    expect(plain?.entry).toMatchObject({ type: "predictive", protocol: "v1", description: null });
    const grpc = discoveredModel(isvc("g", "ns", { spec: { predictor: { triton: { protocolVersion: "grpc-v2" } } } }));
    expect(grpc?.entry.protocol).toBe("v2");
    const chat = discoveredModel(
      isvc("c", "ns", { metadata: { annotations: { "modelgate.dev/protocol": "openai" } } }),
    );
    expect(chat?.entry).toMatchObject({ protocol: "openai", openaiPrefix: "/openai" });
  });

  it("is not ready, saying why, with no status yet, no URL, a failing condition, an unknown protocol or type", () => {
    const fresh = discoveredModel({ metadata: { name: "new", namespace: "ns" } });
    expect(fresh).toMatchObject({
      ready: false,
      reason: "no status yet (the KServe controller has not reported on it); no URL in its status yet",
      entry: { url: "http://new-predictor.ns.svc.cluster.local" },
    });
    const failing = discoveredModel(
      isvc("f", "ns", {
        status: {
          conditions: [
            { type: "PredictorReady", status: "False", reason: "RevisionFailed", message: "storage not found" },
            { type: "Ready", status: "False" },
          ],
        },
      }),
    );
    expect(failing?.reason).toBe(
      "PredictorReady is not True (RevisionFailed: storage not found); no URL in its status yet",
    );
    const odd = discoveredModel(
      isvc("o", "ns", {
        metadata: { annotations: { "modelgate.dev/type": "magic" } },
        spec: { predictor: { model: { protocolVersion: "v9" } } },
      }),
    );
    expect(odd).toMatchObject({
      ready: false,
      reason:
        'annotation modelgate.dev/type "magic" is not one of anomaly, predictive, classification; unknown protocol "v9" (modelgate calls v1, v2, grpc-v2 over REST V2, openai)',
      entry: { type: "predictive", protocol: "v1" },
    });
  });

  it("makes no model of an object without a name or namespace", () => {
    expect(discoveredModel({})).toBeUndefined();
    expect(discoveredModel({ metadata: { name: "x" } })).toBeUndefined();
    expect(discoveredModel({ metadata: { name: "", namespace: "ns" } })).toBeUndefined();
  });
});

describe("mergeCatalog", () => {
  const registry = loadConfig({
    KSERVE_MODEL_REGISTRY: JSON.stringify([{ name: "iris", url: "http://registered", type: "anomaly" }]),
  }).registry;
  const found = (name: string, namespace: string) => {
    const model = discoveredModel(isvc(name, namespace));
    if (model === undefined) throw new Error("no model");
    return model;
  };

  it("keeps the registry's entry over a discovered one of the same name, and says so", () => {
    const catalog = mergeCatalog(registry, [found("iris", "team-a"), found("wine", "team-a")], ["team-a"]);
    expect(catalog.registry.entries.map((e) => `${e.name}@${e.url}`)).toEqual([
      "iris@http://registered",
      "wine@http://wine-predictor.team-a.svc.cluster.local",
    ]);
    expect(catalog.models.get("iris")).toMatchObject({ source: "registry", ready: null });
    expect(catalog.models.get("wine")).toMatchObject({ source: "cluster", ready: true, reason: null });
    expect(catalog.shadowed).toEqual([{ name: "iris", namespace: "team-a", by: "registry" }]);
  });

  it("between namespaces, the one listed first wins; with *, the first in alphabetical order; whatever the input order", () => {
    const both = [found("wine", "zeta"), found("wine", "alpha")];
    const listed = mergeCatalog(registry, both, ["zeta", "alpha"]);
    expect(listed.models.get("wine")?.entry.namespace).toBe("zeta");
    expect(listed.shadowed).toEqual([{ name: "wine", namespace: "alpha", by: "zeta" }]);
    const any = mergeCatalog(registry, [...both].reverse(), "*");
    expect(any.models.get("wine")?.entry.namespace).toBe("alpha");
    expect(mergeCatalog(registry, both, "*").models.get("wine")?.entry.namespace).toBe("alpha");
  });
});
