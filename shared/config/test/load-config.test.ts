import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/index.ts";
import { configIssues } from "./config-issues.ts";

const entry = (fields: Record<string, unknown> = {}) => ({
  name: "scorer",
  service: "scorer-predictor",
  type: "anomaly",
  ...fields,
});
const registry = (...entries: unknown[]) => ({ KSERVE_MODEL_REGISTRY: JSON.stringify(entries) });

describe("defaults", () => {
  it("applies every documented default", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      registrySource: "none",
      defaultNamespace: "self-healing-platform",
      urlTemplate: "http://{service}.{namespace}.svc.cluster.local{port}",
      timeoutMs: 30_000,
      kserveEnabled: true,
      allowedNamespaces: ["self-healing-platform"],
      kubernetes: { inCluster: undefined, kubeconfig: undefined },
      maxBodyBytes: 10_485_760,
      port: 8080,
      logLevel: "info",
      auth: "kubernetes",
      eventsAudience: "modelgate-deploy",
      host: undefined,
      server: { headersMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000 },
    });
    expect(config.registry.size).toBe(0);
    expect(config.warnings.join()).toMatch(/no model registry configured/);
  });

  it("defaults entry fields and builds the URL from the template", () => {
    const config = loadConfig(registry(entry()));
    expect(config.registry.get("scorer")).toEqual({
      name: "scorer",
      service: "scorer-predictor",
      namespace: "self-healing-platform",
      type: "anomaly",
      description: null,
      modelName: "scorer",
      protocol: "v1",
      openaiPrefix: null,
      port: null,
      url: "http://scorer-predictor.self-healing-platform.svc.cluster.local",
      timeoutMs: null,
      versions: [],
      deploy: {},
    });
    expect(config.warnings).toEqual([]);
  });

  it('treats KSERVE_MODEL_REGISTRY="" as unset', () => {
    expect(loadConfig({ KSERVE_MODEL_REGISTRY: "" }).registrySource).toBe("none");
  });
});

describe("URLs", () => {
  it("adds :port when the entry has one", () => {
    const config = loadConfig({ ...registry(entry({ port: 8080, namespace: "ml" })) });
    expect(config.registry.get("scorer")?.url).toBe("http://scorer-predictor.ml.svc.cluster.local:8080");
  });

  it("lets url override service, namespace and port, without a trailing slash", () => {
    const config = loadConfig(registry(entry({ url: "https://models.example.com/scorer/", port: 1 })));
    expect(config.registry.get("scorer")?.url).toBe("https://models.example.com/scorer");
  });

  it("accepts an entry with url and no service", () => {
    const config = loadConfig(registry({ name: "x", type: "predictive", url: "http://10.0.0.1:9000" }));
    expect(config.registry.get("x")).toMatchObject({ service: null, url: "http://10.0.0.1:9000" });
  });

  it("uses KSERVE_URL_TEMPLATE with every placeholder", () => {
    const config = loadConfig({
      ...registry(entry({ port: 9000, modelName: "inner" })),
      KSERVE_URL_TEMPLATE: "http://127.0.0.1{port}/{namespace}/{service}/{name}/{modelName}",
    });
    expect(config.registry.get("scorer")?.url).toBe(
      "http://127.0.0.1:9000/self-healing-platform/scorer-predictor/scorer/inner",
    );
  });

  it("rejects a template with an unknown placeholder or no http(s) URL", () => {
    expect(configIssues({ KSERVE_URL_TEMPLATE: "http://{svc}.cluster" })).toEqual([
      "KSERVE_URL_TEMPLATE: unknown placeholder {svc} (known: {service}, {namespace}, {port}, {name}, {modelName})",
    ]);
    expect(configIssues({ KSERVE_URL_TEMPLATE: "{service}:{port}" })).toEqual([
      "KSERVE_URL_TEMPLATE: must produce an absolute http(s) URL",
    ]);
  });
});

