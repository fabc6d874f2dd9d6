import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createBaseApp, createLogger, HttpError, readJsonObject } from "../src/index.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ name: "test", level: "debug", destination }) };
}

function app(ready?: () => boolean) {
  const { lines, logger } = capture();
  const a = createBaseApp({ name: "test", logger, ...(ready ? { ready } : {}) });
  a.get("/teapot", () => {
    throw new HttpError(418, "short and stout", { headers: { "x-extra": "1" }, extra: { success: false } });
  });
  a.get("/unavailable", () => {
    throw new HttpError(503, "upstream down", { cause: new Error("ECONNREFUSED") });
  });
  a.get("/boom", () => {
    throw new TypeError("secret internals");
  });
  a.get("/id", (c) => c.json({ id: c.get("requestId") }));
  a.post("/json", async (c) => c.json(await readJsonObject(c, 32)));
  return { app: a, lines };
}

describe("createBaseApp", () => {
  it("answers the health routes", async () => {
    const { app: a } = app();
    expect(await (await a.request("/health/liveness")).json()).toEqual({ status: "ok", function: "test" });
    expect((await a.request("/health/readiness")).status).toBe(200);
  });

  it("answers 503 on readiness while not ready", async () => {
    const { app: a } = app(() => false);
    expect((await a.request("/health/readiness")).status).toBe(503);
  });

  it("renders an HttpError as its status, {error} and extras", async () => {
    const res = await app().app.request("/teapot");
    expect(res.status).toBe(418);
    expect(res.headers.get("x-extra")).toBe("1");
    expect(await res.json()).toEqual({ error: "short and stout", success: false });
  });

  it("logs 5xx HttpErrors with their cause", async () => {
    const { app: a, lines } = app();
    const res = await a.request("/unavailable");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "upstream down" });
    expect(lines.at(-1)).toMatchObject({
      msg: "upstream down",
      err: {
        type: "HttpError",
        message: "upstream down: ECONNREFUSED",
        stack: expect.stringContaining("caused by: Error: ECONNREFUSED"),
      },
    });
  });

  it("turns an unexpected error into a generic 500 and logs it in full", async () => {
    const { app: a, lines } = app();
    const res = await a.request("/boom");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal error" });
    expect(lines.at(-1)).toMatchObject({
      msg: "unexpected error",
      err: { type: "TypeError", message: "secret internals" },
    });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await app().app.request("/nope", { method: "PUT" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route for PUT /nope" });
  });

  it("echoes a caller's x-request-id, generates one when absent or unusable", async () => {
    const { app: a } = app();
    const given = await a.request("/id", { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    expect(await given.json()).toEqual({ id: "abc-123" });
    const generated = await a.request("/id");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await a.request("/id", { headers: { "x-request-id": "has spaces\tand tabs" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await a.request("/nope")).headers.get("x-request-id")).toBeTruthy();
  });
});

describe("readJsonObject", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    app().app.request("/json", { method: "POST", body, headers });

  it("parses a JSON object", async () => {
    expect(await (await post('{"a":1}')).json()).toEqual({ a: 1 });
  });

  it.each([
    ["", "request body is empty: expected a JSON object"],
    ["[1]", "request body must be a JSON object"],
    ["null", "request body must be a JSON object"],
  ])("answers 400 for %j", async (body, error) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error });
  });

  it("answers 400 naming the JSON error", async () => {
    const res = await post("{nope");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^request body is not valid JSON: /);
  });

  it("answers 413 past the limit, by content-length or by counting", async () => {
    const big = JSON.stringify({ a: "x".repeat(100) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: "request body larger than 32 bytes (MAX_BODY_BYTES)" });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const counted = await app().app.request("/json", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(counted.status).toBe(413);
  });
});
