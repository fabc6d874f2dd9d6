import { afterEach, describe, expect, it } from "vitest";
import { configWith, post, predictApp, startUpstream, type UpstreamHandler } from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function answering(status: number, body: string, type = "application/json"): UpstreamHandler {
  return (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    });
  };
}

async function setup(handler?: UpstreamHandler, entry: Record<string, unknown> = {}) {
  const upstream = await startUpstream(handler);
  const predict = predictApp(
    configWith([{ name: "detector", modelName: "iforest", protocol: "v2", url: upstream.url, ...entry }]),
  );
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

describe("POST /api/v1/detect (KubeHeal shapes)", () => {
  it("asks V1 predict whatever the entry's protocol and answers predictions with the registry name", async () => {
    const { upstream, app } = await setup(answering(200, '{"predictions": [0.1, -1], "server_id": "x"}'));
    const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1, 2], [3, 4]], "extra": 1}', {
      "x-request-id": "d-1",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("d-1");
    expect(await res.json()).toEqual({ predictions: [0.1, -1], model_name: "detector" });
    expect(upstream.requests[0]?.url).toBe("/v1/models/iforest:predict");
    expect(upstream.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(upstream.requests[0]?.headers["x-request-id"]).toBe("d-1");
    expect(JSON.parse(upstream.requests[0]?.body.toString() ?? "")).toEqual({
      instances: [
        [1, 2],
        [3, 4],
      ],
    });
  });

  it("passes the model's model_version on", async () => {
    const { app } = await setup(answering(200, '{"predictions": [1], "model_version": "v3"}'));
    const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    expect(await res.json()).toEqual({ predictions: [1], model_name: "detector", model_version: "v3" });
  });

  it.each([
    ["not json", "request body is not valid JSON"],
    ["[1]", "request body must be a JSON object"],
    ['{"instances": [[1]]}', 'missing "model" (a registry name)'],
    ['{"model": 7, "instances": [[1]]}', '"model" must be a non-empty string'],
    ['{"model": "detector"}', 'missing "instances"'],
    ['{"model": "detector", "instances": []}', '"instances" must be a non-empty array'],
    ['{"model": "detector", "instances": {"a": 1}}', '"instances" must be a non-empty array'],
  ])("answers 400 with success false for %s", async (body, message) => {
    const { upstream, app } = await setup();
    const res = await post(app, "/api/v1/detect", body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; success: boolean };
    expect(json.success).toBe(false);
    expect(json.error.startsWith(message)).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 404 with success false for an unknown model", async () => {
    const { app } = await setup();
    const res = await post(app, "/api/v1/detect", '{"model": "nope", "instances": [[1]]}');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model not found: nope", success: false });
  });

  it("answers 413 with success false for a body over the limit", async () => {
    const upstream = await startUpstream();
    const predict = predictApp(configWith([{ name: "detector", url: upstream.url }], { MAX_BODY_BYTES: "20" }));
    cleanups.push(upstream.close, predict.close);
    const res = await post(predict.app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body larger than 20 bytes (MAX_BODY_BYTES)", success: false });
  });

  it("answers 503 model unavailable when the model is unreachable", async () => {
    const gone = await startUpstream();
    await gone.close();
    const predict = predictApp(configWith([{ name: "detector", url: gone.url }]));
    cleanups.push(predict.close);
    const res = await post(predict.app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: `model unavailable: detector: connect ECONNREFUSED 127.0.0.1:${gone.port}`,
      success: false,
    });
  });

  it("answers 503 model unavailable when the model is too slow", async () => {
    const { app } = await setup((req) => req.resume(), { timeoutMs: 200 });
    const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "model unavailable: detector: no answer within 200 ms", success: false });
  });

  it("answers 500 Prediction failed with the model's status and body for a non-2xx answer", async () => {
    const { app } = await setup(answering(500, `{"error": "KeyError : 'instances'"}`));
    const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: `Prediction failed: model detector returned status 500: {"error": "KeyError : 'instances'"}`,
      success: false,
    });
  });

  it.each([['{"scores": [1]}'], ["not json at all"], ['{"predictions": 1}']])(
    "answers 500 when a 2xx answer has no predictions array: %s",
    async (body) => {
      const { app } = await setup(answering(200, body));
      const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: `Prediction failed: model detector returned no predictions: ${body}`,
        success: false,
      });
    },
  );

  it("cuts a long upstream body in its error message", async () => {
    const { app } = await setup(answering(502, "x".repeat(5_000), "text/plain"));
    const res = await post(app, "/api/v1/detect", '{"model": "detector", "instances": [[1]]}');
    const json = (await res.json()) as { error: string };
    expect(json.error).toBe(`Prediction failed: model detector returned status 502: ${"x".repeat(2_000)}…`);
  });
});
