import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/index.ts";
import { configIssues } from "./config-issues.ts";

const DNS = /must be a DNS-1123 label/;
const base = { name: "scorer", service: "scorer-predictor", type: "anomaly" };

/** The issues for a registry made of `entries` (raw JSON text when a string). */
function issues(entries: unknown[] | string): readonly string[] {
  return configIssues({ KSERVE_MODEL_REGISTRY: typeof entries === "string" ? entries : JSON.stringify(entries) });
}

describe("the registry as a whole", () => {
  it("rejects invalid JSON, naming the parser's complaint", () => {
    expect(issues("[{")).toEqual([expect.stringMatching(/^KSERVE_MODEL_REGISTRY: invalid JSON: /)]);
  });

  it("rejects anything but an array", () => {
    expect(issues('{"name":"x"}')).toEqual(["KSERVE_MODEL_REGISTRY: must be a JSON array of registry entries"]);
    expect(issues("42")).toEqual(["KSERVE_MODEL_REGISTRY: must be a JSON array of registry entries"]);
  });

  it("rejects entries that are not objects, by index", () => {
    expect(issues([base, "scorer", null, [1]])).toEqual([
      "KSERVE_MODEL_REGISTRY[1]: must be an object",
      "KSERVE_MODEL_REGISTRY[2]: must be an object",
      "KSERVE_MODEL_REGISTRY[3]: must be an object",
    ]);
  });

  it("rejects duplicate names, naming both places", () => {
    expect(issues([base, { ...base, name: "other" }, base])).toEqual([
      'KSERVE_MODEL_REGISTRY[2].name: duplicate name "scorer" (also at [0])',
    ]);
  });

  it("reports every problem of every entry at once", () => {
    const found = issues([
      { name: "Bad", type: "x" },
      { ...base, port: 0, namepace: "ml" },
    ]);
    expect(found).toEqual([
      expect.stringMatching(/^KSERVE_MODEL_REGISTRY\[0\]\.name: must be a DNS-1123/),
      "KSERVE_MODEL_REGISTRY[0].type: must be one of anomaly, predictive, classification",
      "KSERVE_MODEL_REGISTRY[0].service: is required (or set url)",
      "KSERVE_MODEL_REGISTRY[1].port: must be an integer from 1 to 65535",
      "KSERVE_MODEL_REGISTRY[1].namepace: unknown field",
    ]);
  });

  it("loads an empty array as an empty registry", () => {
    expect(loadConfig({ KSERVE_MODEL_REGISTRY: "[]" }).registry.size).toBe(0);
  });
});

