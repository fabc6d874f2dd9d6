import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { configWith, post, predictApp, servePredict, startUpstream, type UpstreamHandler } from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** The registry of these tests: two OpenAI entries (one behind a prefix of its own) and a KServe one. */
function entries(url: string) {
  return [
    { name: "chat", modelName: "llama-chat", type: "predictive", protocol: "openai", url },
    { name: "chat-b", type: "predictive", protocol: "openai", openaiPrefix: "/serving/oai", url },
    { name: "scorer", type: "anomaly", url },
  ];
}

async function setup(handler?: UpstreamHandler, env: Record<string, string> = {}) {
  const upstream = await startUpstream(handler);
  const predict = predictApp(configWith(entries(upstream.url), env));
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

const json = { "content-type": "application/json" };

/** `{"error": {...}}` in OpenAI's shape, as an answer's JSON. */
async function openaiError(res: Response) {
  return ((await res.json()) as { error: Record<string, unknown> }).error;
}

describe("OpenAI's API: routing by the body's model", () => {
  it("GET /openai/v1/models lists the OpenAI entries, in OpenAI's shape, asking no model", async () => {
    const { upstream, app } = await setup();
    const res = await app.request("/openai/v1/models");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      object: "list",
      data: [
        { id: "chat", object: "model", created: 0, owned_by: "modelgate" },
        { id: "chat-b", object: "model", created: 0, owned_by: "modelgate" },
      ],
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ["/openai/v1/chat/completions", "chat", "/openai/v1/chat/completions", "llama-chat"],
    ["/openai/v1/completions", "chat", "/openai/v1/completions", "llama-chat"],
    ["/openai/v1/embeddings", "chat", "/openai/v1/embeddings", "llama-chat"],
    ["/openai/v1/chat/completions", "chat-b", "/serving/oai/v1/chat/completions", "chat-b"],
  ])(
    "POST %s with model %s goes to %s, model set to %s, the answer passed through",
    async (path, model, upstreamPath, upstreamModel) => {
      const { upstream, app } = await setup((req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"id":"cmpl-1","object":"chat.completion","choices":[]}');
        });
      });
      const body = { model, messages: [{ role: "user", content: "hi" }], temperature: 0 };
      const res = await post(app, path, JSON.stringify(body), { ...json, authorization: "Bearer sk-test" });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"id":"cmpl-1","object":"chat.completion","choices":[]}');
      const seen = upstream.requests[0];
      expect(seen).toMatchObject({ method: "POST", url: upstreamPath });
      expect(JSON.parse(seen?.body.toString() ?? "")).toEqual({ ...body, model: upstreamModel });
      expect(seen?.headers.authorization).toBe("Bearer sk-test");
    },
  );

  it("passes the model server's own errors through as it sends them", async () => {
    const { app } = await setup((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end('{"error":{"message":"bad temperature","type":"BadRequestError","param":null,"code":400}}');
      });
    });
    const res = await post(app, "/openai/v1/chat/completions", '{"model":"chat","temperature":9}', json);
    expect(res.status).toBe(400);
    expect(await openaiError(res)).toMatchObject({ message: "bad temperature" });
  });
});