describe("namespaces", () => {
  it("uses KSERVE_NAMESPACE, or its alias KUBERNETES_DEFAULT_NAMESPACE", () => {
    expect(loadConfig({ KSERVE_NAMESPACE: "ml" }).defaultNamespace).toBe("ml");
    expect(loadConfig({ KUBERNETES_DEFAULT_NAMESPACE: "ops" }).defaultNamespace).toBe("ops");
    expect(loadConfig({ KSERVE_NAMESPACE: "ml", KUBERNETES_DEFAULT_NAMESPACE: "ml" }).defaultNamespace).toBe("ml");
  });

  it("rejects both set and different", () => {
    expect(configIssues({ KSERVE_NAMESPACE: "a", KUBERNETES_DEFAULT_NAMESPACE: "b" })).toEqual([
      'KSERVE_NAMESPACE: differs from KUBERNETES_DEFAULT_NAMESPACE ("a" vs "b"): set one, or both to the same namespace',
    ]);
  });

  it("rejects a default namespace that is not a DNS label", () => {
    expect(configIssues({ KSERVE_NAMESPACE: "ML_Team" })[0]).toMatch(/^KSERVE_NAMESPACE: must be a DNS-1123 label/);
  });

  it("allows the default namespace plus every registry namespace by default", () => {
    const config = loadConfig({
      ...registry(entry(), entry({ name: "b", namespace: "team-b" }), entry({ name: "a", namespace: "team-a" })),
      KSERVE_NAMESPACE: "ml",
    });
    expect(config.allowedNamespaces).toEqual(["ml", "team-a", "team-b"]);
  });

  it("reads KSERVE_ALLOWED_NAMESPACES as a comma list or *", () => {
    expect(loadConfig({ KSERVE_ALLOWED_NAMESPACES: " b, a ,," }).allowedNamespaces).toEqual(["a", "b"]);
    expect(loadConfig({ KSERVE_ALLOWED_NAMESPACES: "*" }).allowedNamespaces).toBe("*");
    expect(configIssues({ KSERVE_ALLOWED_NAMESPACES: "a,Bad_NS" })[0]).toMatch(
      /^KSERVE_ALLOWED_NAMESPACES: "Bad_NS" must be a DNS-1123/,
    );
    expect(configIssues({ KSERVE_ALLOWED_NAMESPACES: "a,*" })[0]).toMatch(/"\*" must be a DNS-1123/);
    expect(configIssues({ KSERVE_ALLOWED_NAMESPACES: " , " })).toEqual([
      'KSERVE_ALLOWED_NAMESPACES: must name at least one namespace, or "*"',
    ]);
  });
});

describe("legacy variables", () => {
  it("become entries when KSERVE_MODEL_REGISTRY is unset", () => {
    const config = loadConfig({
      KSERVE_ANOMALY_DETECTOR_SERVICE: "ad-predictor",
      KSERVE_PREDICTIVE_ANALYTICS_SERVICE: "pa-predictor",
      KSERVE_NAMESPACE: "ops",
    });
    expect(config.registrySource).toBe("legacy");
    expect(config.registry.entries.map((e) => [e.name, e.type, e.url])).toEqual([
      ["anomaly-detector", "anomaly", "http://ad-predictor.ops.svc.cluster.local"],
      ["predictive-analytics", "predictive", "http://pa-predictor.ops.svc.cluster.local"],
    ]);
  });

  it("are ignored, with a warning, when KSERVE_MODEL_REGISTRY is set", () => {
    const config = loadConfig({ ...registry(entry()), KSERVE_ANOMALY_DETECTOR_SERVICE: "ad-predictor" });
    expect(config.registry.entries.map((e) => e.name)).toEqual(["scorer"]);
    expect(config.warnings.join()).toMatch(/legacy/);
  });

  it("must be DNS labels", () => {
    expect(configIssues({ KSERVE_ANOMALY_DETECTOR_SERVICE: "AD.svc" })[0]).toMatch(
      /^KSERVE_ANOMALY_DETECTOR_SERVICE: must be a DNS-1123 label/,
    );
  });
});