describe("entry fields", () => {
  it.each([
    ["name", { service: "s", type: "anomaly" }],
    ["type", { name: "a", service: "s" }],
  ])("requires %s", (field, entry) => {
    expect(issues([entry])).toEqual([`KSERVE_MODEL_REGISTRY[0].${field}: is required`]);
  });

  it("requires service unless url is set", () => {
    expect(issues([{ name: "a", type: "anomaly" }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].service: is required (or set url)",
    ]);
  });

  it("rejects a type outside the enum", () => {
    expect(issues([{ ...base, type: "regression" }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].type: must be one of anomaly, predictive, classification",
    ]);
  });

  it.each([
    ["uppercase", "Scorer"],
    ["dots", "scorer.v1"],
    ["64 characters", "a".repeat(64)],
    ["a leading dash", "-scorer"],
    ["a trailing dash", "scorer-"],
    ["underscores", "my_model"],
    ["empty", ""],
  ])("rejects a name with %s", (_, name) => {
    expect(issues([{ ...base, name }])).toEqual([
      expect.stringMatching(/^KSERVE_MODEL_REGISTRY\[0\]\.name: must be a DNS-1123/),
    ]);
  });

  it("accepts a 63-character name", () => {
    expect(
      loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify([{ ...base, name: "a".repeat(63) }]) }).registry.size,
    ).toBe(1);
  });

  it.each(["namespace", "service"])("rejects an invalid %s", (field) => {
    expect(issues([{ ...base, [field]: "Not.Valid" }])).toEqual([
      expect.stringMatching(new RegExp(`\\[0\\]\\.${field}: ${DNS.source}`)),
    ]);
  });

  it('treats "namespace": "" as the default namespace (as Helm renders an unset value)', () => {
    const config = loadConfig({
      KSERVE_NAMESPACE: "team-a",
      KSERVE_MODEL_REGISTRY: JSON.stringify([{ ...base, namespace: "" }]),
    });
    expect(config.registry.entries[0]?.namespace).toBe("team-a");
    expect(config.registry.entries[0]?.url).toContain(".team-a.svc.cluster.local");
    expect(config.allowedNamespaces).toEqual(["team-a"]);
  });

  it.each([0, 70000, "80", 80.5, -1])("rejects port %j", (port) => {
    expect(issues([{ ...base, port }])).toEqual(["KSERVE_MODEL_REGISTRY[0].port: must be an integer from 1 to 65535"]);
  });

  it.each(["ftp://host/x", "not a url", "/relative/path", "http://"])("rejects url %j", (url) => {
    expect(issues([{ ...base, url }])).toEqual(["KSERVE_MODEL_REGISTRY[0].url: must be an absolute http(s) URL"]);
  });

  it("rejects unknown fields, one line each", () => {
    expect(issues([{ ...base, namepace: "ml", replicas: 2 }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].namepace: unknown field",
      "KSERVE_MODEL_REGISTRY[0].replicas: unknown field",
    ]);
  });

  it("rejects bad protocol, timeoutMs, description and modelName", () => {
    expect(issues([{ ...base, protocol: "v3", timeoutMs: 0, description: 5, modelName: "a/b" }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].description: must be a string",
      'KSERVE_MODEL_REGISTRY[0].modelName: must not contain "/", "?", "#" or spaces',
      'KSERVE_MODEL_REGISTRY[0].protocol: must be "v1", "v2" or "openai"',
      "KSERVE_MODEL_REGISTRY[0].timeoutMs: must be a positive integer (milliseconds, at most 3600000)",
    ]);
  });

  it('takes "protocol": "openai", with openaiPrefix (default /openai)', () => {
    const registry = loadConfig({
      KSERVE_MODEL_REGISTRY: JSON.stringify([
        { ...base, name: "chat", protocol: "openai" },
        { ...base, name: "chat-b", protocol: "openai", openaiPrefix: "/serving/openai" },
      ]),
    }).registry;
    expect(registry.get("chat")).toMatchObject({ protocol: "openai", openaiPrefix: "/openai" });
    expect(registry.get("chat-b")).toMatchObject({ protocol: "openai", openaiPrefix: "/serving/openai" });
    expect(registry.get("chat-b")?.url).toBe("http://scorer-predictor.self-healing-platform.svc.cluster.local");
  });

  it("rejects openaiPrefix that is no path, and on an entry that does not speak openai", () => {
    expect(
      issues([
        { ...base, protocol: "openai", openaiPrefix: "openai/" },
        { ...base, name: "b", protocol: "openai", openaiPrefix: 7 },
        { ...base, name: "c", openaiPrefix: "/openai" },
      ]),
    ).toEqual([
      'KSERVE_MODEL_REGISTRY[0].openaiPrefix: must be a path such as "/openai" (no trailing "/")',
      'KSERVE_MODEL_REGISTRY[1].openaiPrefix: must be a path such as "/openai"',
      'KSERVE_MODEL_REGISTRY[2].openaiPrefix: is only for "protocol": "openai"',
    ]);
  });

  it("keeps optional fields as given", () => {
    const entry = {
      ...base,
      namespace: "ml",
      description: "d",
      modelName: "inner",
      port: 8080,
      protocol: "v2",
      timeoutMs: 250,
      versions: [
        {
          name: "v1",
          storageUri: "s3://m/v1",
          modelFormat: { name: "sklearn", version: "1" },
          runtime: "rt",
          default: true,
        },
      ],
      deploy: {
        inferenceService: "scorer",
        protocolVersion: "v2",
        minReplicas: 0,
        maxReplicas: 3,
        deploymentMode: "Standard",
        serviceAccountName: "sa",
        resources: { limits: { cpu: "1" } },
      },
    };
    const loaded = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify([entry]) }).registry.get("scorer");
    expect(loaded).toMatchObject({ ...entry, port: 8080, url: "http://scorer-predictor.ml.svc.cluster.local:8080" });
  });
});

describe("versions and deploy settings", () => {
  const version = { name: "v1", storageUri: "s3://m/v1", modelFormat: { name: "sklearn" } };

  it("rejects duplicate version names and two defaults", () => {
    expect(
      issues([
        {
          ...base,
          versions: [{ ...version, default: true }, { ...version }],
        },
      ]),
    ).toEqual(['KSERVE_MODEL_REGISTRY[0].versions[1].name: duplicate version "v1" (also at versions[0])']);
    expect(
      issues([
        {
          ...base,
          versions: [
            { ...version, default: true },
            { ...version, name: "v2", default: true },
          ],
        },
      ]),
    ).toEqual(["KSERVE_MODEL_REGISTRY[0].versions[1].default: only one version may be the default"]);
  });

  it("requires storageUri and modelFormat.name, and rejects unknown version fields", () => {
    expect(issues([{ ...base, versions: [{ name: "v1", modelFormat: {}, uri: "x" }] }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].versions[0].storageUri: is required",
      "KSERVE_MODEL_REGISTRY[0].versions[0].modelFormat.name: is required",
      "KSERVE_MODEL_REGISTRY[0].versions[0].uri: unknown field",
    ]);
  });

  it("rejects a version name that is not a label value", () => {
    expect(issues([{ ...base, versions: [{ ...version, name: "v 1" }] }])[0]).toMatch(
      /versions\[0\]\.name: must be a valid label value/,
    );
  });

  it("rejects bad deploy settings", () => {
    expect(
      issues([
        {
          ...base,
          deploy: {
            inferenceService: "1scorer",
            minReplicas: 3,
            maxReplicas: 2,
            deploymentMode: "Serverless",
            resources: "big",
            extra: 1,
          },
        },
      ]),
    ).toEqual([
      expect.stringMatching(/^KSERVE_MODEL_REGISTRY\[0\]\.deploy\.inferenceService: must be a DNS-1035 label/),
      'KSERVE_MODEL_REGISTRY[0].deploy.deploymentMode: must be "Knative" or "Standard"',
      "KSERVE_MODEL_REGISTRY[0].deploy.resources: must be an object",
      "KSERVE_MODEL_REGISTRY[0].deploy.extra: unknown field",
    ]);
    expect(issues([{ ...base, deploy: { minReplicas: 3, maxReplicas: 2 } }])).toEqual([
      "KSERVE_MODEL_REGISTRY[0].deploy.maxReplicas: must be at least minReplicas",
    ]);
  });
});
