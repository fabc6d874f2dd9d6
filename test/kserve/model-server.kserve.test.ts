import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, connect, createServer } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { ensureVenv, startKServe } from "./kserve-server.ts";

/**
 * Self-test of the KServe harness: calls the real model servers directly (no modelgate in between) and
 * pins the exact answers that README.md records and the predict suite expects to pass through unchanged.
 */
const kserve = inject("kserve");
const { a, b, c } = kserve;

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function call(base: string, path: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
  const init: RequestInit =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": contentType },
          body: typeof body === "string" ? body : JSON.stringify(body),
        };
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type"), body: JSON.parse(text) };
}

const v1 = { instances: [[1, -2, 3, -4], [0.5]] };
const v2 = { id: "r1", inputs: [{ name: "x", shape: [2, 2], datatype: "FP32", data: [1, -2, 3, -4] }] };

describe("scorers answer with their own server id", () => {
  const scorers = [
    { server: a, model: "scorer" },
    { server: b, model: "scorer-b" },
    { server: c, model: "scorer-c" },
  ];

  it.each(scorers)("V1 predict on $server.serverId/$model", async ({ server, model }) => {
    const answer = await call(server.url, `/v1/models/${model}:predict`, v1);
    expect(answer).toEqual({
      status: 200,
      contentType: "application/json",
      body: { predictions: [2.5, 0.5], server_id: server.serverId },
    });
  });

  it.each(scorers)("V2 infer on $server.serverId/$model", async ({ server, model }) => {
    const answer = await call(server.url, `/v2/models/${model}/infer`, v2);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      model_name: model,
      model_version: null,
      id: "r1",
      parameters: { server_id: server.serverId },
      outputs: [{ name: "score", shape: [2], datatype: "FP32", parameters: null, data: [1.5, 3.5] }],
    });
  });

  it("the three servers are distinct processes on distinct ports", () => {
    expect(new Set([a.port, b.port, c.port]).size).toBe(3);
    expect(new Set([a.serverId, b.serverId, c.serverId]).size).toBe(3);
  });

  it("a model of one server does not exist on another", async () => {
    const answer = await call(b.url, "/v1/models/scorer:predict", v1);
    expect(answer).toMatchObject({ status: 404, body: { error: "Model with name scorer does not exist." } });
  });
});

describe("server a: V1 and V2 answers", () => {
  it("V1 explain gives each feature's share of the score", async () => {
    const answer = await call(a.url, "/v1/models/scorer:explain", v1);
    expect(answer).toEqual({
      status: 200,
      contentType: "application/json",
      body: { explanations: [[0.25, 0.5, 0.75, 1], [0.5]], server_id: "kserve-a" },
    });
  });

  it("V2 FP32 output carries float32 rounding", async () => {
    const body = { inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: [0.1, 0.2] }] };
    const answer = await call(a.url, "/v2/models/scorer/infer", body);
    expect(answer.body).toMatchObject({ id: "", outputs: [{ data: [Math.fround((0.1 + 0.2) / 2)] }] });
  });

  it("GET /v1/models lists the registered models, the not-ready one included", async () => {
    const answer = await call(a.url, "/v1/models");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ models: ["dormant", "scorer", "raiser"] });
  });

  it.each(["/v1/models/scorer", "/v2/models/scorer/ready"])("GET %s: ready", async (path) => {
    expect(await call(a.url, path)).toEqual({
      status: 200,
      contentType: "application/json",
      body: { name: "scorer", ready: true },
    });
  });

  it("GET /v2/health/ready is true although a model is not ready", async () => {
    expect(await call(a.url, "/v2/health/ready")).toMatchObject({ status: 200, body: { ready: true } });
  });
});

