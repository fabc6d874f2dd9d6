import { type ClientRequest, type IncomingHttpHeaders, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  configWith,
  type SeenRequest,
  servePredict,
  startUpstream,
  type Upstream,
  type UpstreamHandler,
} from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** Opens a POST on a real socket; the test writes the body. */
function openPost(url: string, headers: Record<string, string> = {}): { req: ClientRequest; answer: Promise<Answer> } {
  const req = request(url, { method: "POST", headers, agent: false });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
  });
  return { req, answer };
}

function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { req, answer } = openPost(url, { "content-type": "application/json", ...headers });
  req.end(body);
  return answer;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function setup(
  handler: UpstreamHandler | undefined,
  entry: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<{ upstream: Upstream; base: string }> {
  const upstream = await startUpstream(handler);
  const served = await servePredict(configWith([{ name: "m", url: upstream.url, ...entry }], env));
  cleanups.push(upstream.close, served.stop);
  return { upstream, base: `${served.url}/api/v1/models/m` };
}

const never: UpstreamHandler = (req) => {
  req.resume();
};

describe("predict on a real socket: upstream faults", () => {
  it("answers 502 naming the model and the cause when the upstream refuses connections", async () => {
    const gone = await startUpstream();
    await gone.close();
    const served = await servePredict(configWith([{ name: "m", url: gone.url }]));
    cleanups.push(served.stop);
    const res = await postJson(`${served.url}/api/v1/models/m/predict`, "{}");
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toEqual({
      error: `model unavailable: m: connect ECONNREFUSED 127.0.0.1:${gone.port}`,
    });
  });

  it("answers 504 within the entry's timeoutMs when the upstream accepts and never answers", async () => {
    const { base } = await setup(never, { timeoutMs: 300 });
    const started = Date.now();
    const res = await postJson(`${base}/predict`, "{}");
    const took = Date.now() - started;
    expect(res.status).toBe(504);
    expect(JSON.parse(res.text)).toEqual({ error: "model timed out: m: no answer within 300 ms" });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_500);
  });

  it("uses KSERVE_TIMEOUT when the entry sets no timeoutMs", async () => {
    const { base } = await setup(never, {}, { KSERVE_TIMEOUT: "250ms" });
    const res = await postJson(`${base}/predict`, "{}");
    expect(res.status).toBe(504);
    expect(JSON.parse(res.text)).toEqual({ error: "model timed out: m: no answer within 250 ms" });
  });

  it("answers 504 when the answer's body stalls past the timeout", async () => {
    const { base } = await setup(
      (req, res) => {
        req.resume();
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        res.write('{"predictions": [');
      },
      { timeoutMs: 300 },
    );
    const res = await postJson(`${base}/predict`, "{}");
    expect(res.status).toBe(504);
  });

  it("answers 502 when the upstream resets in the middle of its answer", async () => {
    const { base } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"predictions": [', () => res.socket?.destroy());
    });
    const res = await postJson(`${base}/predict`, "{}");
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error).toMatch(/^model unavailable: m: .+/);
  });

  it("answers 502 when the upstream resets while receiving the request body", async () => {
    const { upstream, base } = await setup((req) => {
      req.once("data", () => req.socket.destroy());
    });
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    req.write(`{"instances": [${"1,".repeat(1000)}`);
    await until(() => upstream.requests.length >= 1, "the upstream request");
    await upstream.requests[0]?.closed;
    req.end("1]}");
    const res = await answer;
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error).toMatch(/^model unavailable: m: .+/);
    expect(upstream.requests).toHaveLength(2); // the first chunk could be sent again: one retry
  });

  it("passes an upstream 503 through", async () => {
    const { base } = await setup((req, res) => {
      req.resume();
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"error":"Model with name m is not ready."}');
    });
    const res = await postJson(`${base}/predict`, "{}");
    expect(res.status).toBe(503);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.text).toBe('{"error":"Model with name m is not ready."}');
  });
});

