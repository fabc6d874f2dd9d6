import { execFile } from "node:child_process";
import { join } from "node:path";

/** What kubectl needs of a running platform. */
export interface KubectlTarget {
  binDir: string;
  kubeconfigPath: string;
}

/**
 * Runs `kubectl ARGS` against the platform as its admin; `input` goes to its stdin (for `-f -`). Resolves to
 * stdout; rejects with an error carrying kubectl's stderr (what the API server or a webhook said).
 */
export function kubectl(
  target: KubectlTarget,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(target.binDir, "kubectl"),
      ["--kubeconfig", target.kubeconfigPath, ...args],
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(" ")}: ${stderr.trim() || err.message}`, { cause: err }));
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
