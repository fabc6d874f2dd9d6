import { describe, expect, inject, it } from "vitest";
import { FUNCTIONS } from "../../tools/gateway/src/routes.ts";
import { isRecord, type KubeObject, knativeServices } from "../knative/manifests.ts";
import { kubectl } from "./kubectl.ts";
import { renderOverlay } from "./modelgate-install.ts";

/**
 * Running for real: the three Knative Services of knative/base, installed from the test overlay with the images
 * of `./dev images`, are Ready, and their Revisions run with the ServiceAccounts, probes, limits and security
 * context the base gives them (as the webhook defaulted and admitted them).
 */
const platform = inject("platform");

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl(platform, [...args, "-o", "json"])) as T;
}

const containerOf = (service: KubeObject) => {
  const spec = isRecord(service.spec) && isRecord(service.spec.template) ? service.spec.template.spec : undefined;
  const containers = isRecord(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  return { podSpec: isRecord(spec) ? spec : {}, container: (containers[0] ?? {}) as Record<string, unknown> };
};

describe.each(FUNCTIONS)("the %s Knative Service", (fn) => {
  it("is Ready, with its Configuration, Route and latest Revision Ready", async () => {
    const ksvc = await getJson<{
      status: { conditions: Condition[]; latestReadyRevisionName?: string; address?: { url?: string } };
    }>(["get", "ksvc", "-n", "modelgate", fn]);
    const byType = Object.fromEntries(ksvc.status.conditions.map((c) => [c.type, c.status]));
    expect(byType).toMatchObject({ Ready: "True", ConfigurationsReady: "True", RoutesReady: "True" });
    expect(ksvc.status.address?.url).toBe(`http://${fn}.modelgate.svc.cluster.local`);
    expect(ksvc.status.latestReadyRevisionName).toMatch(new RegExp(`^${fn}-`));
  });

  it("runs its Revision as knative/base says: image, ServiceAccount, probes, resources, security context", async () => {
    const expected = knativeServices(await renderOverlay(platform)).find((s) => s.metadata.name === fn);
    if (!expected) throw new Error(`no ${fn} in the overlay`);
    const want = containerOf(expected);
    const revisionName = (
      await getJson<{ status: { latestReadyRevisionName: string } }>(["get", "ksvc", "-n", "modelgate", fn])
    ).status.latestReadyRevisionName;
    const revision = await getJson<KubeObject>(["get", "revision", "-n", "modelgate", revisionName]);
    const got = containerOf({ ...revision, spec: { template: { spec: revision.spec } } });
    expect(got.container.image).toBe(want.container.image);
    expect(got.podSpec.serviceAccountName).toBe(`modelgate-${fn}`);
    expect(got.container.resources).toEqual(want.container.resources);
    expect(got.container.securityContext).toMatchObject(want.container.securityContext as object);
    expect(got.container.readinessProbe).toMatchObject({ httpGet: { path: "/health/readiness" } });
    expect(got.container.livenessProbe).toMatchObject({ httpGet: { path: "/health/liveness" } });
    expect(got.podSpec.containerConcurrency).toBe(want.podSpec.containerConcurrency);
    expect(got.podSpec.timeoutSeconds).toBe(want.podSpec.timeoutSeconds);
  });
});
