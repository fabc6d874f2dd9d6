import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = fileURLToPath(new URL("./build.sh", import.meta.url));

/**
 * Runs test/cluster/build.sh (a no-op once kube-apiserver, kubectl and etcd are cached; ~3.5 min cold)
 * and resolves to the directory holding them. `cacheDir` overrides the cache root (MODELGATE_CACHE).
 * The build's progress goes to this process's stderr. Throws with the script's message on failure.
 */
export function ensureClusterBinaries(options: { cacheDir?: string } = {}): Promise<string> {
  const env = { ...process.env };
  if (options.cacheDir !== undefined) env.MODELGATE_CACHE = options.cacheDir;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [BUILD_SCRIPT], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once("error", (err) => reject(new Error(`cannot run ${BUILD_SCRIPT}: ${err.message}`)));
    child.once("close", (code) => {
      const binDir = stdout.trim().split("\n").at(-1);
      if (code === 0 && binDir) resolve(binDir);
      else
        reject(new Error(`${BUILD_SCRIPT} failed (exit ${code}):\n${stderr.trim().split("\n").slice(-30).join("\n")}`));
    });
  });
}
