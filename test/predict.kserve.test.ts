import { loadConfig } from "@modelgate/config";
import { createLogger, type Served, serve } from "@modelgate/http";
import { createApp } from "@modelgate/predict";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { NodeHttpDispatcher } from "../functions/predict/src/node-http-dispatcher.ts";
import type { UpstreamDispatcher } from "../functions/predict/src/upstream-dispatcher.ts";

/**
 * The predict function, served on an ephemeral port, in front of the three real KServe model servers of the
 * kserve project (test/kserve/README.md): what KServe answers must reach the caller unchanged. Twice: with undici's
 * pool (a process's calls once warm) and with the dispatcher a process starts with, whose first calls go over
 * node:http (functions/predict/src/warming-dispatcher.ts), here for every call.
 */
const { a, b, c } = inject("kserve");

const registry = [
  // namespace team-a, server a, by url
  { name: "scorer", type: "anomaly", namespace: "team-a", url: a.url },
  { name: "raiser", type: "anomaly", namespace: "team-a", url: a.url },
  { name: "dormant", type: "anomaly", namespace: "team-a", url: a.url },
  { name: "ghost", type: "anomaly", namespace: "team-a", modelName: "no-such-model", url: a.url },
  { name: "scorer-v2", type: "anomaly", namespace: "team-a", modelName: "scorer", protocol: "v2", url: a.url },
  // namespace team-b, server b, registry name differs from the model's name
  { name: "alias-b", type: "predictive", namespace: "team-b", modelName: "scorer-b", url: b.url },
  // namespace team-c, server c, by service + port through KSERVE_URL_TEMPLATE
  {
    name: "ported-c",
    type: "classification",
    namespace: "team-c",
    service: "c-predictor",
    port: c.port,
    modelName: "scorer-c",
  },
];

/** The upstream dispatchers a predict process uses: undici once warm, node:http for its first calls. */
const DISPATCHERS: [string, () => UpstreamDispatcher][] = [
  ["undici", () => new Agent({ headersTimeout: 0, bodyTimeout: 0 })],
  ["node:http", () => new NodeHttpDispatcher()],
];

