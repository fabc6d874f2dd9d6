import { Writable } from "node:stream";
import { type AppEnv, createBaseApp, createLogger, ListenError } from "@modelgate/http";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayApp, dispatchRoot, type Gateway, ROUTES, startGateway } from "../src/index.ts";

const logger = createLogger({ name: "gateway-test", level: "silent" });

/** An app that answers every request with its own name, the path and the body it received. */
function echo(name: string): Hono<AppEnv> {
  const app = createBaseApp({ name, logger });
  app.all("*", async (c) => c.json({ fn: name, method: c.req.method, path: c.req.path, body: await c.req.text() }));
  return app;
}

const gateway = createGatewayApp(
  { models: echo("models"), predict: echo("predict"), deploy: echo("deploy") },
  { logger, maxBodyBytes: 1024 },
);
const concrete = (path: string) => path.replace(":namespace", "ns-1").replace(":name", "model-1");

describe("the gateway's routing", () => {
  it.each(ROUTES.map((route) => [route.method, route.path, route.fn] as const))(
    "%s %s → %s",
    async (method, path, fn) => {
      const res = await gateway.request(concrete(path), { method, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ fn, method, path: concrete(path) });
    },
  );

  it("sends other paths of a function's prefix to it, as an ingress does (the function answers its 404)", async () => {
    expect(await (await gateway.request("/api/v1/models/a/b/c")).json()).toMatchObject({ fn: "models" });
    expect(await (await gateway.request("/api/v1/deploy", { method: "GET" })).json()).toMatchObject({ fn: "deploy" });
    expect(await (await gateway.request("/openai/v1/images")).json()).toMatchObject({ fn: "predict" });
  });

  it("answers 404 itself for paths of no function", async () => {
    const res = await gateway.request("/api/v2/models");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route for GET /api/v2/models" });
  });

  it("answers its own health routes", async () => {
    expect(await (await gateway.request("/health/readiness")).json()).toEqual({ status: "ready", function: "gateway" });
  });
});

describe("POST / dispatch", () => {
  it.each([
    [{ "ce-specversion": "1.0", "ce-type": "x" }, "{}", "deploy"],
    [{ "content-type": "application/cloudevents+json" }, '{"specversion":"1.0"}', "deploy"],
    [{ "content-type": "application/cloudevents-batch+json" }, '[{"specversion":"1.0"}]', "deploy"],
    [{}, '{"model":"a","instances":[[1]]}', "predict"],
    [{}, '{"instances":[[1]]}', "predict"],
    [{}, '{"inputs":[]}', "predict"],
    [{}, '{"message":"Hello World"}', "models"],
    [{}, "not json", "models"],
    [{}, "[1,2]", "models"],
  ])("%j %s → %s", async (headers, body, fn) => {
    expect(dispatchRoot(new Headers(headers), body)).toBe(fn);
    const res = await gateway.request("/", { method: "POST", headers, body });
    expect(await res.json()).toMatchObject({ fn, path: "/", body });
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await gateway.request("/", { method: "POST", body: "x".repeat(2000) });
    expect(res.status).toBe(413);
  });
});

