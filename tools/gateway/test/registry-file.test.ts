import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@modelgate/http";
import { startSampleModel } from "@modelgate/sample-model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerEnv, type Gateway, startGateway } from "../src/index.ts";

/**
 * The local gateway on `KSERVE_MODEL_REGISTRY_FILE`: an edit of the file changes what every function serves,
 * with no restart; a bad version is refused whole and logged, and the one before keeps serving.
 */
let dir: string;
let path: string;
let gateway: Gateway;
let sample: Awaited<ReturnType<typeof startSampleModel>>;
const lines: Record<string, unknown>[] = [];

const entry = (name: string) => ({ name, url: sample.url, type: "anomaly" });

/** Replaces the file in one rename, as an editor saving it would. */
function writeRegistry(value: unknown): void {
  writeFileSync(`${path}.tmp`, typeof value === "string" ? value : JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

beforeAll(async () => {
  sample = await startSampleModel({ names: ["first", "second"] });
  dir = mkdtempSync(join(tmpdir(), "modelgate-gateway-registry-"));
  path = join(dir, "registry.json");
  writeRegistry([entry("first")]);
  const logger = createLogger({
    name: "gateway",
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  gateway = await startGateway({ env: { PORT: "0", KSERVE_MODEL_REGISTRY_FILE: path }, logger });
});

afterAll(async () => {
  await gateway?.close();
  await sample?.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = async () =>
  ((await (await fetch(`${gateway.served.url}/api/v1/models`)).json()) as { models: { name: string }[] }).models.map(
    (model) => model.name,
  );

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the local gateway on a registry file", () => {
  it("serves an edit of the file in every function, with no restart, and logs what changed", async () => {
    expect(await names()).toEqual(["first"]);
    writeRegistry([entry("second")]);
    await until("the new list", async () => ((await names()).join() === "second" ? true : undefined));
    const predicted = await fetch(`${gateway.served.url}/api/v1/models/second/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"instances":[[1,2,3]]}',
    });
    expect(predicted.status).toBe(200);
    expect((await fetch(`${gateway.served.url}/v1/models/first:predict`, { method: "POST", body: "{}" })).status).toBe(
      404,
    );
    expect(lines.find((line) => line.msg === "registry reloaded")).toMatchObject({
      added: ["second"],
      changed: [],
      removed: ["first"],
      models: 1,
      file: path,
    });
  });

  it("refuses a bad version whole, logging every problem, and keeps serving the one before", async () => {
    writeRegistry([entry("second"), { name: "third", type: "anomaly" }, { name: "Bad", url: sample.url, type: "x" }]);
    const refused = await until("the refusal", async () =>
      lines.find((line) => line.msg?.toString().startsWith("registry file refused")),
    );
    expect(refused).toMatchObject({ level: 50, file: path });
    expect(refused.issues).toEqual([
      `KSERVE_MODEL_REGISTRY_FILE (${path})[1].service: is required (or set url)`,
      `KSERVE_MODEL_REGISTRY_FILE (${path})[2].name: must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
      `KSERVE_MODEL_REGISTRY_FILE (${path})[2].type: must be one of anomaly, predictive, classification`,
    ]);
    expect(await names()).toEqual(["second"]);
  });
});

describe("callerEnv", () => {
  it("resolves a relative registry file against the folder ./dev ran in, and keeps an absolute one", () => {
    expect(callerEnv({ KSERVE_MODEL_REGISTRY_FILE: "my-registry.json", INIT_CWD: "/home/me" })).toMatchObject({
      KSERVE_MODEL_REGISTRY_FILE: "/home/me/my-registry.json",
    });
    expect(
      callerEnv({ KSERVE_MODEL_REGISTRY_FILE: "/etc/r.json", INIT_CWD: "/home/me" }).KSERVE_MODEL_REGISTRY_FILE,
    ).toBe("/etc/r.json");
    expect(callerEnv({ PORT: "1" })).toEqual({ PORT: "1" });
  });
});
