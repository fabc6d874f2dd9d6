import { kubectl } from "./kubectl.ts";
import type { PlatformInfo } from "./platform.ts";

/** What a {@link recordLogs} has gathered, and how to stop it. */
export interface LogRecorder {
  /** Every line seen so far, in the order first seen (each pod's lines once). */
  lines(): string[];
  /** Reads once more, then stops polling. */
  stop(): Promise<void>;
}

/**
 * Records the log of container `container` of every pod `selector` matches, by polling `kubectl logs` each
 * `intervalMs`: a Knative Service scaled to zero takes its pods' logs with it, so what a suite reads later must
 * be gathered while they run.
 */
export function recordLogs(
  platform: PlatformInfo,
  namespace: string,
  selector: string,
  container: string,
  intervalMs = 1_000,
): LogRecorder {
  const seen = new Set<string>();
  const read = async () => {
    const out = await kubectl(platform, [
      "logs",
      "-n",
      namespace,
      "-l",
      selector,
      "-c",
      container,
      "--tail=-1",
      "--prefix",
      "--ignore-errors",
      "--max-log-requests=20",
    ]).catch(() => "");
    for (const line of out.split("\n")) if (line.trim() !== "") seen.add(line);
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await read();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    lines: () => [...seen].map((line) => line.replace(/^\[[^\]]*\] /, "")),
    stop: async () => {
      stopped = true;
      await loop;
      await read();
    },
  };
}
