import { type KubectlTarget, kubectl } from "./kubectl.ts";

/** A pod as the tests read it. */
export interface PodView {
  name: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
}

/** The pods of Knative Service `service` in `namespace` (every revision's). */
export async function podsOf(target: KubectlTarget, namespace: string, service: string): Promise<PodView[]> {
  const out = await kubectl(target, [
    "get",
    "pods",
    "-n",
    namespace,
    "-l",
    `serving.knative.dev/service=${service}`,
    "-o",
    "json",
  ]);
  const list = JSON.parse(out) as {
    items: {
      metadata: { name: string; deletionTimestamp?: string };
      status?: { phase?: string; conditions?: { type: string; status: string }[] };
    }[];
  };
  return list.items.map((pod) => ({
    name: pod.metadata.name,
    phase: pod.status?.phase ?? "Unknown",
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    deleting: pod.metadata.deletionTimestamp !== undefined,
  }));
}

/** Polls `check` every `intervalMs` until it returns a value, or throws naming `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 1_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
