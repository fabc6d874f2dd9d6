import { afterEach, describe, expect, it } from "vitest";
import { REPLAY_BYTES } from "../src/request-body.ts";
import { configWith, post, predictApp, startUpstream, type UpstreamHandler } from "./fixtures.ts";

/**
 * A kept-alive upstream connection that the server closed after its last answer (uvicorn does so after a
 * model's exception) fails the next request before any answer: it is sent once more on a fresh connection.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(handler: UpstreamHandler) {
  const upstream = await startUpstream(handler);
  const predict = predictApp(configWith([{ name: "m", url: upstream.url }]));
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

/** Answers, except that the second request to arrive finds its connection destroyed (a stale keep-alive). */
function staleSecond(): UpstreamHandler {
  let count = 0;
  return (req, res) => {
    if (++count === 2) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on("end", () => res.end(`{"n":${count}}`));
  };
}

/** `{` then `size - 1` bytes of digits: a body that is recognisably the same when replayed. */
function bodyOf(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = 0x30 + (i % 10);
  body[0] = 0x7b;
  return body;
}

/** {@link bodyOf} in 16 KiB chunks, one per pull. */
function streamOf(size: number): ReadableStream<Uint8Array> {
  const body = bodyOf(size);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= size) controller.close();
      else {
        controller.enqueue(body.subarray(offset, offset + 16_384));
        offset += 16_384;
      }
    },
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe("a connection the upstream closed", () => {
  it("sends a whole body once more on a fresh connection", async () => {
    const { upstream, app } = await setup(staleSecond());
    expect(await (await post(app, "/api/v1/models/m/predict", "{}", { "content-length": "2" })).text()).toBe('{"n":1}');
    const res = await post(app, "/api/v1/models/m/predict", '{"a":1}', { "content-length": "7" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"n":3}');
    expect(upstream.requests).toHaveLength(3);
    expect(upstream.requests[2]?.body.toString()).toBe('{"a":1}');
    expect(upstream.connections).toBe(2);
  });

  it("sends a streamed body once more while only its first chunks were sent", async () => {
    const { upstream, app } = await setup(staleSecond());
    await post(app, "/api/v1/models/m/predict", "{}", { "content-length": "2" });
    const encoder = new TextEncoder();
    const parts = ['{"a":', "[1,2,3]", "}"];
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // the caller's next chunk comes only after the first connection broke and the retry went out
        if (parts.length === 2) await until(() => upstream.requests.length === 3);
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(encoder.encode(part));
      },
    });
    const res = await post(app, "/api/v1/models/m/predict", body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"n":3}');
    expect(upstream.requests[2]?.body.toString()).toBe('{"a":[1,2,3]}');
  });

  it("retries once only: a second reset is a 502", async () => {
    const { upstream, app } = await setup((req) => req.socket.destroy());
    const res = await post(app, "/api/v1/models/m/predict", "{}", { "content-length": "2" });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/^model unavailable: m: /);
    expect(upstream.requests).toHaveLength(2);
  });

  it("replays a streamed body of which up to REPLAY_BYTES went out", async () => {
    let received = 0;
    const { upstream, app } = await setup((req, res) => {
      req.on("data", (chunk: Buffer) => {
        received += chunk.byteLength;
        if (upstream.requests.length === 1 && received > 100_000) req.socket.destroy();
      });
      req.on("end", () => res.end(`{"received":${received}}`));
    });
    const size = 500_000;
    const res = await post(app, "/api/v1/models/m/predict", streamOf(size), { "content-length": String(size) });
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.requests[1]?.body.byteLength).toBe(size);
    expect(upstream.requests[1]?.body.equals(bodyOf(size))).toBe(true);
  });

  it("does not resend a streamed body once more than REPLAY_BYTES went out: 502", async () => {
    let received = 0;
    const { upstream, app } = await setup((req) => {
      req.on("data", (chunk: Buffer) => {
        received += chunk.byteLength;
        if (received > REPLAY_BYTES + 100_000) req.socket.destroy();
      });
    });
    const size = REPLAY_BYTES + 500_000;
    const res = await post(app, "/api/v1/models/m/predict", streamOf(size), { "content-length": String(size) });
    expect(res.status).toBe(502);
    expect(upstream.requests).toHaveLength(1);
  });

  it("does not retry a refused connection", async () => {
    const gone = await startUpstream();
    await gone.close();
    const predict = predictApp(configWith([{ name: "m", url: gone.url }]));
    cleanups.push(predict.close);
    const res = await post(predict.app, "/api/v1/models/m/predict", "{}", { "content-length": "2" });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: `model unavailable: m: connect ECONNREFUSED 127.0.0.1:${gone.port}` });
  });
});