describe("startGateway", () => {
  describe("with no registry configured", () => {
    let gw: Gateway;
    beforeAll(async () => {
      gw = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger, hostname: "127.0.0.1" });
    });
    afterAll(() => gw.close());

    it("serves the example registry, whose models are ready on the sample model", async () => {
      expect(gw.config.registrySource).toBe("example");
      const list = (await (await fetch(`${gw.served.url}/api/v1/models`)).json()) as {
        models: { name: string; url: string }[];
      };
      expect(list.models.map((m) => m.name)).toEqual([
        "anomaly-detector",
        "predictive-analytics",
        "failure-classifier",
        "assistant",
      ]);
      expect(list.models[0]?.url).toBe(gw.sample?.url);
      for (const model of list.models) {
        const health = await (await fetch(`${gw.served.url}/api/v1/models/${model.name}/health`)).json();
        expect(health).toMatchObject({ model: model.name, status: "ready" });
      }
    });
  });

  it("answers a CloudEvents batch on POST / with a 400 from deploy, never the models list", async () => {
    const gw = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger, hostname: "127.0.0.1" });
    try {
      const res = await fetch(`${gw.served.url}/`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents-batch+json" },
        body: JSON.stringify([{ specversion: "1.0", id: "1", source: "/t", type: "dev.modelgate.deploy.requested" }]),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("batched CloudEvents are not accepted");
    } finally {
      await gw.close();
    }
  });

  it("serves the user's registry instead, with no sample model", async () => {
    const gw = await startGateway({
      env: { PORT: "0", KSERVE_MODEL_REGISTRY: '[{"name":"mine","service":"mine","type":"predictive"}]' },
      logger,
      hostname: "127.0.0.1",
    });
    try {
      expect(gw.sample).toBeUndefined();
      const list = (await (await fetch(`${gw.served.url}/api/v1/models`)).json()) as { total: number };
      expect(list.total).toBe(1);
    } finally {
      await gw.close();
    }
  });

  describe("where it listens", () => {
    function capture() {
      const lines: { level: number; msg: string }[] = [];
      const destination = new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
          done();
        },
      });
      return { lines, logger: createLogger({ name: "gateway-test", destination }) };
    }
    const REGISTRY = '[{"name":"mine","url":"http://127.0.0.1:9","type":"predictive"}]';

    it("on 127.0.0.1 by default, and logs it", async () => {
      const seen = capture();
      const gw = await startGateway({ env: { PORT: "0", KSERVE_MODEL_REGISTRY: REGISTRY }, logger: seen.logger });
      await gw.close();
      expect(gw.served.hostname).toBe("127.0.0.1");
      expect(seen.lines.map((line) => line.msg)).toContain(`listening on 127.0.0.1:${gw.served.port}`);
    });

    it("where MODELGATE_HOST says, warning loudly when auth is off and the address is not loopback", async () => {
      const open = capture();
      const gw = await startGateway({
        env: { PORT: "0", KSERVE_MODEL_REGISTRY: REGISTRY, MODELGATE_HOST: "0.0.0.0", MODELGATE_AUTH: "none" },
        logger: open.logger,
      });
      await gw.close();
      expect(gw.served.hostname).toBe("0.0.0.0");
      const warnings = open.lines.filter((line) => line.level === 40).map((line) => line.msg);
      expect(warnings).toContainEqual(
        expect.stringContaining(
          "MODELGATE_AUTH=none and listening on 0.0.0.0, not loopback: anyone who can reach port",
        ),
      );

      const quiet = capture();
      const local = await startGateway({
        env: { PORT: "0", KSERVE_MODEL_REGISTRY: REGISTRY, MODELGATE_AUTH: "none" },
        logger: quiet.logger,
      });
      await local.close();
      expect(quiet.lines.filter((line) => line.msg.includes("not loopback"))).toEqual([]);
    });

    it("refuses a taken port with a ListenError naming it", async () => {
      const first = await startGateway({ env: { PORT: "0" }, logger });
      try {
        const second = startGateway({ env: { PORT: String(first.served.port) }, logger });
        await expect(second).rejects.toBeInstanceOf(ListenError);
        await expect(second).rejects.toThrow(`port ${first.served.port} is already in use on 127.0.0.1`);
      } finally {
        await first.close();
      }
    });
  });

  it("throws the configuration's problems before listening", async () => {
    await expect(startGateway({ env: { PORT: "0", KSERVE_MODEL_REGISTRY: "[{}]" }, logger })).rejects.toThrow(
      /KSERVE_MODEL_REGISTRY\[0\]\.name: is required/,
    );
  });
});

describe("x-request-id through the gateway", () => {
  it("keeps the id the mounted function answered with (the one it sent upstream)", async () => {
    const inner = createBaseApp({ name: "inner", logger });
    inner.all("*", (c) => c.json({ id: c.get("requestId") }));
    const gw = createGatewayApp({ models: inner, predict: inner, deploy: inner }, { logger, maxBodyBytes: 1024 });
    for (const init of [{}, { method: "POST", body: '{"model":"a"}' }] as const) {
      const path = "method" in init ? "/" : "/api/v1/models";
      const res = await gw.request(path, init);
      // Headers first: once @hono/node-server has replaced the global Response (an earlier test served a real
      // socket), reading the body rebuilds the response from its original init.
      const header = res.headers.get("x-request-id");
      const { id } = (await res.json()) as { id: string };
      expect(header, path).toBe(id);
    }
    const given = await gw.request("/api/v1/models", { headers: { "x-request-id": "caller-1" } });
    expect(given.headers.get("x-request-id")).toBe("caller-1");
    expect(await given.json()).toEqual({ id: "caller-1" });
  });
});
