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
