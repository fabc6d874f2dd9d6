import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { startSampleModel } from "@modelgate/sample-model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsApp } from "./helpers.ts";

type Health = { model: string; status: string; service: string | null; namespace: string; message?: string };
const health = async (app: ReturnType<typeof modelsApp>, name: string) => {
  const res = await app.request(`/api/v1/models/${name}/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as Health;
};

describe("health against a model server speaking V1 and V2", () => {
  let sample: Awaited<ReturnType<typeof startSampleModel>>;
  beforeAll(async () => {
    sample = await startSampleModel({ names: ["scorer"] });
  });
  afterAll(() => sample.close());

  it("asks V1 GET /v1/models/{modelName} and V2 GET /v2/models/{modelName}/ready", async () => {
    const asked: string[] = [];
    const spy: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(input, init);
    };
    const app = modelsApp(
      [
        { name: "v1-model", url: sample.url, modelName: "scorer", type: "anomaly" },
        { name: "v2-model", url: sample.url, modelName: "scorer", type: "anomaly", protocol: "v2", namespace: "ml" },
        { name: "missing", url: sample.url, type: "anomaly" },
      ],
      {},
      { fetch: spy },
    );
    expect(await health(app, "v1-model")).toEqual({
      model: "v1-model",
      status: "ready",
      service: null,
      namespace: "self-healing-platform",
    });
    expect(await health(app, "v2-model")).toMatchObject({ status: "ready", namespace: "ml" });
    expect(asked).toEqual([`${sample.url}/v1/models/scorer`, `${sample.url}/v2/models/scorer/ready`]);
    expect(await health(app, "missing")).toEqual({
      model: "missing",
      status: "unavailable",
      service: null,
      namespace: "self-healing-platform",
      message: 'model server answered 404: {"error":"Model with name missing does not exist."}',
    });
  });
});

describe("health of models that do not answer", () => {
  let silent: Server;
  let silentPort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("is unavailable, within the entry's timeout, when the server never answers", async () => {
    const app = modelsApp([{ name: "slow", url: `http://127.0.0.1:${silentPort}`, type: "anomaly", timeoutMs: 300 }]);
    const started = performance.now();
    const body = await health(app, "slow");
    const elapsed = performance.now() - started;
    expect(body).toMatchObject({ status: "unavailable", message: "no answer within 300 ms" });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
  });

  it("caps the wait at 5 s even when KSERVE_TIMEOUT is longer", async () => {
    const seen: (AbortSignal | null | undefined)[] = [];
    const never: typeof fetch = (_input, init) => {
      seen.push(init?.signal);
      return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    };
    const app = modelsApp([{ name: "m", service: "m", type: "anomaly" }], { KSERVE_TIMEOUT: "2m" }, { fetch: never });
    const started = performance.now();
    expect(await health(app, "m")).toMatchObject({ status: "unavailable", message: "no answer within 5000 ms" });
    expect(performance.now() - started).toBeLessThan(6500);
    expect(seen).toHaveLength(1);
  }, 10_000);

  it("is unavailable, naming the cause, when the connection is refused", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const app = modelsApp([{ name: "down", url: `http://127.0.0.1:${port}`, type: "anomaly" }]);
    expect(await health(app, "down")).toMatchObject({
      status: "unavailable",
      message: expect.stringMatching(/^unreachable: ECONNREFUSED/),
    });
  });

  it("is unavailable when the server says the model is not ready", async () => {
    const notReady: typeof fetch = async () => new Response('{"name":"m","ready":false}', { status: 200 });
    const app = modelsApp([{ name: "m", service: "m", type: "anomaly" }], {}, { fetch: notReady });
    expect(await health(app, "m")).toMatchObject({
      status: "unavailable",
      message: "model server reports the model is not ready",
    });
  });

  it("is unavailable with the server's answer on a 503", async () => {
    const busy: typeof fetch = async () => new Response('{"error":"Model with name m is not ready."}', { status: 503 });
    const app = modelsApp([{ name: "m", service: "m", type: "anomaly" }], {}, { fetch: busy });
    expect(await health(app, "m")).toMatchObject({
      status: "unavailable",
      message: 'model server answered 503: {"error":"Model with name m is not ready."}',
    });
  });
});

describe("health of an OpenAI entry", () => {
  let server: ReturnType<typeof createHttpServer>;
  let url = "";
  const asked: string[] = [];
  beforeAll(async () => {
    // Answers OpenAI's model list under /serving/openai, as a KServe OpenAI server with that prefix would.
    server = createHttpServer((req, res) => {
      asked.push(req.url ?? "");
      const listed = req.url === "/serving/openai/v1/models";
      res.writeHead(listed ? 200 : 404, { "content-type": "application/json" });
      res.end(listed ? '{"object":"list","data":[{"id":"chat-model","object":"model"}]}' : '{"detail":"Not Found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("asks GET {openaiPrefix}/v1/models: ready when the list names its modelName, unavailable naming why if not", async () => {
    const entry = { url, type: "predictive", protocol: "openai", openaiPrefix: "/serving/openai" };
    const app = modelsApp([
      { ...entry, name: "chat", modelName: "chat-model" },
      { ...entry, name: "gone", modelName: "other-model" },
      { name: "no-prefix", url, type: "predictive", protocol: "openai", modelName: "chat-model" },
    ]);
    expect(await health(app, "chat")).toMatchObject({ model: "chat", status: "ready" });
    expect(await health(app, "gone")).toMatchObject({
      status: "unavailable",
      message: "model server does not list other-model in /serving/openai/v1/models",
    });
    expect(await health(app, "no-prefix")).toMatchObject({
      status: "unavailable",
      message: 'model server answered 404: {"detail":"Not Found"}',
    });
    expect(asked).toEqual(["/serving/openai/v1/models", "/serving/openai/v1/models", "/openai/v1/models"]);
  });
});
