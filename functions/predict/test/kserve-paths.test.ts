import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { configWith, post, predictApp, servePredict, startUpstream, type UpstreamHandler } from "./fixtures.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** The registry of these tests: `alias` is `real` on the model server, behind a path prefix. */
async function setup(handler?: UpstreamHandler) {
  const upstream = await startUpstream(handler);
  const predict = predictApp(configWith([{ name: "alias", modelName: "real", url: `${upstream.url}/prefix` }]));
  cleanups.push(upstream.close, predict.close);
  return { upstream, app: predict.app };
}

/** Answers `status` with `body` (JSON) after reading the request, whatever it is. */
function answering(status: number, body: string): UpstreamHandler {
  return (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    });
  };
}

const get = (app: Awaited<ReturnType<typeof setup>>["app"], path: string, headers: Record<string, string> = {}) =>
  Promise.resolve(app.request(path, { headers }));

describe("KServe's paths: calls with a body", () => {
  it.each([
    ["/v1/models/alias:predict", "/prefix/v1/models/real:predict"],
    ["/v1/models/alias:explain", "/prefix/v1/models/real:explain"],
    ["/v2/models/alias/infer", "/prefix/v2/models/real/infer"],
  ])("POST %s goes to %s with the body unchanged and the answer passed through", async (path, upstreamPath) => {
    const { upstream, app } = await setup();
    const body = '{"instances": [[1, 2]]}';
    const res = await post(app, path, body, { "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"predictions":[1]}');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: "POST", url: upstreamPath });
    expect(upstream.requests[0]?.body.toString()).toBe(body);
  });

  it("passes the model server's own failure through: status and body", async () => {
    const { app } = await setup(answering(503, '{"error":"Model with name real is not ready."}'));
    const res = await post(app, "/v1/models/alias:predict", '{"instances": [[1]]}');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "Model with name real is not ready." });
  });

  it("passes binary tensors through both ways, byte for byte, with inference-header-content-length", async () => {
    const answerHeader = Buffer.from(
      '{"model_name":"real","outputs":[{"name":"o","datatype":"BYTES","shape":[3],"parameters":{"binary_data_size":3}}]}',
    );
    const answerTensor = Buffer.from([0x00, 0xff, 0x7b]);
    const { upstream, app } = await setup((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "inference-header-content-length": String(answerHeader.byteLength),
        });
        res.end(Buffer.concat([answerHeader, answerTensor]));
      });
    });
    const header = Buffer.from(
      '{"inputs":[{"name":"i","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}}]}',
    );
    const tensor = Buffer.from(new Float32Array([1.5, -2]).buffer);
    const body = Buffer.concat([header, tensor]);
    const res = await post(app, "/v2/models/alias/infer", body, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(header.byteLength),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("inference-header-content-length")).toBe(String(answerHeader.byteLength));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.concat([answerHeader, answerTensor]))).toBe(true);
    const seen = upstream.requests[0];
    expect(seen?.headers["content-type"]).toBe("application/octet-stream");
    expect(seen?.headers["inference-header-content-length"]).toBe(String(header.byteLength));
    expect(seen?.body.equals(body)).toBe(true);
  });

  it.each([["/v1/models/nope:predict"], ["/v1/models/nope:explain"], ["/v2/models/nope/infer"]])(
    "POST %s, an unregistered model: 404 in KServe's shape, nothing sent",
    async (path) => {
      const { upstream, app } = await setup();
      const res = await post(app, path, '{"instances": [[1]]}');
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "model not found: nope" });
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it.each([["/v1/models/alias:train"], ["/v1/models/alias"], ["/v1/models/:predict"]])(
    "POST %s, no such V1 verb: 404 naming the two there are, nothing sent",
    async (path) => {
      const { upstream, app } = await setup();
      const res = await post(app, path, '{"instances": [[1]]}');
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe(
        `no route for POST ${path}: use /v1/models/{name}:predict or /v1/models/{name}:explain`,
      );
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it("refuses a body that is not a JSON object (400), as the other predict routes do, and sends nothing", async () => {
    const { upstream, app } = await setup();
    const res = await post(app, "/v2/models/alias/infer", "[1, 2]");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/JSON object/);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("KServe's paths: reads of a model", () => {
  it.each([
    ["/v1/models/alias", "/prefix/v1/models/real"],
    ["/v2/models/alias/ready", "/prefix/v2/models/real/ready"],
    ["/v2/models/alias", "/prefix/v2/models/real"],
  ])("GET %s asks GET %s (no body, no content-type) and passes the answer through", async (path, upstreamPath) => {
    const { upstream, app } = await setup(answering(200, '{"name":"real","ready":true}'));
    const res = await get(app, path, { accept: "application/json", "content-type": "text/plain" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "real", ready: true });
    const seen = upstream.requests[0];
    expect(seen).toMatchObject({ method: "GET", url: upstreamPath });
    expect(seen?.headers.accept).toBe("application/json");
    expect(seen?.headers["content-type"]).toBeUndefined();
    expect(seen?.body.byteLength).toBe(0);
    expect(seen?.headers["x-request-id"]).toBe(res.headers.get("x-request-id") ?? "missing");
  });

  it("passes a model's not-ready through as KServe says it (503 and its body)", async () => {
    const { app } = await setup(answering(503, '{"error":"Model with name real is not ready."}'));
    const res = await get(app, "/v2/models/alias/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "Model with name real is not ready." });
  });

  it.each([["/v1/models/nope"], ["/v2/models/nope/ready"], ["/v2/models/nope"]])(
    "GET %s, an unregistered model: 404 in KServe's shape, nothing sent",
    async (path) => {
      const { upstream, app } = await setup();
      const res = await get(app, path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "model not found: nope" });
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it("answers 502 in KServe's shape when the model server is unreachable", async () => {
    const { upstream, app } = await setup();
    await upstream.close();
    const res = await get(app, "/v2/models/alias/ready");
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/alias/);
  });
});

describe("KServe's paths: the server's own", () => {
  it("GET /v2 is the server's metadata: modelgate, its version, the binary tensor extension", async () => {
    const { upstream, app } = await setup();
    const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const res = await get(app, "/v2");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "modelgate", version, extensions: ["binary_tensor_data"] });
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ["/v2/health/live", { live: true }],
    ["/v2/health/ready", { ready: true }],
  ])("GET %s answers %j without asking any model", async (path, expected) => {
    const { upstream, app } = await setup();
    const res = await get(app, path);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([["/v1/models"], ["/v2/models"]])("GET %s lists the registry's names", async (path) => {
    const upstream = await startUpstream();
    const entries = [
      { name: "a", url: upstream.url },
      { name: "b", url: upstream.url, protocol: "v2" },
    ];
    const predict = predictApp(configWith(entries));
    cleanups.push(upstream.close, predict.close);
    const res = await get(predict.app, path);
    expect(await res.json()).toEqual({ models: ["a", "b"] });
  });
});

describe("KServe's paths served by Node", () => {
  it("passes a 1 MB binary tensor body through, streamed, byte for byte", async () => {
    const upstream = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/octet-stream", "inference-header-content-length": "2" });
        res.end(Buffer.concat([Buffer.from("{}"), ...chunks]));
      });
    });
    const served = await servePredict(configWith([{ name: "alias", modelName: "real", url: upstream.url }]));
    cleanups.push(upstream.close, served.stop);
    const tensor = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < tensor.length; i++) tensor[i] = (i * 7) % 256;
    const body = Buffer.concat([Buffer.from("{}"), tensor]);
    const res = await fetch(`${served.url}/v2/models/alias/infer`, {
      method: "POST",
      body,
      headers: { "content-type": "application/octet-stream", "inference-header-content-length": "2" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("inference-header-content-length")).toBe("2");
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.concat([Buffer.from("{}"), body]))).toBe(true);
  });
});
