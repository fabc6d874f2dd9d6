import { afterEach, describe, expect, it } from "vitest";
import { configWith, post, predictApp, startUpstream } from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const WHAT_TO_SEND =
  'send {"model": "<registry name>", "instances": [...]} (V1 protocol) or {"model": "<registry name>", "inputs": [...]} (V2 protocol)';

async function setup() {
  const upstream = await startUpstream();
  const predict = predictApp(
    configWith([
      { name: "v1-model", modelName: "inner", url: upstream.url },
      { name: "v2-model", protocol: "v2", url: upstream.url },
    ]),
  );
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

describe("POST / (kn func invoke)", () => {
  it("sends a V1 entry's instances to :predict without the model field and passes the answer through", async () => {
    const { upstream, app } = await setup();
    const res = await post(app, "/", '{"model": "v1-model", "instances": [[1, 2]], "parameters": {"k": 1}}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"predictions":[1]}');
    expect(upstream.requests[0]?.url).toBe("/v1/models/inner:predict");
    expect(upstream.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(upstream.requests[0]?.body.toString() ?? "")).toEqual({
      instances: [[1, 2]],
      parameters: { k: 1 },
    });
  });

  it("sends a V2 entry's inputs to /infer", async () => {
    const { upstream, app } = await setup();
    const inputs = [{ name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] }];
    const res = await post(app, "/", JSON.stringify({ model: "v2-model", inputs }));
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe("/v2/models/v2-model/infer");
    expect(JSON.parse(upstream.requests[0]?.body.toString() ?? "")).toEqual({ inputs });
  });

  it.each([
    ['{"message": "Hello World"}', `this is the predict function: ${WHAT_TO_SEND}`],
    ["{}", `this is the predict function: ${WHAT_TO_SEND}`],
    ['{"instances": [[1]]}', `missing "model" next to "instances": ${WHAT_TO_SEND}`],
    ['{"inputs": []}', `missing "model" next to "inputs": ${WHAT_TO_SEND}`],
    ['{"model": "v1-model"}', `missing "instances" (V1 protocol) or "inputs" (V2 protocol): ${WHAT_TO_SEND}`],
    ['{"model": "", "instances": [[1]]}', `"model" must be a non-empty string: ${WHAT_TO_SEND}`],
    [
      '{"model": "v2-model", "instances": [[1]]}',
      'model v2-model uses the V2 protocol: send "inputs" (a V2 inference request), not "instances"',
    ],
    ['{"model": "v1-model", "inputs": []}', 'model v1-model uses the V1 protocol: send "instances", not "inputs"'],
    ["[]", `request body must be a JSON object: ${WHAT_TO_SEND}`],
    ["", `request body is empty: expected a JSON object: ${WHAT_TO_SEND}`],
    ["hello", expect.stringMatching(/^request body is not valid JSON: .*: send \{"model"/)],
  ])("answers 400 saying what to send for %s", async (body, message) => {
    const { upstream, app } = await setup();
    const res = await post(app, "/", body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: message });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 404 for an unknown model", async () => {
    const { app } = await setup();
    const res = await post(app, "/", '{"model": "nope", "instances": [[1]]}');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model not found: nope" });
  });

  it("answers 413 over MAX_BODY_BYTES", async () => {
    const upstream = await startUpstream();
    const predict = predictApp(configWith([{ name: "m", url: upstream.url }], { MAX_BODY_BYTES: "10" }));
    cleanups.push(upstream.close, predict.close);
    const res = await post(predict.app, "/", '{"model": "m", "instances": [[1]]}');
    expect(res.status).toBe(413);
  });
});

describe("predict function basics", () => {
  it("answers the health probes", async () => {
    const { app } = await setup();
    expect((await app.request("/health/liveness")).status).toBe(200);
    expect(await (await app.request("/health/readiness")).json()).toEqual({ status: "ready", function: "predict" });
  });

  it("answers an unknown route 404 in JSON", async () => {
    const { app } = await setup();
    const res = await app.request("/api/v1/models/v1-model/predict");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route for GET /api/v1/models/v1-model/predict" });
  });
});