describe("predict on a real socket: the caller", () => {
  it("aborts the upstream request when the caller disconnects mid-body", async () => {
    const { upstream, base } = await setup(never);
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    answer.catch(() => {});
    req.write('{"instances": [');
    await until(() => upstream.requests.length === 1, "the upstream request");
    req.destroy();
    const seen = upstream.requests[0] as SeenRequest;
    await seen.closed;
    expect(seen.complete).toBe(false);
  });

  it("aborts the upstream request when the caller disconnects while waiting for the answer", async () => {
    let answerClosed = (): void => {};
    const closed = new Promise<void>((resolve) => {
      answerClosed = resolve;
    });
    const { upstream, base } = await setup((req, res) => {
      req.resume();
      res.on("close", () => {
        if (!res.writableFinished) answerClosed();
      });
    });
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    answer.catch(() => {});
    req.end('{"instances": [[1]]}');
    await until(() => upstream.requests[0]?.complete === true, "the upstream to receive the body");
    req.destroy();
    await closed;
  });

  it.each([
    ["with a declared length", { "content-length": "6" }],
    ["chunked", {}],
  ])("answers 400 to a body that is not a JSON object (%s) without calling upstream", async (_, headers) => {
    const { upstream, base } = await setup(undefined);
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json", ...headers });
    req.end(" [1,2]");
    const res = await answer;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'request body must be a JSON object: it starts with "[", not "{"' });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 400 to an empty chunked body", async () => {
    const { upstream, base } = await setup(undefined);
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    req.write("  ");
    req.end();
    const res = await answer;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: "request body is empty: expected a JSON object" });
    expect(upstream.requests).toHaveLength(0);
  });

  it("forwards a chunked body on a real socket intact", async () => {
    const { upstream, base } = await setup(undefined);
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    req.write('{"instances": [');
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.write("[1, 2]");
    req.end("]}");
    expect((await answer).status).toBe(200);
    expect(upstream.requests[0]?.body.toString()).toBe('{"instances": [[1, 2]]}');
    expect(upstream.requests[0]?.headers["transfer-encoding"]).toBe("chunked");
  });

  it("answers 413 to a declared content-length over the limit before the body is sent", async () => {
    const { upstream, base } = await setup(undefined, {}, { MAX_BODY_BYTES: "1000" });
    const { req, answer } = openPost(`${base}/predict`, {
      "content-type": "application/json",
      "content-length": "5000",
    });
    req.write("{");
    const res = await answer;
    req.destroy();
    expect(res.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers 413 when a chunked body goes over the limit while streaming, and aborts the upstream request", async () => {
    const { upstream, base } = await setup(never, {}, { MAX_BODY_BYTES: "100000" });
    const { req, answer } = openPost(`${base}/predict`, { "content-type": "application/json" });
    req.write(`{"a": "${"x".repeat(60_000)}`);
    await until(() => upstream.requests.length === 1, "the upstream request");
    req.write("x".repeat(60_000));
    const res = await answer;
    req.destroy();
    expect(res.status).toBe(413);
    const seen = upstream.requests[0] as SeenRequest;
    await seen.closed;
    expect(seen.complete).toBe(false);
  });

  it("streams a 10 MB body: the upstream receives it before the caller has sent it all", async () => {
    const size = 10 * 1024 * 1024;
    let received = 0;
    const { base } = await setup((req, res) => {
      req.on("data", (chunk: Buffer) => {
        received += chunk.byteLength;
      });
      req.on("end", () => res.end(JSON.stringify({ received })));
    });
    const half = Buffer.alloc(size / 2, " ");
    half[0] = 0x7b;
    const { req, answer } = openPost(`${base}/predict`, {
      "content-type": "application/json",
      "content-length": String(size),
    });
    req.write(half);
    await until(() => received > 0, "the upstream to receive the first bytes");
    const rest = Buffer.alloc(size / 2, " ");
    rest[rest.length - 1] = 0x7d;
    req.end(rest);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ received: size });
  });

  it("reuses keep-alive connections to the upstream (one pool per origin)", async () => {
    const { upstream, base } = await setup(undefined);
    for (let i = 0; i < 5; i++) expect((await postJson(`${base}/predict`, "{}")).status).toBe(200);
    expect(upstream.requests).toHaveLength(5);
    expect(upstream.connections).toBe(1);
  });

  it("forwards headers and echoes x-request-id on a real socket", async () => {
    const { upstream, base } = await setup(undefined);
    const res = await postJson(`${base}/infer`, "{}", { "x-request-id": "abc-1", "ce-source": "s", cookie: "c=1" });
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).toBe("abc-1");
    const seen = upstream.requests[0]?.headers ?? {};
    expect(seen["x-request-id"]).toBe("abc-1");
    expect(seen["ce-source"]).toBe("s");
    expect(seen.cookie).toBeUndefined();
    const generated = await postJson(`${base}/infer`, "{}");
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.requests[1]?.headers["x-request-id"]).toBe(generated.headers["x-request-id"]);
  });
});