describe.each(DISPATCHERS)("upstream calls over %s", (_kind, makeDispatcher) => {
  let served: Served;
  let dispatcher: ReturnType<typeof makeDispatcher>;

  beforeAll(async () => {
    const config = loadConfig({
      KSERVE_MODEL_REGISTRY: JSON.stringify(registry),
      KSERVE_URL_TEMPLATE: "http://127.0.0.1{port}",
      KSERVE_TIMEOUT: "20s",
    });
    expect(config.registry.get("ported-c")?.url).toBe(`http://127.0.0.1:${c.port}`);
    dispatcher = makeDispatcher();
    const logger = createLogger({ name: "predict", level: "silent" });
    served = await serve(createApp({ config, logger, dispatcher }), { port: 0, hostname: "127.0.0.1" });
  });

  afterAll(async () => {
    await served?.close();
    await dispatcher?.close();
  });

  interface Answer {
    readonly status: number;
    readonly contentType: string | null;
    readonly requestId: string | null;
    readonly text: string;
  }

  async function send(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(url, { method: "POST", body, headers });
    return {
      status: res.status,
      contentType: res.headers.get("content-type"),
      requestId: res.headers.get("x-request-id"),
      text: await res.text(),
    };
  }

  const json = { "content-type": "application/json" };
  const predictUrl = (name: string, op = "predict") => `${served.url}/api/v1/models/${name}/${op}`;

  /** What KServe itself answers, status, content-type and body, without modelgate in between. */
  async function direct(base: string, path: string, body: string): Promise<Omit<Answer, "requestId">> {
    const { status, contentType, text } = await send(`${base}${path}`, body, json);
    return { status, contentType, text };
  }

  const v1 = JSON.stringify({ instances: [[1, -2, 3, -4], [0.5]] });
  const v2 = JSON.stringify({
    id: "r1",
    inputs: [{ name: "x", shape: [2, 2], datatype: "FP32", data: [1, -2, 3, -4] }],
  });

  describe("predict → real KServe: answers", () => {
    it("V1 predict", async () => {
      const answer = await send(predictUrl("scorer"), v1, json);
      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe("application/json");
      expect(JSON.parse(answer.text)).toEqual({ predictions: [2.5, 0.5], server_id: "kserve-a" });
    });

    it("V1 explain", async () => {
      const answer = await send(predictUrl("scorer", "explain"), v1, json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ explanations: [[0.25, 0.5, 0.75, 1], [0.5]], server_id: "kserve-a" });
    });

    it("V2 infer", async () => {
      const answer = await send(predictUrl("scorer", "infer"), v2, json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({
        model_name: "scorer",
        id: "r1",
        parameters: { server_id: "kserve-a" },
        outputs: [{ name: "score", shape: [2], datatype: "FP32", data: [1.5, 3.5] }],
      });
    });

    it("sends content-type application/json for a caller that sets none (KServe then decodes the body)", async () => {
      const answer = await send(predictUrl("scorer", "infer"), new TextEncoder().encode(v2));
      expect(answer.status).toBe(200);
    });

    it("streams a 2 MB body to KServe and passes its answer back", async () => {
      const rows = Array.from({ length: 60_000 }, (_, i) => [i, -i, 2 * i]);
      const body = JSON.stringify({ instances: rows });
      expect(body.length).toBeGreaterThan(1_000_000);
      const answer = await send(predictUrl("scorer"), body, json);
      expect(answer.status).toBe(200);
      const predictions = (JSON.parse(answer.text) as { predictions: number[] }).predictions;
      expect(predictions).toHaveLength(rows.length);
      expect(predictions[3]).toBe((3 + 3 + 6) / 3);
    });
  });

  describe("predict → real KServe: KServe's errors pass through unchanged", () => {
    it.each([
      ["a model the server does not have (404)", "ghost", "/v1/models/no-such-model:predict", 404],
      ["a model that raises (500)", "raiser", "/v1/models/raiser:predict", 500],
      ["a registered model that is not ready (503)", "dormant", "/v1/models/dormant:predict", 503],
    ])("%s", async (_, name, path, status) => {
      const expected = await direct(a.url, path, v1);
      expect(expected.status).toBe(status);
      const answer = await send(predictUrl(name), v1, json);
      expect({ status: answer.status, contentType: answer.contentType, text: answer.text }).toEqual(expected);
    });

    it("a model that raises on explain and infer (500)", async () => {
      for (const [op, path, body] of [
        ["explain", "/v1/models/raiser:explain", v1],
        ["infer", "/v2/models/raiser/infer", v2],
      ] as const) {
        const answer = await send(predictUrl("raiser", op), body, json);
        expect(answer.status).toBe(500);
        expect(answer.text).toBe((await direct(a.url, path, body)).text);
      }
    });

    it("KServe's own 400 for bad input", async () => {
      const answer = await send(predictUrl("scorer"), '{"instances": "x"}', json);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({ error: 'Expected "instances" to be a list' });
    });

    it("the caller's content-type reaches KServe unchanged (it then refuses a V2 body that is not exactly JSON)", async () => {
      const textPlain = { "content-type": "text/plain;charset=UTF-8" };
      const expected = await send(`${a.url}/v2/models/scorer/infer`, v2, textPlain);
      expect(expected.status).toBe(400);
      const answer = await send(predictUrl("scorer", "infer"), v2, textPlain);
      expect([answer.status, answer.contentType, answer.text]).toEqual([400, expected.contentType, expected.text]);
    });
  });

  describe("predict → real KServe: connections KServe closes", () => {
    // uvicorn closes the connection after a model's exception, without "connection: close": the pooled
    // connection is then dead when the next request takes it.
    it("answers the request after a model's 500 (small body)", async () => {
      for (let i = 0; i < 3; i++) {
        expect((await send(predictUrl("raiser"), v1, json)).status).toBe(500);
        expect((await send(predictUrl("scorer"), v1, json)).status).toBe(200);
      }
    });

    it("answers the request after a model's 500 (streamed 1 MB body)", async () => {
      const body = JSON.stringify({ instances: Array.from({ length: 50_000 }, (_, i) => [i, 1]) });
      for (let i = 0; i < 3; i++) {
        expect((await send(predictUrl("raiser"), v1, json)).status).toBe(500);
        expect((await send(predictUrl("scorer"), body, json)).status).toBe(200);
      }
    });
  });

  describe("predict → real KServe: routing by registry entry", () => {
    it("reaches a model whose registry name differs from its modelName", async () => {
      const answer = await send(predictUrl("alias-b"), v1, json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ predictions: [2.5, 0.5], server_id: "kserve-b" });
    });

    it("reaches a port entry through KSERVE_URL_TEMPLATE", async () => {
      const answer = await send(predictUrl("ported-c", "infer"), v2, json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ model_name: "scorer-c", parameters: { server_id: "kserve-c" } });
    });

    it("tells three models in three namespaces apart: each answer comes from its own server", async () => {
      const names = ["scorer", "alias-b", "ported-c"];
      const answers = await Promise.all(names.flatMap((name) => [1, 2, 3].map(() => send(predictUrl(name), v1, json))));
      const ids = answers.map((answer) => (JSON.parse(answer.text) as { server_id: string }).server_id);
      expect(ids).toEqual([
        "kserve-a",
        "kserve-a",
        "kserve-a",
        "kserve-b",
        "kserve-b",
        "kserve-b",
        "kserve-c",
        "kserve-c",
        "kserve-c",
      ]);
    });

    it("echoes the caller's x-request-id", async () => {
      const answer = await send(predictUrl("scorer"), v1, { ...json, "x-request-id": "kserve-req-1" });
      expect(answer.requestId).toBe("kserve-req-1");
    });
  });

  describe("predict → real KServe: /api/v1/detect and POST /", () => {
    it("detect answers KubeHeal's shape from the real model", async () => {
      const answer = await send(
        `${served.url}/api/v1/detect`,
        '{"model": "alias-b", "instances": [[1, -1], [4]]}',
        json,
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ predictions: [1, 4], model_name: "alias-b" });
    });

    it("detect: a model that raises → 500 Prediction failed with KServe's status and body", async () => {
      const answer = await send(`${served.url}/api/v1/detect`, '{"model": "raiser", "instances": [[1]]}', json);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual({
        error: `Prediction failed: model raiser returned status 500: {"error":"KeyError : 'instances'"}`,
        success: false,
      });
    });

    it("detect: a model that is not ready → 500 naming status 503", async () => {
      const answer = await send(`${served.url}/api/v1/detect`, '{"model": "dormant", "instances": [[1]]}', json);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual({
        error:
          'Prediction failed: model dormant returned status 503: {"error":"Model with name dormant is not ready."}',
        success: false,
      });
    });

    it("POST / sends a V1 entry's instances to :predict", async () => {
      const answer = await send(`${served.url}/`, '{"model": "scorer", "instances": [[3, -3]]}', json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ predictions: [3], server_id: "kserve-a" });
    });

    it("POST / sends a V2 entry's inputs to /infer", async () => {
      const body = JSON.stringify({
        model: "scorer-v2",
        inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: [2, -4] }],
      });
      const answer = await send(`${served.url}/`, body, json);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ model_name: "scorer", outputs: [{ name: "score", data: [3] }] });
    });
  });
});
