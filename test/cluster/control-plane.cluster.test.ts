import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  adminKubeConfig,
  adminRequest,
  applyRbac,
  createServiceAccount,
  ensureNamespace,
  type RbacObject,
  requestToken,
} from "./admin.ts";
import { startControlPlane } from "./control-plane.ts";
import { kubeRequest } from "./kube-request.ts";

const run = promisify(execFile);
const cluster = inject("cluster");
const NS = "cp-selftest";
const ISVC_PATH = `/apis/serving.kserve.io/v1beta1/namespaces/${NS}/inferenceservices`;

function isvc(name: string, cpu: string): unknown {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name, namespace: NS },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, resources: { limits: { cpu } } } } },
  };
}

async function tokenReview(token: string): Promise<{ authenticated?: boolean; user?: { username?: string } }> {
  const res = await adminRequest(cluster, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: { token },
  });
  expect(res.status).toBe(201);
  return (res.body as { status: { authenticated?: boolean; user?: { username?: string } } }).status;
}

async function canI(user: string, namespace: string, verb: string): Promise<boolean> {
  const res = await adminRequest(cluster, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: { user, resourceAttributes: { namespace, verb, group: "serving.kserve.io", resource: "inferenceservices" } },
  });
  expect(res.status).toBe(201);
  return (res.body as { status: { allowed: boolean } }).status.allowed;
}

describe("shared control plane", () => {
  beforeAll(async () => {
    await ensureNamespace(cluster, NS);
  });

  it("serves the pinned version, to client-node and to kubectl through the kubeconfig", async () => {
    const version = await adminRequest(cluster, "GET", "/version");
    expect(version.body).toMatchObject({ gitVersion: "v1.34.3", major: "1", minor: "34" });

    const core = adminKubeConfig(cluster).makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: NS });
    expect(ns.metadata?.name).toBe(NS);

    const kubectl = join(cluster.binDir, "kubectl");
    const { stdout } = await run(kubectl, [
      "--kubeconfig",
      cluster.kubeconfigPath,
      "get",
      "namespace",
      NS,
      "-o",
      "name",
    ]);
    expect(stdout.trim()).toBe(`namespace/${NS}`);

    const anonymous = await kubeRequest(cluster, "GET", `/api/v1/namespaces/${NS}`);
    expect(anonymous.status).toBe(403);
  });

  it("has the InferenceService CRD established, validating with 422 and details.causes", async () => {
    const crd = await adminRequest(
      cluster,
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/inferenceservices.serving.kserve.io",
    );
    expect(crd.status).toBe(200);
    expect(crd.body).toMatchObject({
      status: {
        conditions: expect.arrayContaining([expect.objectContaining({ type: "Established", status: "True" })]),
      },
    });

    const bad = await adminRequest(cluster, "POST", ISVC_PATH, isvc("bad-cpu", "lots"));
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      kind: "Status",
      reason: "Invalid",
      details: {
        causes: expect.arrayContaining([
          expect.objectContaining({ reason: "FieldValueInvalid", field: "spec.predictor.model.resources.limits.cpu" }),
        ]),
      },
    });

    const good = await adminRequest(cluster, "POST", ISVC_PATH, isvc("good-cpu", "500m"));
    expect(good.status).toBe(201);
    const status = { url: "http://good-cpu.cp-selftest.example.com", conditions: [{ type: "Ready", status: "True" }] };
    const patched = await adminRequest(cluster, "PATCH", `${ISVC_PATH}/good-cpu/status`, { status });
    expect(patched.status).toBe(200);
    const read = await adminRequest(cluster, "GET", `${ISVC_PATH}/good-cpu`);
    expect(read.body).toMatchObject({ status });
  });

  it("authenticates a TokenRequest token with TokenReview, and rejects others", async () => {
    await createServiceAccount(cluster, NS, "reviewer");
    const token = await requestToken(cluster, NS, "reviewer", { expirationSeconds: 600 });
    expect(await tokenReview(token)).toMatchObject({
      authenticated: true,
      user: { username: `system:serviceaccount:${NS}:reviewer` },
    });

    const otherAudience = await requestToken(cluster, NS, "reviewer", { audiences: ["not-the-api-server"] });
    expect((await tokenReview(otherAudience)).authenticated).not.toBe(true);
    expect((await tokenReview(`${token.slice(0, -4)}AAAA`)).authenticated).not.toBe(true);
  });

  it("answers SubjectAccessReview according to an RBAC Role", async () => {
    const user = `system:serviceaccount:${NS}:reader`;
    const role = (verbs: string[]): RbacObject => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "isvc-reader", namespace: NS },
      rules: [{ apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs }],
    });
    const binding: RbacObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "isvc-reader", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "isvc-reader" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: NS }],
    };
    expect(await canI(user, NS, "get")).toBe(false);

    await applyRbac(cluster, [role(["get", "list"]), binding]);
    expect(await canI(user, NS, "get")).toBe(true);
    expect(await canI(user, NS, "delete")).toBe(false);
    expect(await canI(user, "default", "get")).toBe(false);

    await applyRbac(cluster, [role(["get", "list", "delete"])]);
    expect(await canI(user, NS, "delete")).toBe(true);
  });
});

describe("a control plane owned by a suite", () => {
  it("starts, answers, and stops completely (server down, processes gone, dir removed)", async () => {
    const cp = await startControlPlane({ binDir: cluster.binDir });
    try {
      expect(cp.server).not.toBe(cluster.server);
      const ready = await adminRequest(cp, "GET", "/readyz");
      expect(ready.status).toBe(200);
    } finally {
      await cp.stop();
    }
    await expect(adminRequest(cp, "GET", "/readyz")).rejects.toThrow(/ECONNREFUSED/);
    for (const pid of [cp.pids.apiServer, cp.pids.etcd]) {
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    }
    expect(existsSync(cp.dir)).toBe(false);
  });
});
