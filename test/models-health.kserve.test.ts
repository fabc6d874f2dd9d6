// The models function against the real KServe model server: /health over V1 and V2 (ready, not ready,
// unknown model), and the list/get of a registry pointing at three servers.
import { loadConfig } from "@modelgate/config";
import { createLogger, type Served, serve } from "@modelgate/http";
import { createApp } from "@modelgate/models";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startKServe } from "./kserve/kserve-server.ts";

const { a, b, python } = inject("kserve");
const logger = createLogger({ name: "models-kserve", level: "silent" });

const registry = [
  { name: "scorer-v1", url: a.url, modelName: "scorer", type: "anomaly" },
  { name: "scorer-v2", url: a.url, modelName: "scorer", type: "anomaly", protocol: "v2" },
  { name: "dormant-v1", url: a.url, modelName: "dormant", type: "predictive" },
  { name: "dormant-v2", url: a.url, modelName: "dormant", type: "predictive", protocol: "v2" },
  { name: "ghost", url: a.url, type: "classification" },
  // The template fills in the port: the entry's `port` reaches server b.
  { name: "scorer-b", service: "ignored", port: b.port, namespace: "team-b", type: "anomaly" },
];

let served: Served;
beforeAll(async () => {
  const config = loadConfig({
    KSERVE_MODEL_REGISTRY: JSON.stringify(registry),
    KSERVE_URL_TEMPLATE: "http://127.0.0.1{port}",
  });
  served = await serve(createApp({ config, logger }), { port: 0, hostname: "127.0.0.1" });
});
afterAll(() => served.close());

const health = async (name: string) => {
  const res = await fetch(`${served.url}/api/v1/models/${name}/health`);
  expect(res.status).toBe(200);
  return res.json();
};

describe("GET /api/v1/models/{name}/health against KServe", () => {
  it("is ready for a ready model, over V1 and V2", async () => {
    expect(await health("scorer-v1")).toEqual({
      model: "scorer-v1",
      status: "ready",
      service: null,
      namespace: "self-healing-platform",
    });
    expect(await health("scorer-v2")).toMatchObject({ model: "scorer-v2", status: "ready" });
  });

  it("is unavailable with KServe's answer for a registered model that is not ready", async () => {
    expect(await health("dormant-v1")).toMatchObject({
      status: "unavailable",
      message: 'model server answered 503: {"error":"Model with name dormant is not ready."}',
    });
    expect(await health("dormant-v2")).toMatchObject({
      status: "unavailable",
      message: 'model server answered 503: {"error":"Model with name dormant is not ready."}',
    });
  });

  it("is unavailable with KServe's 404 for a model the server does not have", async () => {
    expect(await health("ghost")).toMatchObject({
      status: "unavailable",
      message: 'model server answered 404: {"error":"Model with name ghost does not exist."}',
    });
  });

  it("reaches the server an entry's port names, through the URL template", async () => {
    expect(await health("scorer-b")).toEqual({
      model: "scorer-b",
      status: "ready",
      service: "ignored",
      namespace: "team-b",
    });
  });

  it("is unavailable, naming the refusal, once the server is gone", async () => {
    const own = await startKServe({ python, serverId: "kserve-gone", models: [{ name: "scorer", kind: "scorer" }] });
    const config = loadConfig({
      KSERVE_MODEL_REGISTRY: JSON.stringify([{ name: "gone", url: own.url, modelName: "scorer", type: "anomaly" }]),
    });
    const app = createApp({ config, logger });
    expect(await (await app.request("/api/v1/models/gone/health")).json()).toMatchObject({ status: "ready" });
    await own.stop();
    const body = await (await app.request("/api/v1/models/gone/health")).json();
    expect(body).toMatchObject({ status: "unavailable", message: expect.stringMatching(/^unreachable: ECONNREFUSED/) });
  });
});

describe("list and get over a registry of real servers", () => {
  it("lists in registry order with resolved URLs", async () => {
    const body = (await (await fetch(`${served.url}/api/v1/models?type=anomaly`)).json()) as {
      models: { name: string; url: string }[];
      total: number;
    };
    expect(body.total).toBe(3);
    expect(body.models.map((m) => [m.name, m.url])).toEqual([
      ["scorer-v1", a.url],
      ["scorer-v2", a.url],
      ["scorer-b", `http://127.0.0.1:${b.port}`],
    ]);
  });
});