describe("fallback (the local gateway's example registry)", () => {
  it("is used only when no registry source is set, with its own URL template", () => {
    const options = { fallbackRegistry: [entry()], fallbackUrlTemplate: "http://127.0.0.1:9999" };
    const config = loadConfig({}, options);
    expect(config.registrySource).toBe("example");
    expect(config.registry.get("scorer")?.url).toBe("http://127.0.0.1:9999");
    expect(loadConfig(registry(entry({ name: "mine" })), options).registry.entries.map((e) => e.name)).toEqual([
      "mine",
    ]);
  });

  it("is validated like the env var", () => {
    expect(() => loadConfig({}, { fallbackRegistry: [{ name: "X" }] })).toThrow(/example registry\[0\]\.name/);
  });
});

describe("scalar variables", () => {
  it("parses durations, booleans, integers and enums", () => {
    const config = loadConfig({
      KSERVE_TIMEOUT: "500ms",
      KSERVE_ENABLED: "FALSE",
      KUBERNETES_IN_CLUSTER: "true",
      KUBECONFIG: "/k/config",
      MAX_BODY_BYTES: "1024",
      PORT: "0",
      LOG_LEVEL: "debug",
      MODELGATE_AUTH: "none",
      MODELGATE_EVENTS_AUDIENCE: "aud",
    });
    expect(config).toMatchObject({
      timeoutMs: 500,
      kserveEnabled: false,
      kubernetes: { inCluster: true, kubeconfig: "/k/config" },
      maxBodyBytes: 1024,
      port: 0,
      logLevel: "debug",
      auth: "none",
      eventsAudience: "aud",
    });
    // Only the deploy function warns about it (when it builds its authorizer): models and predict have no auth.
    expect(config.warnings.join()).not.toMatch(/MODELGATE_AUTH/);
    expect(loadConfig({ KSERVE_TIMEOUT: "2m" }).timeoutMs).toBe(120_000);
  });

  it("reads the listen address and the server timeouts", () => {
    const config = loadConfig({
      MODELGATE_HOST: "0.0.0.0",
      SERVER_HEADERS_TIMEOUT: "2s",
      SERVER_REQUEST_TIMEOUT: "30s",
      SERVER_KEEP_ALIVE_TIMEOUT: "500ms",
    });
    expect(config).toMatchObject({ host: "0.0.0.0", server: { headersMs: 2000, requestMs: 30_000, keepAliveMs: 500 } });
  });

  it("refuses bad server timeouts, and a headers timeout longer than the request timeout", () => {
    expect(configIssues({ SERVER_HEADERS_TIMEOUT: "0s", SERVER_KEEP_ALIVE_TIMEOUT: "long" })).toEqual([
      'SERVER_HEADERS_TIMEOUT: must be a duration such as 500ms, 30s or 2m, got "0s"',
      'SERVER_KEEP_ALIVE_TIMEOUT: must be a duration such as 500ms, 30s or 2m, got "long"',
    ]);
    expect(configIssues({ SERVER_HEADERS_TIMEOUT: "90s" })).toEqual([
      "SERVER_HEADERS_TIMEOUT: must not exceed SERVER_REQUEST_TIMEOUT (90000 ms > 60000 ms): the headers are part of the request",
    ]);
  });

  it("prefers KUBERNETES_KUBECONFIG over KUBECONFIG", () => {
    expect(loadConfig({ KUBERNETES_KUBECONFIG: "/a", KUBECONFIG: "/b" }).kubernetes.kubeconfig).toBe("/a");
  });

  it("reports every bad variable at once", () => {
    expect(
      configIssues({
        KSERVE_TIMEOUT: "soon",
        KSERVE_ENABLED: "yes",
        KUBERNETES_IN_CLUSTER: "1",
        MAX_BODY_BYTES: "-5",
        PORT: "70000",
        LOG_LEVEL: "loud",
        MODELGATE_AUTH: "basic",
      }),
    ).toEqual([
      'KSERVE_TIMEOUT: must be a duration such as 500ms, 30s or 2m, got "soon"',
      'KSERVE_ENABLED: must be "true" or "false", got "yes"',
      'KUBERNETES_IN_CLUSTER: must be "true" or "false", got "1"',
      'MAX_BODY_BYTES: must be an integer from 1 to 1073741824, got "-5"',
      'PORT: must be an integer from 0 to 65535, got "70000"',
      "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent",
      'MODELGATE_AUTH: must be "kubernetes" or "none"',
    ]);
  });
});
