import { fileURLToPath } from "node:url";
import { type KubeObject, parseManifests } from "../knative/manifests.ts";
import { applyObjects } from "./apply.ts";
import { type KubectlTarget, kubectl } from "./kubectl.ts";

/** The test overlay (test/platform/overlay): knative/overlays/gateway-api with Traefik's names and local images. */
export const PLATFORM_OVERLAY = fileURLToPath(new URL("./overlay", import.meta.url));

/**
 * The registry entry the lifecycle suite deploys, added to the base's registry.json as a user registers a model:
 * iris classifiers trained by test/platform/sklearn-runtime/build.sh, on the model store's claim. `missing` names
 * a directory the store does not have.
 */
export const IRIS_ENTRY = {
  name: "iris",
  service: "iris-predictor",
  type: "classification",
  description: "Iris species from sepal and petal sizes (sklearn decision trees)",
  protocol: "v1",
  versions: [
    { name: "v1", storageUri: "pvc://model-store/iris/v1", modelFormat: { name: "sklearn" }, default: true },
    { name: "v2", storageUri: "pvc://model-store/iris/v2", modelFormat: { name: "sklearn" } },
    { name: "missing", storageUri: "pvc://model-store/iris/missing", modelFormat: { name: "sklearn" } },
  ],
  deploy: { minReplicas: 0, maxReplicas: 1, deploymentMode: "Knative" },
} as const;

/** The objects of the test overlay, rendered by kubectl's own kustomize, with {@link IRIS_ENTRY} registered. */
export async function renderOverlay(target: KubectlTarget, dir = PLATFORM_OVERLAY): Promise<KubeObject[]> {
  const objects = parseManifests(await kubectl(target, ["kustomize", dir]), dir);
  const registry = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "modelgate-registry");
  const data = registry?.data as Record<string, string> | undefined;
  if (!data?.["registry.json"]) throw new Error("the overlay has no modelgate-registry ConfigMap with registry.json");
  const entries = JSON.parse(data["registry.json"]) as unknown[];
  data["registry.json"] = JSON.stringify([...entries, IRIS_ENTRY], null, 2);
  return objects;
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
