import { describe, expect, it } from "vitest";
import { modelsApp } from "./helpers.ts";

const entries = [
  { name: "a1", service: "a1-predictor", type: "anomaly", description: "first" },
  {
    name: "p1",
    service: "p1-predictor",
    type: "predictive",
    namespace: "ml",
    protocol: "v2",
    modelName: "inner",
    port: 8080,
  },
  { name: "a2", url: "http://10.1.2.3:9000", type: "anomaly" },
  { name: "c1", service: "c1", type: "classification" },
];
const app = modelsApp(entries);
const names = async (path: string) =>
  ((await (await app.request(path)).json()) as { models: { name: string }[] }).models.map((m) => m.name);

describe("GET /api/v1/models", () => {
  it("lists every model in registry order with the public fields", async () => {
    const res = await app.request("/api/v1/models");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { models: unknown[]; total: number };
    expect(body.total).toBe(4);
    expect(body.models[0]).toEqual({
      name: "a1",
      service: "a1-predictor",
      namespace: "self-healing-platform",
      type: "anomaly",
      description: "first",
      modelName: "a1",
      protocol: "v1",
      url: "http://a1-predictor.self-healing-platform.svc.cluster.local",
    });
    expect(body.models[1]).toMatchObject({
      namespace: "ml",
      protocol: "v2",
      modelName: "inner",
      url: "http://p1-predictor.ml.svc.cluster.local:8080",
    });
    expect(body.models[2]).toMatchObject({ service: null, description: null, url: "http://10.1.2.3:9000" });
  });

  it("filters by type", async () => {
    expect(await names("/api/v1/models?type=anomaly")).toEqual(["a1", "a2"]);
    const body = (await (await app.request("/api/v1/models?type=classification")).json()) as { total: number };
    expect(body.total).toBe(1);
  });

  it("pages with limit and offset, total counting every match", async () => {
    expect(await names("/api/v1/models?limit=2")).toEqual(["a1", "p1"]);
    expect(await names("/api/v1/models?limit=2&offset=2")).toEqual(["a2", "c1"]);
    expect(await names("/api/v1/models?offset=3")).toEqual(["c1"]);
    expect(await names("/api/v1/models?offset=10")).toEqual([]);
    const body = (await (await app.request("/api/v1/models?type=anomaly&limit=1&offset=1")).json()) as {
      models: { name: string }[];
      total: number;
    };
    expect(body).toMatchObject({ total: 2, models: [{ name: "a2" }] });
  });

  it.each([
    ["type=regression", 'unknown type "regression": expected one of anomaly, predictive, classification'],
    ["limit=0", 'limit must be an integer from 1 to 1000, got "0"'],
    ["limit=1001", 'limit must be an integer from 1 to 1000, got "1001"'],
    ["limit=-1", 'limit must be an integer from 1 to 1000, got "-1"'],
    ["limit=ten", 'limit must be an integer from 1 to 1000, got "ten"'],
    ["offset=-2", 'offset must be an integer from 0 to 9007199254740991, got "-2"'],
    ["offset=1.5", 'offset must be an integer from 0 to 9007199254740991, got "1.5"'],
  ])("answers 400 for ?%s", async (query, error) => {
    const res = await app.request(`/api/v1/models?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error });
  });

  it("lists nothing, not an error, with an empty registry", async () => {
    const empty = modelsApp([]);
    expect(await (await empty.request("/api/v1/models")).json()).toEqual({ models: [], total: 0 });
  });
});

describe("GET /api/v1/models/{name}", () => {
  it("answers the model", async () => {
    const res = await app.request("/api/v1/models/p1");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "p1", type: "predictive" });
  });

  it("answers 404 for an unknown model", async () => {
    const res = await app.request("/api/v1/models/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model not found: nope" });
    expect((await app.request("/api/v1/models/nope/health")).status).toBe(404);
  });
});

describe("POST / (kn func invoke)", () => {
  it("answers the list whatever the body", async () => {
    const res = await app.request("/", {
      method: "POST",
      body: '{"message":"Hello World"}',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(4);
  });
});
