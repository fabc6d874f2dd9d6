import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "@modelgate/config";
import { buildInferenceService, inferenceServiceName } from "@modelgate/deploy";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { sharedDir } from "../cluster/crds.ts";
import {
  COMPONENTS,
  isRecord,
  KNATIVE_DIR,
  type KubeObject,
  kubectlKustomize,
  OVERLAYS,
  parseManifests,
  writeOverlay,
} from "../knative/manifests.ts";
import { applyObjects, waitForCrds } from "./apply.ts";
import { kubectl } from "./kubectl.ts";

/**
 * Admission for real: Knative Serving's, Eventing's and KServe's webhooks and the Gateway API CRDs that the
 * Gateway implementation ships (v1.4.0) judge every object modelgate ships and every InferenceService the deploy
 * function builds. The Istio VirtualService is judged by its schema only (no Istio runs here).
 */
const platform = inject("platform");
const key = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

interface DryRun {
  ok: boolean;
  out: string;
}

async function serverDryRun(objects: readonly KubeObject[]): Promise<DryRun> {
  const input = JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
  try {
    const out = await kubectl(
      platform,
      // --force-conflicts: the suite's install (the test overlay) owns these objects, with other values.
      [
        "apply",
        "--server-side",
        "--force-conflicts",
        "--dry-run=server",
        "--field-manager=modelgate-admission-test",
        "-o",
        "name",
        "-f",
        "-",
      ],
      { input },
    );
    return { ok: true, out };
  } catch (err) {
    return { ok: false, out: err instanceof Error ? err.message : String(err) };
  }
}

const rendered = new Map<string, KubeObject[]>();
const kubectlPath = join(platform.binDir, "kubectl");

beforeAll(async () => {
  // Istio's CRDs, for the istio overlay's VirtualService (schema only: nothing reconciles it).
  const istioDir = join(sharedDir(), "crds", "istio");
  const istioCrds: KubeObject[] = [];
  for (const file of readdirSync(istioDir).filter((f) => f.endsWith(".yaml"))) {
    istioCrds.push(...parseManifests(await readFile(join(istioDir, file), "utf8"), file));
  }
  await applyObjects(platform, [
    ...istioCrds,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "istio-system" } },
  ]);
  await waitForCrds(platform, istioCrds);
  for (const overlay of OVERLAYS) {
    rendered.set(`overlays/${overlay}`, await kubectlKustomize(kubectlPath, join(KNATIVE_DIR, "overlays", overlay)));
    for (const component of COMPONENTS) {
      const written = await writeOverlay({
        resources: [`overlays/${overlay}`],
        components: [`components/${component}`],
      });
      try {
        rendered.set(`overlays/${overlay} + components/${component}`, await kubectlKustomize(kubectlPath, written.dir));
      } finally {
        await written.remove();
      }
    }
  }
});

describe("every object modelgate ships passes admission on the real platform", () => {
  it.each([
    ...OVERLAYS.map((o) => `overlays/${o}`),
    ...OVERLAYS.flatMap((o) => COMPONENTS.map((c) => `overlays/${o} + components/${c}`)),
  ])("%s: a server-side dry run of every object is admitted", async (name) => {
    const objects = rendered.get(name) ?? [];
    expect(objects.length).toBeGreaterThan(10);
    const result = await serverDryRun(objects);
    expect(result.out, name).not.toMatch(/denied|invalid|error/i);
    expect(result.ok).toBe(true);
    expect(result.out.trim().split("\n")).toHaveLength(objects.length);
  });

  it("the Gateway API objects use versions that both v1.4.0 (Traefik's) and v1.6.1 serve", async () => {
    const gatewayApi = (rendered.get("overlays/gateway-api") ?? []).filter((o) =>
      o.apiVersion.startsWith("gateway.networking.k8s.io/"),
    );
    expect(gatewayApi.map(key).sort()).toEqual([
      "HTTPRoute modelgate/modelgate",
      "ReferenceGrant istio-system/modelgate-to-knative-local-gateway",
    ]);
    const served = JSON.parse(await kubectl(platform, ["get", "--raw", "/apis/gateway.networking.k8s.io"])) as {
      versions: { version: string }[];
    };
    const versions = served.versions.map((v) => v.version);
    for (const object of gatewayApi) {
      const plural = object.kind === "HTTPRoute" ? "httproutes" : "referencegrants";
      const version = object.apiVersion.split("/")[1] ?? "";
      expect(versions).toContain(version);
      const resources = JSON.parse(
        await kubectl(platform, ["get", "--raw", `/apis/gateway.networking.k8s.io/${version}`]),
      ) as {
        resources: { name: string }[];
      };
      expect(
        resources.resources.map((r) => r.name),
        `${object.kind} at ${object.apiVersion}`,
      ).toContain(plural);
    }
  });

  it("every InferenceService the deploy function builds from the shipped registry passes KServe's webhook", async () => {
    const registry = await readFile(join(KNATIVE_DIR, "base", "registry.json"), "utf8");
    const config = loadConfig({ KSERVE_MODEL_REGISTRY: registry, KSERVE_NAMESPACE: "self-healing-platform" });
    const isvcs: KubeObject[] = [];
    for (const entry of config.registry.entries) {
      for (const version of entry.versions) {
        const name = inferenceServiceName(entry, undefined);
        isvcs.push(
          buildInferenceService(entry, { version, name, namespace: entry.namespace }) as unknown as KubeObject,
        );
      }
    }
    expect(isvcs.length).toBeGreaterThan(0);
    const result = await serverDryRun(isvcs);
    expect(result.out).not.toMatch(/denied/i);
    expect(result.ok).toBe(true);
  });
});

describe("the webhooks judge (the dry run can fail)", () => {
  it("Knative Serving's webhook refuses automountServiceAccountToken: true in a Service's pod spec", async () => {
    const deploy = (rendered.get("overlays/gateway-api") ?? []).find(
      (o) => o.kind === "Service" && o.apiVersion.startsWith("serving.knative.dev/") && o.metadata.name === "deploy",
    );
    if (!deploy || !isRecord(deploy.spec) || !isRecord(deploy.spec.template) || !isRecord(deploy.spec.template.spec))
      throw new Error("no deploy Service");
    const broken = structuredClone(deploy) as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
    broken.spec.template.spec.automountServiceAccountToken = true;
    const result = await serverDryRun([broken]);
    expect(result.ok).toBe(false);
    expect(result.out).toContain('admission webhook "validation.webhook.serving.knative.dev" denied the request');
    expect(result.out).toContain("automountServiceAccountToken");
  });

  it("KServe's webhook refuses an InferenceService name its controller cannot use (not a DNS-1035 label)", async () => {
    const result = await serverDryRun([
      {
        apiVersion: "serving.kserve.io/v1beta1",
        kind: "InferenceService",
        metadata: { name: "1-starts-with-a-digit", namespace: "self-healing-platform" },
        spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "pvc://model-store/a" } } },
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.out).toContain(
      'admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request',
    );
  });
});
