import { execFile, spawn } from "node:child_process";
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

describe("./dev start", () => {
  it("starts the local gateway on loopback with the example registry, and stops with its process group", async () => {
    // PORT=0: a free port instead of the README's 8080, which may be taken on a shared machine.
    const child = spawn("bash", [DEV, "start"], {
      cwd: dir,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "warn" },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const pgid = child.pid;
    if (pgid === undefined) throw new Error("./dev start did not start");
    try {
      const url = await new Promise<string>((found, fail) => {
        let seen = "";
        const timer = setTimeout(() => fail(new Error(`no gateway URL within 30 s:\n${seen}`)), 30_000);
        child.stderr.on("data", (chunk) => {
          seen += String(chunk);
          const match = /modelgate local gateway: (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
          if (match?.[1]) {
            clearTimeout(timer);
            found(match[1]);
          }
        });
        child.once("exit", (code) => fail(new Error(`./dev start exited ${code}:\n${seen}`)));
      });
      const list = (await (await fetch(`${url}/api/v1/models`)).json()) as { total: number };
      expect(list.total).toBe(4);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        process.kill(-pgid, "SIGTERM");
        await exited;
      }
    }
  }, 45_000);
});
