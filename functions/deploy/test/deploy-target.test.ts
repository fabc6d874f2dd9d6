import { HttpError } from "@modelgate/http";
import { describe, expect, it } from "vitest";
import {
  assertNamespaceAllowed,
  inferenceServiceName,
  resolveDeployTarget,
  selectVersion,
} from "../src/deploy-target.ts";
import { testConfig } from "./support/fixtures.ts";

const config = testConfig();
const entry = (name: string) => {
  const found = config.registry.get(name);
  if (!found) throw new Error(`fixture ${name} missing`);
  return found;
};

function statusOf(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error("expected an HttpError");
}

describe("selectVersion", () => {
  it("picks the named version", () => {
    expect(selectVersion(entry("anomaly-detector"), "v3").name).toBe("v3");
    expect(selectVersion(entry("anomaly-detector"), "v1").name).toBe("v1");
  });
  it("picks the default: true version when none is named", () => {
    expect(selectVersion(entry("anomaly-detector"), undefined).name).toBe("v2");
  });
  it("picks the last listed version when none is named and none is the default", () => {
    expect(selectVersion(entry("predictive-analytics"), undefined).name).toBe("2024-02");
  });
  it("answers 404 naming the known versions for an unknown one", () => {
    expect(statusOf(() => selectVersion(entry("anomaly-detector"), "v9"))).toEqual({
      status: 404,
      message: 'version not found: anomaly-detector has no version "v9" (known: v1, v2, v3)',
    });
  });
  it("answers 400 for an entry without versions, named or not", () => {
    for (const name of ["no-versions", "external"]) {
      for (const requested of [undefined, "v1"]) {
        const { status, message } = statusOf(() => selectVersion(entry(name), requested));
        expect(status).toBe(400);
        expect(message).toContain("has no deployable versions");
      }
    }
  });
});

describe("inferenceServiceName", () => {
  it("uses the requested name first", () => {
    expect(inferenceServiceName(entry("classifier"), "mine")).toBe("mine");
  });
  it("then deploy.inferenceService", () => {
    expect(inferenceServiceName(entry("classifier"), undefined)).toBe("image-classifier");
  });
  it("then the service minus -predictor", () => {
    expect(inferenceServiceName(entry("anomaly-detector"), undefined)).toBe("anomaly-detector");
  });
  it("then the service as it is when it has no -predictor suffix", () => {
    expect(inferenceServiceName(entry("predictive-analytics"), undefined)).toBe("forecaster");
  });
  it("then the model name when there is no service", () => {
    expect(inferenceServiceName(entry("external"), undefined)).toBe("external");
  });
  it("falls back to the model name when the service is only '-predictor'", () => {
    const odd = { ...entry("anomaly-detector"), service: "-predictor" };
    expect(inferenceServiceName(odd, undefined)).toBe("anomaly-detector");
  });
  it.each([
    ["starting with a digit", "9lives"],
    ["uppercase", "Scorer"],
    ["too long", `a${"b".repeat(63)}`],
    ["ending with -", "scorer-"],
    ["with a dot", "a.b"],
  ])("answers 400 for a requested name %s", (_, name) => {
    const { status, message } = statusOf(() => inferenceServiceName(entry("anomaly-detector"), name));
    expect(status).toBe(400);
    expect(message).toContain("must be a DNS-1035 label");
  });
  it("answers 400 for a derived name that is not DNS-1035, telling to set name", () => {
    const { status, message } = statusOf(() => inferenceServiceName(entry("bad-name"), undefined));
    expect(status).toBe(400);
    expect(message).toContain('"9lives"');
    expect(message).toContain('set "name" in the request');
  });
});

describe("resolveDeployTarget", () => {
  it("resolves namespace: the request's, else the entry's, else the default", () => {
    expect(resolveDeployTarget(config, { model: "anomaly-detector", namespace: "other", labels: {} }).namespace).toBe(
      "other",
    );
    expect(resolveDeployTarget(config, { model: "anomaly-detector", labels: {} }).namespace).toBe("ml");
    expect(resolveDeployTarget(config, { model: "predictive-analytics", labels: {} }).namespace).toBe(
      "self-healing-platform",
    );
  });
  it("answers 404 for an unknown model", () => {
    expect(statusOf(() => resolveDeployTarget(config, { model: "nope", labels: {} }))).toEqual({
      status: 404,
      message: "model not found: nope",
    });
  });
  it("resolves everything together", () => {
    const target = resolveDeployTarget(config, { model: "classifier", version: "v1", labels: {} });
    expect(target).toMatchObject({ name: "image-classifier", namespace: "vision", version: { name: "v1" } });
    expect(target.entry.name).toBe("classifier");
  });
});

describe("assertNamespaceAllowed", () => {
  it("allows the default namespace and every registry namespace by default", () => {
    for (const ns of ["ml", "vision", "self-healing-platform"])
      expect(() => assertNamespaceAllowed(config, ns)).not.toThrow();
  });
  it("answers 403 naming the allowed namespaces otherwise", () => {
    expect(statusOf(() => assertNamespaceAllowed(config, "kube-system"))).toEqual({
      status: 403,
      message: "namespace kube-system is not allowed (KSERVE_ALLOWED_NAMESPACES: ml, self-healing-platform, vision)",
    });
  });
  it("allows any namespace with *", () => {
    expect(() => assertNamespaceAllowed({ allowedNamespaces: "*" }, "kube-system")).not.toThrow();
  });
  it("allows only the listed namespaces when the list is explicit", () => {
    const explicit = testConfig({ KSERVE_ALLOWED_NAMESPACES: "ml" });
    expect(() => assertNamespaceAllowed(explicit, "ml")).not.toThrow();
    expect(statusOf(() => assertNamespaceAllowed(explicit, "vision")).status).toBe(403);
  });
});
