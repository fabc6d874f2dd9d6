import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = fileURLToPath(new URL("./build.sh", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Runs a build script of the repository with bash (cwd = the repository root), its progress going to this
 * process's stderr; resolves to the last line of its stdout ("" when it printed none). Throws with the tail of
 * its stderr when it fails.
 */
export function runBuildScript(script: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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
      if (code === 0) resolve(stdout.trim().split("\n").at(-1) ?? "");
      else reject(new Error(`${script} failed (exit ${code}):\n${stderr.trim().split("\n").slice(-30).join("\n")}`));
    });
  });
}

/**
 * Runs test/cluster/build.sh (a no-op once kube-apiserver, kubectl and etcd are cached; ~3.5 min cold)
 * and resolves to the directory holding them. `cacheDir` overrides the cache root (MODELGATE_CACHE).
 * The build's progress goes to this process's stderr. Throws with the script's message on failure.
 */
export async function ensureClusterBinaries(options: { cacheDir?: string } = {}): Promise<string> {
  const env = { ...process.env };
  if (options.cacheDir !== undefined) env.MODELGATE_CACHE = options.cacheDir;
  const binDir = await runBuildScript(BUILD_SCRIPT, env);
  if (!binDir) throw new Error(`${BUILD_SCRIPT} printed no bin dir`);
  return binDir;
}
