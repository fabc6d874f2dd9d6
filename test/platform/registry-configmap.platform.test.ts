import { describe, expect, inject, it } from "vitest";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";

/**
 * The registry ConfigMap edited with kubectl, as an operator edits it (docs/DEPLOYING.md, "Changing the
 * registry"): the catalog of the running models pod changes with no new revision and no new pod (the kubelet
 * swaps the mounted file, the function takes the new version), predict knows the new entry, and the edit undone
 * is taken back the same way.
 */
const platform = inject("platform");
const NS = "modelgate";
const ADDED = {
  name: "reloaded-model",
  service: "reloaded-model-predictor",
  type: "predictive",
  description: "added by an edit of the registry ConfigMap",
};

const registryText = async () =>
  (
    JSON.parse(await kubectl(platform, ["get", "configmap", "-n", NS, "modelgate-registry", "-o", "json"])) as {
      data: Record<string, string>;
    }
  ).data["registry.json"] ?? "";

const setRegistry = (text: string) =>
  kubectl(platform, [
    "patch",
    "configmap",
    "-n",
    NS,
    "modelgate-registry",
    "--type=merge",
    "-p",
    JSON.stringify({ data: { "registry.json": text } }),
  ]);

const listed = async () => {
  const answer = await gatewayRequest(platform.gatewayUrl, { method: "GET", path: "/api/v1/models" });
  return answer.status === 200 ? (answer.json as { models: { name: string }[] }).models.map((m) => m.name) : [];
};

const modelsPods = async () =>
  (await kubectl(platform, ["get", "pods", "-n", NS, "-l", "serving.knative.dev/service=models", "-o", "name"]))
    .split("\n")
    .filter((line) => line !== "")
    .sort();

const revision = () =>
  kubectl(platform, ["get", "ksvc", "-n", NS, "models", "-o", "jsonpath={.status.latestReadyRevisionName}"]);

describe("the registry ConfigMap edited with kubectl", () => {
  it("changes the running pods' catalog, with no new revision or pod, and predict's", {
    timeout: 300_000,
  }, async () => {
    const original = await registryText();
    const before = await revision();
    // Requests every 500 ms keep the models pod up (the suite scales an idle function to zero in 6 s).
    let stop = false;
    let names: string[] = [];
    const traffic = (async () => {
      while (!stop) {
        names = await listed().catch(() => names);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    try {
      await eventually("the models pod up", 60_000, async () => ((await modelsPods()).length > 0 ? true : undefined));
      const podsBefore = await modelsPods();
      const edited = performance.now();
      await setRegistry(JSON.stringify([...(JSON.parse(original) as unknown[]), ADDED], null, 2));
      await eventually("the edit served", 150_000, async () => (names.includes(ADDED.name) ? true : undefined));
      process.stderr.write(
        `[platform] registry ConfigMap edit served after ${((performance.now() - edited) / 1000).toFixed(1)} s\n`,
      );
      expect(await modelsPods()).toEqual(podsBefore);
      expect(await revision()).toBe(before);
      const log = await kubectl(platform, ["logs", "-n", NS, podsBefore[0] ?? "", "-c", "models"]);
      const reloaded = log
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg?: string; added?: string[] })
        .find((line) => line.msg === "registry reloaded");
      expect(reloaded?.added).toEqual([ADDED.name]);
      // predict knows the entry too (no InferenceService serves it: unavailable, not unknown), once the kubelet
      // has brought the edit into its own pod's volume (each pod's at its own sync).
      await eventually("predict serving the edit", 150_000, async () => {
        const predicted = await gatewayRequest(platform.gatewayUrl, {
          method: "POST",
          path: `/api/v1/models/${ADDED.name}/predict`,
          body: '{"instances":[[1]]}',
        });
        const error = (predicted.json as { error?: string } | undefined)?.error ?? "";
        if (error.startsWith(`model not found: ${ADDED.name}`)) return undefined;
        expect(error).toMatch(new RegExp(`^model unavailable: ${ADDED.name}`));
        return true;
      });
    } finally {
      await setRegistry(original);
      await eventually("the edit undone", 150_000, async () => (names.includes(ADDED.name) ? undefined : true));
      stop = true;
      await traffic;
    }
  });
});
