import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubeRequest } from "../cluster/kube-request.ts";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";
import { podsOf } from "./pods.ts";
import { ROUTE_PROBES } from "./route-probes.ts";

/**
 * RBAC for real: the token the deploy function's pod itself gets (read from inside its container) may change
 * InferenceServices in the allowed namespace only; models and predict get no token at all, and their
 * ServiceAccounts may change nothing.
 */
const platform = inject("platform");
const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const ALLOWED = "self-healing-platform";
const OTHER = "modelgate-rbac-other";

/** A running pod of `fn` (woken by a request through the Gateway if it is at zero). */
async function runningPod(fn: "models" | "predict" | "deploy"): Promise<string> {
  const probe = ROUTE_PROBES.find((p) => p.route.fn === fn);
  if (!probe) throw new Error(`no route of ${fn}`);
  await gatewayRequest(platform.gatewayUrl, probe.request);
  return eventually(`a ready ${fn} pod`, 60_000, async () => {
    const pod = (await podsOf(platform, "modelgate", fn)).find((p) => p.ready && !p.deleting);
    return pod?.name;
  });
}

function isvc(namespace: string) {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name: "rbac-probe", namespace, labels: { "app.kubernetes.io/managed-by": "modelgate" } },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "pvc://model-store/rbac/v1" } } },
  };
}

async function as(token: string, method: string, path: string, body?: unknown) {
  return kubeRequest({ server: platform.server, caPem: platform.caPem, token }, method, path, body);
}

const isvcs = (ns: string) => `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`;

let deployToken = "";

beforeAll(async () => {
  await kubectl(platform, ["create", "namespace", OTHER]).catch(() => "exists");
  const pod = await runningPod("deploy");
  deployToken = (
    await kubectl(platform, ["exec", "-n", "modelgate", pod, "-c", "deploy", "--", "cat", `${TOKEN_DIR}/token`])
  ).trim();
});

describe("the deploy function's own token", () => {
  it("is a token of its ServiceAccount, accepted by the API server", async () => {
    const review = await kubeRequest(
      { server: platform.server, caPem: platform.caPem, token: platform.adminToken },
      "POST",
      "/apis/authentication.k8s.io/v1/tokenreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: deployToken } },
    );
    const status = (review.body as { status?: { authenticated?: boolean; user?: { username?: string } } }).status;
    expect(status?.authenticated).toBe(true);
    expect(status?.user?.username).toBe("system:serviceaccount:modelgate:modelgate-deploy");
  });

  it("may create, get, list, patch and delete InferenceServices in the allowed namespace (server dry run)", async () => {
    const created = await as(deployToken, "POST", `${isvcs(ALLOWED)}?dryRun=All`, isvc(ALLOWED));
    expect(created.status, created.text).toBe(201);
    expect((await as(deployToken, "GET", isvcs(ALLOWED))).status).toBe(200);
    expect((await as(deployToken, "GET", `${isvcs(ALLOWED)}/absent`)).status).toBe(404);
    expect((await as(deployToken, "DELETE", `${isvcs(ALLOWED)}/absent?dryRun=All`)).status).toBe(404);
  });

  it("may not touch InferenceServices in any other namespace, nor read secrets or pods", async () => {
    expect((await as(deployToken, "POST", `${isvcs(OTHER)}?dryRun=All`, isvc(OTHER))).status).toBe(403);
    expect((await as(deployToken, "GET", isvcs(OTHER))).status).toBe(403);
    expect((await as(deployToken, "GET", `/api/v1/namespaces/${ALLOWED}/secrets`)).status).toBe(403);
    expect((await as(deployToken, "GET", "/api/v1/namespaces/modelgate/pods")).status).toBe(403);
  });
});

describe.each(["models", "predict"] as const)("the %s function", (fn) => {
  it("has no ServiceAccount token in its pod", async () => {
    const pod = await runningPod(fn);
    const listing = await kubectl(platform, [
      "exec",
      "-n",
      "modelgate",
      pod,
      "-c",
      fn,
      "--",
      "ls",
      "/var/run/secrets",
    ]).catch((err: Error) => err.message);
    expect(listing).not.toContain("kubernetes.io");
    const spec = JSON.parse(await kubectl(platform, ["get", "pod", "-n", "modelgate", pod, "-o", "json"])) as {
      spec: { serviceAccountName: string; automountServiceAccountToken?: boolean };
    };
    expect(spec.spec.serviceAccountName).toBe(`modelgate-${fn}`);
    expect(spec.spec.automountServiceAccountToken).toBe(false);
  });

  it("its ServiceAccount may change nothing (a token requested for it)", async () => {
    const token = (await kubectl(platform, ["create", "token", "-n", "modelgate", `modelgate-${fn}`])).trim();
    expect((await as(token, "POST", `${isvcs(ALLOWED)}?dryRun=All`, isvc(ALLOWED))).status).toBe(403);
    expect((await as(token, "GET", isvcs(ALLOWED))).status).toBe(403);
    expect((await as(token, "GET", `/api/v1/namespaces/${ALLOWED}/secrets`)).status).toBe(403);
  });
});
