import { describe, expect, it } from "vitest";
import { isLabelKey, parseDeployRequest } from "../src/deploy-request.ts";

function refusal(body: unknown): { status: number; message: string } {
  try {
    parseDeployRequest(body);
  } catch (error) {
    const e = error as { status: number; message: string };
    return { status: e.status, message: e.message };
  }
  throw new Error("expected a refusal");
}

describe("parseDeployRequest", () => {
  it("keeps a canary percentage from 0 to 100, and leaves it out when not given", () => {
    expect(parseDeployRequest({ model: "a", canaryTrafficPercent: 0 }).canaryTrafficPercent).toBe(0);
    expect(parseDeployRequest({ model: "a", canaryTrafficPercent: 100 }).canaryTrafficPercent).toBe(100);
    expect("canaryTrafficPercent" in parseDeployRequest({ model: "a" })).toBe(false);
  });

  it("accepts the minimal and the full body", () => {
    expect(parseDeployRequest({ model: "a" })).toEqual({ model: "a", labels: {} });
    expect(
      parseDeployRequest({ model: "a", version: "v1", namespace: "ml", name: "canary", labels: { team: "sre" } }),
    ).toEqual({ model: "a", version: "v1", namespace: "ml", name: "canary", labels: { team: "sre" } });
  });

  it.each([
    ["not an object", [], "expected a JSON object"],
    ["null", null, "expected a JSON object"],
    ["a string", "a", "expected a JSON object"],
    ["missing model", {}, "model is required"],
    ["empty model", { model: "" }, "model must be a non-empty string"],
    ["numeric model", { model: 3 }, "model must be a non-empty string"],
    ["numeric version", { model: "a", version: 2 }, "version must be a non-empty string"],
    ["bad namespace", { model: "a", namespace: "Not_A_Label" }, 'namespace "Not_A_Label" must be a DNS-1123 label'],
    ["empty name", { model: "a", name: "" }, "name must be a non-empty string"],
    ["unknown field", { model: "a", namepace: "ml" }, 'unknown field "namepace"'],
    ["unknown fields", { model: "a", x: 1, y: 2 }, 'unknown fields "x", "y"'],
    ["labels not an object", { model: "a", labels: ["x"] }, "labels must be an object of strings"],
    ["label value not a string", { model: "a", labels: { team: 3 } }, "labels.team must be a valid label value"],
    [
      "label value too long",
      { model: "a", labels: { team: "x".repeat(64) } },
      "labels.team must be a valid label value",
    ],
    ["bad label key", { model: "a", labels: { "bad key": "x" } }, '"bad key" is not a valid label key'],
    ["our managed-by label", { model: "a", labels: { "app.kubernetes.io/managed-by": "x" } }, "is set by modelgate"],
    ["a reserved prefix", { model: "a", labels: { "modelregistry.ai-platform/owner": "x" } }, "is set by modelgate"],
    ["a canary above 100", { model: "a", canaryTrafficPercent: 101 }, "canaryTrafficPercent must be an integer from 0"],
    ["a negative canary", { model: "a", canaryTrafficPercent: -1 }, "canaryTrafficPercent must be an integer from 0"],
    ["a fractional canary", { model: "a", canaryTrafficPercent: 12.5 }, "canaryTrafficPercent must be an integer"],
    ["a canary as text", { model: "a", canaryTrafficPercent: "20" }, "canaryTrafficPercent must be an integer"],
  ])("refuses %s with 400", (_, body, message) => {
    const { status, message: text } = refusal(body);
    expect(status).toBe(400);
    expect(text).toContain(message);
    expect(text).toMatch(/^invalid deploy request: /);
  });
});

describe("isLabelKey", () => {
  it.each([
    ["team", true],
    ["example.com/team", true],
    ["app.kubernetes.io/part-of", true],
    ["a", true],
    ["-team", false],
    ["team-", false],
    ["Example.com/team", false],
    ["/team", false],
    [`${"x".repeat(64)}`, false],
    [`${"a".repeat(254)}/x`, false],
  ])("%s → %s", (key, valid) => {
    expect(isLabelKey(key)).toBe(valid);
  });
});
