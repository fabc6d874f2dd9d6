import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { createLogger, errorDetails } from "../src/logger.ts";

function capture(level?: string) {
  const lines: string[] = [];
  const logger = createLogger({ name: "fn-a", level, destination: { write: (line) => lines.push(line) } });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, logger, parsed };
}

describe("createLogger", () => {
  it("writes one JSON line per call in pino's shape: level number, time, fn, fields, msg last", () => {
    const { lines, logger } = capture();
    const before = Date.now();
    logger.info({ model: "a", count: 2 }, "loaded");
    logger.warn("plain message");
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith("}\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
    const first = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(["level", "time", "fn", "model", "count", "msg"]);
    expect(first).toMatchObject({ level: 30, fn: "fn-a", model: "a", count: 2, msg: "loaded" });
    expect(first.time).toBeGreaterThanOrEqual(before);
    expect(JSON.parse(lines[1] ?? "")).toEqual({
      level: 40,
      time: expect.any(Number),
      fn: "fn-a",
      msg: "plain message",
    });
  });

  it("writes the levels at and above its own, with pino's numbers, and nothing when silent", () => {
    const { logger, parsed } = capture("warn");
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const) logger[level](level);
    expect(parsed().map((line) => [line.msg, line.level])).toEqual([
      ["warn", 40],
      ["error", 50],
      ["fatal", 60],
    ]);
    const silent = capture("silent");
    silent.logger.fatal("x");
    silent.logger.child({ a: 1 }).error("y");
    expect(silent.lines).toEqual([]);
    expect(silent.logger.level).toBe("silent");
    const trace = capture("trace");
    trace.logger.trace({ a: 1 }, "t");
    expect(trace.parsed()).toMatchObject([{ level: 10, a: 1, msg: "t" }]);
  });

  it("refuses a level it does not know, naming the ones it does", () => {
    expect(() => createLogger({ name: "x", level: "verbose" })).toThrow(
      'unknown log level "verbose": use one of trace, debug, info, warn, error, fatal or silent',
    );
  });

  it("adds a child's bindings to each of its lines, after the parent's, and leaves the parent as it was", () => {
    const { logger, parsed } = capture();
    const child = logger.child({ requestId: "r-1" }).child({ event: { id: "e" } });
    child.info({ x: 1 }, "in child");
    logger.child({}).info("parent");
    const [inChild, parent] = parsed();
    expect(Object.keys(inChild ?? {})).toEqual(["level", "time", "fn", "requestId", "event", "x", "msg"]);
    expect(inChild).toMatchObject({ requestId: "r-1", event: { id: "e" }, x: 1 });
    expect(parent).toEqual({ level: 30, time: expect.any(Number), fn: "fn-a", msg: "parent" });
  });

  it("writes `err` as pino does: type, message and stack with the causes, aggregate errors, other fields", () => {
    const { logger, parsed } = capture();
    class UpstreamError extends Error {
      readonly status = 502;
    }
    const refused = Object.assign(new Error("ECONNREFUSED"), { code: "ECONNREFUSED" });
    logger.error({ err: new UpstreamError("upstream down", { cause: refused }) }, "failed");
    logger.error({ err: new AggregateError([new Error("one"), new TypeError("two")], "both") }, "many");
    logger.error({ err: "not an error" }, "odd");
    const [single, aggregate, odd] = parsed();
    expect(single?.err).toMatchObject({ type: "UpstreamError", message: "upstream down: ECONNREFUSED", status: 502 });
    const stack = (single?.err as { stack?: string } | undefined)?.stack;
    expect(stack).toMatch(/^Error: upstream down\n\s+at /);
    expect(stack).toContain("\ncaused by: Error: ECONNREFUSED\n");
    expect(single?.err).not.toHaveProperty("cause");
    expect(aggregate?.err).toMatchObject({
      type: "AggregateError",
      message: "both",
      aggregateErrors: [
        { type: "Error", message: "one" },
        { type: "TypeError", message: "two" },
      ],
    });
    expect(odd?.err).toBe("not an error");
  });

  it("ends a cause chain that loops instead of following it forever", () => {
    const { logger, parsed } = capture();
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    logger.error({ err: a }, "loop");
    expect(parsed()[0]?.err).toMatchObject({ message: "a: b: ..." });
  });

  it("keeps the line when the fields cannot be rendered, saying why", () => {
    const { logger, parsed } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    logger.info({ cyclic }, "still logged");
    logger.info({ big: 1n }, "bigint");
    const [first, second] = parsed();
    expect(first).toMatchObject({
      msg: "still logged",
      logError: expect.stringMatching(/^fields not rendered: .*circular/i),
    });
    expect(second).toMatchObject({ msg: "bigint", logError: expect.stringContaining("BigInt") });
  });
});

describe("the default destination (file descriptor 1)", () => {
  const run = (script: string, stdio: "pipe" | ["pipe", "pipe", "pipe"] = "pipe") =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      stdio,
    });

  it("writes every line before the process exits, even when it exits at once", () => {
    const result = run(
      'import { createLogger } from "./src/logger.ts"; const l = createLogger({ name: "x" }); for (let i = 0; i < 2000; i++) l.info({ i }, "line"); process.exit(3);',
    );
    expect(result.status, result.stderr).toBe(3);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2000);
    expect(JSON.parse(lines[1999] ?? "")).toMatchObject({ i: 1999, msg: "line", fn: "x" });
  });

  it("stops writing, without ending the process, when stdout's reader is gone (EPIPE)", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        'import { createLogger } from "./src/logger.ts"; const l = createLogger({ name: "x" }); setTimeout(() => { for (let i = 0; i < 100; i++) l.info("a"); process.stderr.write("still here"); }, 300);',
      ],
      { cwd: new URL("..", import.meta.url), stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, stderr).toBe(0);
    expect(stderr).toBe("still here");
  });

  it("stops writing, without ending the process, when stdout is closed (EBADF)", () => {
    const result = run(
      'import { closeSync } from "node:fs"; import { createLogger } from "./src/logger.ts"; closeSync(1); const l = createLogger({ name: "x" }); l.info("a"); l.info("b"); process.stderr.write("still here");',
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("still here");
  });
});

describe("errorDetails", () => {
  it("renders the error, its code and its cause chain", () => {
    const inner = Object.assign(new Error("inner"), { code: "E_INNER" });
    expect(errorDetails(new RangeError("outer", { cause: inner }))).toMatchObject({
      type: "RangeError",
      message: "outer",
      cause: { type: "Error", message: "inner", code: "E_INNER" },
    });
    expect(errorDetails(42)).toEqual({ value: 42 });
  });
});
