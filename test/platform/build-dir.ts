import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a build script of the repository (progress to this process's stderr); resolves to its last stdout line. */
function runScript(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once("error", (err) => reject(new Error(`cannot run ${script}: ${err.message}`)));
    child.once("close", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0) resolve(last);
      else reject(new Error(`${script} failed (exit ${code}):\n${stderr.trim().split("\n").slice(-30).join("\n")}`));
    });
  });
}

/**
 * test/platform/setup-host.sh (the Debian packages, when missing), then test/platform/build.sh (a no-op once
 * everything is cached): resolves to the platform's build dir.
 */
export async function ensurePlatformBuilt(): Promise<string> {
  await runScript("test/platform/setup-host.sh");
  return runScript("test/platform/build.sh");
}

/**
 * `./dev images` (scripts/images.sh): modelgate's images from its Containerfiles, plus the platform suite's
 * hello-world and sample model, as dist/images/<name>.tar.
 */
export async function buildModelgateImages(): Promise<string[]> {
  await runScript("scripts/images.sh");
  return ["models", "predict", "deploy", "hello", "sample-model"].map((name) => `${ROOT}dist/images/${name}.tar`);
}
