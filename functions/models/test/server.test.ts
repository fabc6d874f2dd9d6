import { serve } from "@modelgate/http";
import { describe, expect, it } from "vitest";
import { modelsApp } from "./helpers.ts";

describe("the models function on a real socket", () => {
  it("serves list, get and errors over HTTP", async () => {
    const app = modelsApp([{ name: "a", service: "a-predictor", type: "anomaly" }]);
    const served = await serve(app, { port: 0, hostname: "127.0.0.1" });
    try {
      const list = await fetch(`${served.url}/api/v1/models`);
      expect(list.status).toBe(200);
      expect(list.headers.get("content-type")).toMatch(/^application\/json/);
      expect(list.headers.get("x-request-id")).toBeTruthy();
      expect(((await list.json()) as { total: number }).total).toBe(1);
      expect((await fetch(`${served.url}/api/v1/models/a`)).status).toBe(200);
      const missing = await fetch(`${served.url}/api/v1/models/b`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: "model not found: b" });
      expect((await fetch(`${served.url}/health/readiness`)).status).toBe(200);
    } finally {
      await served.close();
    }
  });
});