describe("server a: error answers", () => {
  const notFound = { error: "Model with name nope does not exist." };
  const notReady = { error: "Model with name dormant is not ready." };
  const raised = { error: "KeyError : 'instances'" };
  const cases: { what: string; path: string; body?: unknown; status: number; expected: unknown }[] = [
    { what: "unknown model, V1 predict", path: "/v1/models/nope:predict", body: v1, status: 404, expected: notFound },
    { what: "unknown model, V2 infer", path: "/v2/models/nope/infer", body: v2, status: 404, expected: notFound },
    { what: "unknown model, GET /v1/models/X", path: "/v1/models/nope", status: 404, expected: notFound },
    { what: "unknown model, GET /v2/models/X/ready", path: "/v2/models/nope/ready", status: 404, expected: notFound },
    { what: "raiser, V1 predict", path: "/v1/models/raiser:predict", body: v1, status: 500, expected: raised },
    { what: "raiser, V1 explain", path: "/v1/models/raiser:explain", body: v1, status: 500, expected: raised },
    { what: "raiser, V2 infer", path: "/v2/models/raiser/infer", body: v2, status: 500, expected: raised },
    { what: "not ready, V1 predict", path: "/v1/models/dormant:predict", body: v1, status: 503, expected: notReady },
    { what: "not ready, V1 explain", path: "/v1/models/dormant:explain", body: v1, status: 503, expected: notReady },
    { what: "not ready, V2 infer", path: "/v2/models/dormant/infer", body: v2, status: 503, expected: notReady },
    { what: "not ready, GET /v1/models/X", path: "/v1/models/dormant", status: 503, expected: notReady },
    { what: "not ready, GET /v2/models/X/ready", path: "/v2/models/dormant/ready", status: 503, expected: notReady },
  ];

  it.each(cases)("$what: $status", async ({ path, body, status, expected }) => {
    expect(await call(a.url, path, body)).toEqual({ status, contentType: "application/json", body: expected });
  });

  it("V1 predict with instances not a list: 400", async () => {
    const answer = await call(a.url, "/v1/models/scorer:predict", { instances: "x" });
    expect(answer).toMatchObject({ status: 400, body: { error: 'Expected "instances" to be a list' } });
  });

  it("V1 predict with a body that is not JSON: 400 from KServe's decoder", async () => {
    const answer = await call(a.url, "/v1/models/scorer:predict", "not json");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: expect.stringMatching(/^Unrecognized request format: /) });
  });

  it("V1 predict with content-type application/json; charset=utf-8: KServe does not decode it", async () => {
    const answer = await call(a.url, "/v1/models/scorer:predict", v1, "application/json; charset=utf-8");
    expect(answer).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^Expected a JSON object body/) },
    });
  });

  it("V2 infer without content-type application/json: 400", async () => {
    const answer = await call(a.url, "/v2/models/scorer/infer", v2, "text/plain;charset=UTF-8");
    expect(answer).toMatchObject({
      status: 400,
      body: { error: "received byte inputs, but the'inference-header-content-length' header is missing." },
    });
  });
});

describe("startKServe", () => {
  it("stop() ends the process and frees the port", async () => {
    const server = await startKServe({
      python: kserve.python,
      serverId: "self-test",
      models: [{ name: "solo", kind: "scorer" }],
    });
    const answer = await call(server.url, "/v1/models/solo:predict", { instances: [[-3]] });
    expect(answer.body).toEqual({ predictions: [3], server_id: "self-test" });
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow(/ESRCH/);
    await expect(refused(server.port)).resolves.toBe(true);
  });

  it("the server exits when the Node process that started it is SIGKILLed", async () => {
    const harness = new URL("./kserve-server.ts", import.meta.url).href;
    const script = `const { startKServe } = await import(${JSON.stringify(harness)});
      const s = await startKServe({ python: ${JSON.stringify(kserve.python)}, serverId: "orphan",
        models: [{ name: "m", kind: "scorer" }] });
      console.log(s.pid); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(parent.stdout, "data")) as [Buffer];
    const pid = Number(line.toString().trim());
    expect(() => process.kill(pid, 0)).not.toThrow();
    parent.kill("SIGKILL");
    await expect(gone(pid, 10_000)).resolves.toBe(true);
  });

  it("rejects with the server's output when the requested port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const start = startKServe({
        python: kserve.python,
        serverId: "x",
        port,
        models: [{ name: "m", kind: "scorer" }],
      });
      await expect(start).rejects.toThrow(/exited with code 3[\s\S]*address already in use/);
    } finally {
      blocker.close();
    }
  });

  it("rejects with a precise message when the interpreter does not exist", async () => {
    const start = startKServe({
      python: "/nonexistent/python",
      serverId: "x",
      models: [{ name: "m", kind: "scorer" }],
    });
    await expect(start).rejects.toThrow(/could not spawn \/nonexistent\/python: spawn \/nonexistent\/python ENOENT/);
  });

  it("rejects with the server's output when model_server.py refuses its arguments", async () => {
    const start = startKServe({ python: kserve.python, serverId: "x", models: [{ name: "m", kind: "not-ready" }] });
    await expect(start).rejects.toThrow(/exited with code 2[\s\S]*serve at least one ready model/);
  });
});

describe("ensureVenv", () => {
  it("reuses the venv global setup made and names its interpreter", async () => {
    const venv = await ensureVenv();
    expect(venv.python).toBe(kserve.python);
    expect(venv.output).toContain("venv up to date");
  });

  it("rejects with setup.sh's output when the base interpreter is missing", async () => {
    const setup = ensureVenv({ basePython: "/nonexistent/python3" });
    await expect(setup).rejects.toThrow(/exit code 1[\s\S]*'\/nonexistent\/python3' not found on PATH/);
  });
});

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}