describe("OpenAI's API: bad input, in OpenAI's shape, nothing sent", () => {
  it.each([
    [
      '{"model":"nope","messages":[]}',
      404,
      { message: "model not found: nope", type: "invalid_request_error", param: "model", code: "model_not_found" },
    ],
    [
      '{"messages":[]}',
      400,
      { message: "you must provide a model parameter", type: "invalid_request_error", param: "model", code: null },
    ],
    ['{"model":7}', 400, { message: "model must be a non-empty string (a registry name)", param: "model" }],
    ['{"model":""}', 400, { param: "model" }],
    ["{not json", 400, { message: expect.stringMatching(/^request body is not valid JSON/), param: null }],
    ["[1]", 400, { message: "request body must be a JSON object" }],
    ["", 400, { message: "request body is empty: expected a JSON object" }],
  ])("%s → %i", async (body, status, expected) => {
    const { upstream, app } = await setup();
    const res = await post(app, "/openai/v1/chat/completions", body, json);
    expect(res.status).toBe(status);
    expect(await openaiError(res)).toMatchObject(expected);
    expect(upstream.requests).toHaveLength(0);
  });

  it("a KServe entry on OpenAI's paths: 404 naming the protocols it speaks", async () => {
    const { upstream, app } = await setup();
    const res = await post(app, "/openai/v1/completions", '{"model":"scorer","prompt":"x"}', json);
    expect(res.status).toBe(404);
    expect(await openaiError(res)).toMatchObject({
      message: expect.stringMatching(/^model scorer speaks KServe's V1\/V2 protocols: call it on \/api\/v1\/models/),
      param: "model",
      code: "model_not_found",
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ["/api/v1/models/chat/predict", '{"instances":[[1]]}'],
    ["/v1/models/chat:predict", '{"instances":[[1]]}'],
    ["/v2/models/chat/infer", '{"inputs":[]}'],
    ["/", '{"model":"chat","instances":[[1]]}'],
  ])("an OpenAI entry on %s: 404 naming OpenAI's paths", async (path, body) => {
    const { upstream, app } = await setup();
    const res = await post(app, path, body, json);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe(
      "model chat speaks OpenAI's API: call it on /openai/v1/chat/completions, /openai/v1/completions or /openai/v1/embeddings",
    );
    expect(upstream.requests).toHaveLength(0);
  });

  it("KServe's model lists leave the OpenAI entries out", async () => {
    const { app } = await setup();
    expect(await (await app.request("/v1/models")).json()).toEqual({ models: ["scorer"] });
  });

  it("an unknown path under /openai/: 404 in OpenAI's shape", async () => {
    const { app } = await setup();
    const res = await app.request("/openai/v1/images/generations", { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(await openaiError(res)).toEqual({
      message: "no route for POST /openai/v1/images/generations",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
  });

  it("a body over MAX_BODY_BYTES: 413 in OpenAI's shape", async () => {
    const { upstream, app } = await setup(undefined, { MAX_BODY_BYTES: "64" });
    const res = await post(
      app,
      "/openai/v1/chat/completions",
      JSON.stringify({ model: "chat", pad: "x".repeat(100) }),
      json,
    );
    expect(res.status).toBe(413);
    expect(await openaiError(res)).toMatchObject({ code: "request_too_large" });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("OpenAI's API: the model server failing", () => {
  it("unreachable: 502 in OpenAI's shape", async () => {
    const { upstream, app } = await setup();
    await upstream.close();
    const res = await post(app, "/openai/v1/chat/completions", '{"model":"chat"}', json);
    expect(res.status).toBe(502);
    expect(await openaiError(res)).toMatchObject({
      message: expect.stringMatching(/^model unavailable: chat: /),
      type: "api_error",
      code: "upstream_unavailable",
    });
  });

  it("slower than the timeout: 504 in OpenAI's shape", async () => {
    const { app } = await setup(() => undefined, { KSERVE_TIMEOUT: "200ms" });
    const res = await post(app, "/openai/v1/chat/completions", '{"model":"chat"}', json);
    expect(res.status).toBe(504);
    expect(await openaiError(res)).toMatchObject({ type: "api_error", code: "upstream_timeout" });
  });
});

/**
 * Server-sent events: `data: <json>` per event, each written after `gapMs`, then `after` (default: `data: [DONE]`
 * and the end). `onCut` is told when the answer's connection was closed before every event was written.
 */
function eventStream(
  events: readonly string[],
  gapMs: number,
  after?: (res: ServerResponse) => void,
  onCut?: () => void,
): UpstreamHandler {
  return (req, res) => {
    req.resume();
    req.on("end", async () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const event of events) {
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        if (res.destroyed) {
          onCut?.();
          return;
        }
        res.write(`data: ${event}\n\n`);
      }
      if (after) after(res);
      else res.end("data: [DONE]\n\n");
    });
  };
}

/** Reads a fetch answer's body, noting when each chunk arrived. */
async function readChunks(res: Response): Promise<{ text: string; at: number }[]> {
  const chunks: { text: string; at: number }[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of res.body ?? []) chunks.push({ text: decoder.decode(chunk as Uint8Array), at: Date.now() });
  return chunks;
}

describe("OpenAI's API: streamed answers, served by Node", () => {
  const events = ['{"n":1}', '{"n":2}', '{"n":3}'];

  async function served(handler: UpstreamHandler) {
    const upstream = await startUpstream(handler);
    const gateway = await servePredict(configWith(entries(upstream.url)));
    cleanups.push(upstream.close, gateway.stop);
    return { upstream, url: gateway.url };
  }

  const streamed = (url: string, signal?: AbortSignal) =>
    fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: '{"model":"chat","stream":true,"messages":[]}',
      ...(signal ? { signal } : {}),
    });

  it("passes each event on as it arrives (not the answer whole), [DONE] included, byte for byte", async () => {
    const { url } = await served(eventStream(events, 150));
    const started = Date.now();
    const res = await streamed(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
    const chunks = await readChunks(res);
    expect(chunks.map((c) => c.text).join("")).toBe(`${events.map((e) => `data: ${e}\n\n`).join("")}data: [DONE]\n\n`);
    const firstEvent = chunks.find((c) => c.text.includes('{"n":1}'));
    const lastEvent = chunks.find((c) => c.text.includes('{"n":3}'));
    // The first event is out about 150 ms in, the last about 450 ms: held whole, both would arrive together.
    expect((firstEvent?.at ?? 0) - started).toBeLessThan(400);
    expect((lastEvent?.at ?? 0) - (firstEvent?.at ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it("ends with an OpenAI error event, never a hang, when the model server closes mid-stream", async () => {
    const { url } = await served(eventStream(events.slice(0, 2), 20, (res) => setTimeout(() => res.destroy(), 50)));
    const res = await streamed(url);
    const text = (await readChunks(res)).map((c) => c.text).join("");
    expect(text.startsWith('data: {"n":1}\n\ndata: {"n":2}\n\n'), JSON.stringify(text)).toBe(true);
    const last = text.trimEnd().split("\n\n").at(-1) ?? "";
    expect(last.startsWith("data: ")).toBe(true);
    expect(JSON.parse(last.slice(6))).toMatchObject({
      error: {
        type: "api_error",
        code: "upstream_unavailable",
        message: expect.stringMatching(/^model unavailable: chat: /),
      },
    });
    expect(text).not.toContain("[DONE]");
  });

  it("aborts the upstream request when the caller disconnects mid-stream", async () => {
    let cut = (): void => {};
    const wasCut = new Promise<void>((resolve) => {
      cut = resolve;
    });
    const nine = [...events, ...events, ...events];
    const { url } = await served(eventStream(nine, 100, undefined, () => cut()));
    const controller = new AbortController();
    const res = await streamed(url, controller.signal);
    await res.body?.getReader().read();
    const aborted = Date.now();
    controller.abort();
    await wasCut;
    // Told at the model server's next write, about 100 ms later: far before the nine events (900 ms) were out.
    expect(Date.now() - aborted).toBeLessThan(600);
  });
});
