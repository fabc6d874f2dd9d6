import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createBaseApp, createLogger, ListenError, serve } from "../src/index.ts";

const silent = createLogger({ name: "t", level: "silent" });
const app = createBaseApp({ name: "t", logger: silent });

function capture() {
  const lines: { msg?: string; address?: string; url?: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as { msg?: string });
      done();
    },
  });
  return { lines, logger: createLogger({ name: "t", destination }) };
}

/** Opens a connection and resolves when the server ends it, with what it answered and after how long. */
function connectUntilClosed(port: number, start: (socket: Socket) => void): Promise<{ ms: number; answer: string }> {
  return new Promise((done, fail) => {
    const began = performance.now();
    let answer = "";
    const socket = connect(port, "127.0.0.1", () => start(socket));
    socket.on("data", (chunk) => {
      answer += String(chunk);
    });
    socket.on("error", fail);
    socket.on("close", () => done({ ms: performance.now() - began, answer }));
  });
}

/** Sends a request's headers one byte every `everyMs`, as a slow (or hostile) client does. */
function trickle(socket: Socket, everyMs: number): () => void {
  const text = "GET /health/liveness HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  let at = 0;
  const timer = setInterval(() => {
    if (at < text.length && !socket.destroyed) socket.write(text.charAt(at++));
  }, everyMs);
  return () => clearInterval(timer);
}

describe("serve", () => {
  it("listens on an ephemeral port and closes", async () => {
    const served = await serve(app, { port: 0, hostname: "127.0.0.1" });
    expect(served.port).toBeGreaterThan(0);
    const res = await fetch(`${served.url}/health/liveness`);
    expect(res.status).toBe(200);
    await served.close();
    await expect(fetch(`${served.url}/health/liveness`)).rejects.toThrow();
  });

  it("rejects when the port is taken, naming the port and what to set instead", async () => {
    const first = await serve(app, { port: 0, hostname: "127.0.0.1" });
    const second = serve(app, { port: first.port, hostname: "127.0.0.1" });
    await expect(second).rejects.toThrow(/EADDRINUSE/);
    await expect(second).rejects.toBeInstanceOf(ListenError);
    await expect(second).rejects.toThrow(
      `port ${first.port} is already in use on 127.0.0.1 (EADDRINUSE): stop what holds it, or set PORT to a free port (PORT=0 picks one)`,
    );
    await first.close();
  });

  it("rejects an address that is not this machine's, naming MODELGATE_HOST", async () => {
    await expect(serve(app, { port: 0, hostname: "192.0.2.1" })).rejects.toThrow(/MODELGATE_HOST/);
  });

  it("logs the address it truly listens on", async () => {
    const loopback = capture();
    const one = await serve(app, { port: 0, hostname: "127.0.0.1", logger: loopback.logger });
    expect(loopback.lines.at(-1)).toMatchObject({ msg: `listening on 127.0.0.1:${one.port}`, address: "127.0.0.1" });
    await one.close();

    const every = capture();
    const two = await serve(app, { port: 0, logger: every.logger });
    expect(every.lines.at(-1)).toMatchObject({
      msg: `listening on 0.0.0.0:${two.port} (every interface)`,
      address: "0.0.0.0",
      url: `http://127.0.0.1:${two.port}`,
    });
    expect(two.hostname).toBe("0.0.0.0");
    await two.close();
  });
});

describe("serve's timeouts", () => {
  const timeouts = { headersMs: 300, requestMs: 600, keepAliveMs: 200 };

  it("cuts off a client that trickles its headers once the headers timeout passes", async () => {
    const served = await serve(app, { port: 0, hostname: "127.0.0.1", timeouts });
    let stop = () => {};
    const { ms, answer } = await connectUntilClosed(served.port, (socket) => {
      stop = trickle(socket, 50);
    });
    stop();
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2000);
    await served.close();
  });

  it("without them (Node's defaults) the same client is still connected after 2 s", async () => {
    const served = await serve(app, { port: 0, hostname: "127.0.0.1" });
    let socket: Socket | undefined;
    let stop = () => {};
    const closed = connectUntilClosed(served.port, (s) => {
      socket = s;
      stop = trickle(s, 50);
    });
    await new Promise((wait) => setTimeout(wait, 2000));
    expect(socket?.destroyed).toBe(false);
    stop();
    socket?.destroy();
    await closed;
    await served.close();
  });

  it("closes an idle keep-alive connection after the keep-alive timeout", async () => {
    const served = await serve(app, { port: 0, hostname: "127.0.0.1", timeouts });
    const { ms, answer } = await connectUntilClosed(served.port, (socket) => {
      socket.write("GET /health/liveness HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(2000);
    await served.close();
  });
});

describe("a function's main on a port in use", () => {
  it("exits 1 with one line naming the port and PORT, not a stack trace", async () => {
    const holder = await serve(app, { port: 0, hostname: "127.0.0.1" });
    const root = resolve(import.meta.dirname, "../../..");
    const failed = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", resolve(root, "functions/models/src/main.ts")],
      {
        cwd: root,
        env: { PATH: process.env.PATH, PORT: String(holder.port), MODELGATE_HOST: "127.0.0.1", LOG_LEVEL: "silent" },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    await holder.close();
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toBe(
      `port ${holder.port} is already in use on 127.0.0.1 (EADDRINUSE): stop what holds it, or set PORT to a free port (PORT=0 picks one)\n`,
    );
  });
});
