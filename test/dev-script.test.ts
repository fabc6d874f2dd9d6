import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `./dev`, the README's entry point, run the way a user runs it: from another folder. */
const DEV = resolve(import.meta.dirname, "..", "dev");
const run = promisify(execFile);

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-dev-"));
  const entry = { name: "scorer", service: "scorer-predictor", type: "anomaly" };
  await writeFile(join(dir, "my-registry.json"), JSON.stringify([entry]));
});
afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("./dev run from another folder", () => {
  it("registry:check resolves a relative path against the folder it was run from", async () => {
    const { stdout } = await run("bash", [DEV, "registry:check", "my-registry.json"], { cwd: dir });
    expect(stdout).toContain("ok: 1 model");
    expect(stdout).toContain("scorer\tanomaly\thttp://scorer-predictor.self-healing-platform.svc.cluster.local");
  });

  it("registry:check names the file it cannot read, resolved against that folder", async () => {
    const failed = await run("bash", [DEV, "registry:check", "missing.json"], { cwd: dir }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain(`open '${join(dir, "missing.json")}'`);
  });
});
