import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkRegistry } from "../src/index.ts";

const good = JSON.stringify([{ name: "a", service: "a-predictor", type: "anomaly", namespace: "ml" }]);

describe("checkRegistry", () => {
  it("lists the models of a valid registry", () => {
    expect(checkRegistry(good, {})).toEqual({
      ok: true,
      lines: ["ok: 1 model", "a\tanomaly\thttp://a-predictor.ml.svc.cluster.local"],
    });
  });

  it("reads KSERVE_MODEL_REGISTRY when no text is given, with the namespace and template variables", () => {
    const result = checkRegistry(undefined, {
      KSERVE_MODEL_REGISTRY: JSON.stringify([{ name: "b", service: "b", type: "predictive" }]),
      KSERVE_NAMESPACE: "ops",
      PORT: "not checked here",
    });
    expect(result).toEqual({ ok: true, lines: ["ok: 1 model", "b\tpredictive\thttp://b.ops.svc.cluster.local"] });
  });

  it("names every problem", () => {
    expect(checkRegistry('[{"name":"A"}]', {})).toEqual({
      ok: false,
      lines: [
        expect.stringMatching(/^KSERVE_MODEL_REGISTRY\[0\]\.name: must be a DNS-1123/),
        "KSERVE_MODEL_REGISTRY[0].type: is required",
        "KSERVE_MODEL_REGISTRY[0].service: is required (or set url)",
      ],
    });
  });

  it("refuses to call nothing valid", () => {
    expect(checkRegistry(undefined, {}).ok).toBe(false);
    expect(checkRegistry("", {}).lines).toEqual([
      "nothing to check: give a registry file, or set KSERVE_MODEL_REGISTRY",
    ]);
  });
});

describe("pnpm registry:check", () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-check-"));
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", new URL("../src/check-cli.ts", import.meta.url).pathname, ...args],
      {
        encoding: "utf8",
        env: { PATH: process.env.PATH, INIT_CWD: dir },
      },
    );

  it("exits 0 for a valid file (relative to where it was run) and 1 with the messages for a bad one", () => {
    writeFileSync(join(dir, "good.json"), good);
    writeFileSync(join(dir, "bad.json"), '[{"name":"a","service":"s","type":"anomaly","port":0}]');
    const ok = run("good.json");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("ok: 1 model");
    const bad = run("bad.json");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("KSERVE_MODEL_REGISTRY[0].port: must be an integer from 1 to 65535\n");
  });

  it("exits 2 when the file cannot be read", () => {
    const missing = run("missing.json");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^cannot read missing.json: ENOENT/);
  });
});
