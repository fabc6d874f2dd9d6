import { fileURLToPath } from "node:url";
import { type KubeObject, parseManifests } from "../knative/manifests.ts";
import { applyObjects } from "./apply.ts";
import { type KubectlTarget, kubectl } from "./kubectl.ts";

/** The test overlay (test/platform/overlay): knative/overlays/gateway-api with Traefik's names and local images. */
export const PLATFORM_OVERLAY = fileURLToPath(new URL("./overlay", import.meta.url));

/** The objects of the test overlay, rendered by kubectl's own kustomize. */
export async function renderOverlay(target: KubectlTarget, dir = PLATFORM_OVERLAY): Promise<KubeObject[]> {
  return parseManifests(await kubectl(target, ["kustomize", dir]), dir);
}

/**
 * Installs modelgate from the test overlay and waits until its Knative Services are Ready (their images are
 * in containerd already: `./dev images`, imported when the node started).
 */
export async function installModelgate(target: KubectlTarget, timeoutMs = 300_000): Promise<KubeObject[]> {
  const objects = await renderOverlay(target);
  await applyObjects(target, objects, timeoutMs);
  await kubectl(
    target,
    ["wait", "-n", "modelgate", "--for=condition=Ready", `--timeout=${timeoutMs / 1000}s`, "ksvc", "--all"],
    {
      timeoutMs: timeoutMs + 10_000,
    },
  );
  return objects;
}
