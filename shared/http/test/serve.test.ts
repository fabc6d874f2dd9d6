import { describe, expect, it } from "vitest";
import { createBaseApp, createLogger, serve } from "../src/index.ts";

describe("serve", () => {
  it("listens on an ephemeral port and closes", async () => {
    const app = createBaseApp({ name: "t", logger: createLogger({ name: "t", level: "silent" }) });
    const served = await serve(app, { port: 0, hostname: "127.0.0.1" });
    expect(served.port).toBeGreaterThan(0);
    const res = await fetch(`${served.url}/health/liveness`);
    expect(res.status).toBe(200);
    await served.close();
    await expect(fetch(`${served.url}/health/liveness`)).rejects.toThrow();
  });

  it("rejects when the port is taken", async () => {
    const app = createBaseApp({ name: "t", logger: createLogger({ name: "t", level: "silent" }) });
    const first = await serve(app, { port: 0, hostname: "127.0.0.1" });
    await expect(serve(app, { port: first.port, hostname: "127.0.0.1" })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
