import { Writable } from "node:stream";
import { loadConfig } from "@modelgate/config";
import { describe, expect, it } from "vitest";
import { createLogger, logStartup } from "../src/index.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ name: "t", destination }) };
}

describe("logStartup", () => {
  it("logs one line per model (name, type, url), then a summary", () => {
    const { lines, logger } = capture();
    const config = loadConfig({
      KSERVE_MODEL_REGISTRY: JSON.stringify([
        { name: "a", service: "a-predictor", type: "anomaly" },
        { name: "b", url: "http://10.0.0.2:8080", type: "predictive" },
      ]),
    });
    logStartup(logger, config);
    expect(lines.map(({ msg, model, type, url }) => ({ msg, model, type, url }))).toEqual([
      {
        msg: "model registered",
        model: "a",
        type: "anomaly",
        url: "http://a-predictor.self-healing-platform.svc.cluster.local",
      },
      { msg: "model registered", model: "b", type: "predictive", url: "http://10.0.0.2:8080" },
      { msg: "registry loaded", model: undefined, type: undefined, url: undefined },
    ]);
    expect(lines[2]).toMatchObject({ models: 2, source: "KSERVE_MODEL_REGISTRY" });
  });

  it("warns about an empty registry", () => {
    const { lines, logger } = capture();
    logStartup(logger, loadConfig({}));
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/^no model registry configured/) });
  });
});
