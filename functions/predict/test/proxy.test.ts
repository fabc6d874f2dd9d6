import { afterEach, describe, expect, it } from "vitest";
import { configWith, post, predictApp, startUpstream, type Upstream } from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(
  entries: (upstream: Upstream) => Record<string, unknown>[],
  handler?: Parameters<typeof startUpstream>[0],
) {
  const upstream = await startUpstream(handler);
  const predict = predictApp(configWith(entries(upstream)));
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

describe("predict routes: proxying", () => {
  it.each([
    ["predict", "/v1/models/m:predict"],
    ["explain", "/v1/models/m:explain"],
    ["infer", "/v2/models/m/infer"],
  ])("%s goes to %s with the body unchanged and the answer passed through", async (route, path) => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    const body = ' \n{"instances": [[1, 2]]}';
    const res = await post(app, `/api/v1/models/m/${route}`, body, { "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe('{"predictions":[1]}');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.method).toBe("POST");
    expect(upstream.requests[0]?.url).toBe(path);
    expect(upstream.requests[0]?.body.toString()).toBe(body);
  });

  it("uses modelName in the upstream path and keeps a path prefix of the entry's url", async () => {
    const { upstream, app } = await setup((u) => [{ name: "alias", modelName: "real-model", url: `${u.url}/prefix/` }]);
    const res = await post(app, "/api/v1/models/alias/predict", "{}", { "content-length": "2" });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe("/prefix/v1/models/real-model:predict");
  });

  it("builds the url of a port entry from KSERVE_URL_TEMPLATE", async () => {
    const upstream = await startUpstream();
    const config = configWith([{ name: "p", service: "p-predictor", port: upstream.port }], {
      KSERVE_URL_TEMPLATE: "http://127.0.0.1{port}",
    });
    const predict = predictApp(config);
    cleanups.push(upstream.close, predict.close);
    const res = await post(predict.app, "/api/v1/models/p/predict", "{}");
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe("/v1/models/p:predict");
  });

  it.each([
    [404, "application/json", '{"error":"Model with name m does not exist."}'],
    [503, "application/json", '{"error":"Model with name m is not ready."}'],
    [500, "text/plain; charset=utf-8", "KeyError : 'instances'"],
    [400, "application/problem+json", '{"title":"bad"}'],
  ])("passes an upstream %i through: status, content-type and body", async (status, type, text) => {
    const { app } = await setup(
      (u) => [{ name: "m", url: u.url }],
      (req, res) => {
        req.resume();
        res.writeHead(status, { "content-type": type, "x-upstream-only": "1" });
        res.end(text);
      },
    );
    const res = await post(app, "/api/v1/models/m/predict", "{}");
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("x-upstream-only")).toBeNull();
    expect(await res.text()).toBe(text);
  });

  it("passes a 204 through without a body", async () => {
    const { app } = await setup(
      (u) => [{ name: "m", url: u.url }],
      (req, res) => {
        req.resume();
        res.writeHead(204);
        res.end();
      },
    );
    const res = await post(app, "/api/v1/models/m/predict", "{}");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("passes a large answer through intact (streamed, not buffered)", async () => {
    const big = Buffer.alloc(1024 * 1024, "a");
    const { app } = await setup(
      (u) => [{ name: "m", url: u.url }],
      (req, res) => {
        req.resume();
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.write(big.subarray(0, 500_000));
        setTimeout(() => res.end(big.subarray(500_000)), 20);
      },
    );
    const res = await post(app, "/api/v1/models/m/predict", "{}");
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it("streams a large request body without a content-length to the upstream intact", async () => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    const parts = ['{"instances": [', ...Array.from({ length: 2000 }, (_, i) => `${i === 0 ? "" : ","}[${i}]`), "]}"];
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
    const res = await post(app, "/api/v1/models/m/predict", stream, { "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.body.toString()).toBe(parts.join(""));
    expect(upstream.requests[0]?.headers["transfer-encoding"]).toBe("chunked");
  });
});

describe("predict routes: refusals before the upstream", () => {
  it("answers an unknown model 404 without reading the body or calling upstream", async () => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const res = await post(app, "/api/v1/models/nope/predict", body);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model not found: nope" });
    expect(pulled).toBe(false);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ["[1, 2]", 'request body must be a JSON object: it starts with "[", not "{"'],
    ['  \n\t"text"', 'request body must be a JSON object: it starts with "\\"", not "{"'],
    ["42", 'request body must be a JSON object: it starts with "4", not "{"'],
    ["\u00ff{}", 'request body must be a JSON object: it starts with byte 0xc3, not "{"'],
    ["", "request body is empty: expected a JSON object"],
    [" \r\n ", "request body is empty: expected a JSON object"],
  ])("answers 400 for the body %j without calling upstream", async (body, message) => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    const res = await post(app, "/api/v1/models/m/predict", body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: message });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 413 for a declared content-length over MAX_BODY_BYTES without calling upstream", async () => {
    const upstream = await startUpstream();
    const predict = predictApp(configWith([{ name: "m", url: upstream.url }], { MAX_BODY_BYTES: "10" }));
    cleanups.push(upstream.close, predict.close);
    const res = await post(predict.app, "/api/v1/models/m/predict", '{"a": 12345}', { "content-length": "12" });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body larger than 10 bytes (MAX_BODY_BYTES)" });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 413 when a streamed body goes over MAX_BODY_BYTES, aborting the upstream request", async () => {
    let upstreamSaw = (): void => {};
    const seen = new Promise<void>((resolve) => {
      upstreamSaw = resolve;
    });
    const upstream = await startUpstream((req, res) => {
      upstreamSaw();
      req.resume();
      req.on("end", () => res.end("{}"));
    });
    const predict = predictApp(configWith([{ name: "m", url: upstream.url }], { MAX_BODY_BYTES: "1000" }));
    cleanups.push(upstream.close, predict.close);
    const chunk = new TextEncoder().encode(`{"a": "${"x".repeat(600)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent++ === 1) await seen; // the second chunk only once the upstream request is under way
        controller.enqueue(chunk);
      },
    });
    const res = await post(predict.app, "/api/v1/models/m/predict", body);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body larger than 1000 bytes (MAX_BODY_BYTES)" });
    const request = upstream.requests[0];
    expect(request).toBeDefined();
    await request?.closed;
    expect(request?.complete).toBe(false);
  });

  it("answers 413 for a first chunk already over the limit", async () => {
    const { upstream, app } = await (async () => {
      const upstream = await startUpstream();
      const predict = predictApp(configWith([{ name: "m", url: upstream.url }], { MAX_BODY_BYTES: "4" }));
      cleanups.push(upstream.close, predict.close);
      return { upstream, app: predict.app };
    })();
    const res = await post(app, "/api/v1/models/m/predict", '{"ab": 1}');
    expect(res.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("predict routes: headers", () => {
  it("forwards the contract's headers only, and echoes the caller's x-request-id", async () => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    const res = await post(app, "/api/v1/models/m/predict", "{}", {
      "content-type": "application/json",
      accept: "application/json",
      authorization: "Bearer t0ken",
      "x-request-id": "req-42",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "vendor=1",
      "ce-id": "e1",
      "ce-type": "dev.example",
      cookie: "session=secret",
      "x-other": "no",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("req-42");
    const seen = upstream.requests[0]?.headers ?? {};
    expect(seen).toMatchObject({
      "content-type": "application/json",
      accept: "application/json",
      authorization: "Bearer t0ken",
      "x-request-id": "req-42",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "vendor=1",
      "ce-id": "e1",
      "ce-type": "dev.example",
    });
    expect(seen.cookie).toBeUndefined();
    expect(seen["x-other"]).toBeUndefined();
  });

  it("generates an x-request-id when absent, sends it upstream and echoes it", async () => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    const res = await post(app, "/api/v1/models/m/predict", "{}");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.requests[0]?.headers["x-request-id"]).toBe(id);
  });

  it("sends content-type application/json when the caller sends none, and keeps the caller's otherwise", async () => {
    const { upstream, app } = await setup((u) => [{ name: "m", url: u.url }]);
    await post(app, "/api/v1/models/m/predict", "{}");
    await post(app, "/api/v1/models/m/predict", "{}", { "content-type": "application/json; charset=utf-8" });
    expect(upstream.requests.map((r) => r.headers["content-type"])).toEqual([
      "application/json",
      "application/json; charset=utf-8",
    ]);
  });

  it("also sets x-request-id on its own errors", async () => {
    const { app } = await setup((u) => [{ name: "m", url: u.url }]);
    const res = await post(app, "/api/v1/models/nope/predict", "{}", { "x-request-id": "r-1" });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("r-1");
  });
});
