import type { KubeObject } from "../knative/manifests.ts";
import { type KubectlTarget, kubectl } from "./kubectl.ts";

/**
 * Applying objects to the platform the way an operator does (server-side apply, field manager `modelgate-platform`),
 * retried while a webhook that guards them is not serving yet, and waiting for what they start.
 */

/**
 * Errors that mean "a webhook is not up yet": worth a retry. (An unknown kind is not: every stage's CRDs are
 * Established before the next stage is applied, so it means a version that is not served.)
 */
const TRANSIENT =
  /failed calling webhook|no endpoints available|connection refused|context deadline exceeded|i\/o timeout/i;

/** Server-side applies `objects` as one List; retries transient refusals for up to `timeoutMs`. */
export async function applyObjects(
  target: KubectlTarget,
  objects: readonly KubeObject[],
  timeoutMs = 120_000,
): Promise<void> {
  if (objects.length === 0) return;
  const input = JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await kubectl(
        target,
        ["apply", "--server-side", "--force-conflicts", "--field-manager=modelgate-platform", "-f", "-"],
        {
          input,
        },
      );
      return;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!TRANSIENT.test(message) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** Waits until every CRD among `objects` is Established. */
export async function waitForCrds(
  target: KubectlTarget,
  objects: readonly KubeObject[],
  timeoutMs = 60_000,
): Promise<void> {
  const names = objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => `crd/${o.metadata.name}`);
  if (names.length === 0) return;
  await kubectl(
    target,
    ["wait", "--for=condition=Established", `--timeout=${Math.round(timeoutMs / 1000)}s`, ...names],
    {
      timeoutMs: timeoutMs + 10_000,
    },
  );
}

/** Waits until Deployments (one, or all of a namespace) are Available. */
export async function waitForDeployments(
  target: KubectlTarget,
  namespace: string,
  name: string | undefined,
  timeoutMs = 300_000,
): Promise<void> {
  const which = name ? [`deployment/${name}`] : ["deployment", "--all"];
  await kubectl(
    target,
    ["wait", "-n", namespace, "--for=condition=Available", `--timeout=${Math.round(timeoutMs / 1000)}s`, ...which],
    { timeoutMs: timeoutMs + 10_000 },
  );
}
