import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { adminRequest, ensureNamespace, requestToken } from "./cluster/admin.ts";
import { kubeRequest } from "./cluster/kube-request.ts";
import {
  editedKnativeCopy,
  isRecord,
  KNATIVE_DIR,
  type KubeObject,
  kubectlKustomize,
  moveLogLevelLast,
  OVERLAYS,
  type Overlay,
  renderKustomization,
  writeOverlay,
} from "./knative/manifests.ts";

const cluster = inject("cluster");
const KUBECTL = join(cluster.binDir, "kubectl");

const FUNCTIONS_NS = "modelgate";
const ALLOWED_NS = "self-healing-platform";
const OTHER_NS = `modelgate-other-${randomBytes(3).toString("hex")}`;
const ISVC = { group: "serving.kserve.io", resource: "inferenceservices" };
const sa = (name: string) => `system:serviceaccount:${FUNCTIONS_NS}:${name}`;
const TRIGGER_SAS = {
  deploy: "modelgate-deploy-requested-oidc-eventing.knative.dev-trigger",
  undeploy: "modelgate-undeploy-requested-oidc-eventing.knative.dev-trigger",
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl as the control plane's admin; never throws on a non-zero exit. */
function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ["--kubeconfig", cluster.kubeconfigPath, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

const toYaml = (objects: readonly KubeObject[]) => objects.map((object) => stringify(object)).join("---\n");
const key = (o: KubeObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

function serverDryRun(objects: readonly KubeObject[]): Promise<Run> {
  return kubectl(
    ["apply", "--server-side", "--dry-run=server", "--field-manager=modelgate-knative-test", "-o", "name", "-f", "-"],
    toYaml(objects),
  );
}

const rendered = new Map<Overlay, KubeObject[]>();

function overlay(name: Overlay): KubeObject[] {
  const objects = rendered.get(name);
  if (!objects) throw new Error(`overlay ${name} not rendered`);
  return objects;
}

beforeAll(async () => {
  for (const name of OVERLAYS) rendered.set(name, await kubectlKustomize(KUBECTL, join(KNATIVE_DIR, "overlays", name)));
  // Namespaced objects need their namespace; the Namespace objects of the base are dry-run too.
  for (const ns of [FUNCTIONS_NS, ALLOWED_NS, OTHER_NS, "istio-system"]) await ensureNamespace(cluster, ns);
});

describe.each(OVERLAYS)("knative/overlays/%s", (name) => {
  it("kubectl kustomize renders what the tests' kustomize-free reader renders", async () => {
    const ours = await renderKustomization(join(KNATIVE_DIR, "overlays", name));
    const theirs = overlay(name);
    expect(ours.map(key).sort()).toEqual(theirs.map(key).sort());
    for (const object of theirs)
      expect(
        ours.find((o) => key(o) === key(object)),
        key(object),
      ).toEqual(object);
  });

  it("every rendered object passes a server-side dry-run apply against the upstream CRDs", async () => {
    const objects = overlay(name);
    const result = await serverDryRun(objects);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const applied = result.stdout.trim().split("\n");
    expect(applied).toHaveLength(objects.length);
    for (const kind of ["service.serving.knative.dev", "trigger.eventing.knative.dev", "broker.eventing.knative.dev"]) {
      expect(applied.filter((line) => line.startsWith(`${kind}/`)).length, kind).toBeGreaterThan(0);
    }
    const ingress =
      name === "istio"
        ? "virtualservice.networking.istio.io/modelgate"
        : "httproute.gateway.networking.k8s.io/modelgate";
    expect(applied).toContain(ingress);
  });
});

describe("the dry run validates (it can fail)", () => {
  it("rejects a Knative Service with a field its CRD does not know", async () => {
    const service = overlay("istio").find((o) => o.kind === "Service" && o.metadata.name === "predict");
    if (!service) throw new Error("no predict Service");
    const broken = structuredClone(service);
    const template = isRecord(broken.spec) && isRecord(broken.spec.template) ? broken.spec.template : undefined;
    if (!template || !isRecord(template.spec)) throw new Error("no template spec");
    template.spec.containerConcurency = 10;
    const result = await serverDryRun([broken]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("containerConcurency");
  });

  it("rejects an HTTPRoute with a path match type Gateway API does not have", async () => {
    const route = overlay("gateway-api").find((o) => o.kind === "HTTPRoute");
    if (!route) throw new Error("no HTTPRoute");
    const broken = JSON.parse(JSON.stringify(route).replace('"type":"Exact"', '"type":"Glob"')) as KubeObject;
    const result = await serverDryRun([broken]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Glob|Unsupported value/);
  });
});

// ---- RBAC, applied for real ----

const RBAC_KINDS = ["ServiceAccount", "Role", "RoleBinding", "ClusterRoleBinding"];
let applied: KubeObject[] = [];

async function review(user: string, verb: string, attributes: { group: string; resource: string; namespace?: string }) {
  const res = await adminRequest(cluster, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${FUNCTIONS_NS}`, "system:authenticated"],
      resourceAttributes: { verb, ...attributes },
    },
  });
  expect(res.status).toBe(201);
  return (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
}

/** Every (verb, namespace) the user may do on InferenceServices among those asked. */
async function allowedOnIsvc(user: string, namespaces: string[]): Promise<string[]> {
  const verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
  const allowed: string[] = [];
  for (const namespace of namespaces) {
    for (const verb of verbs)
      if (await review(user, verb, { ...ISVC, namespace })) allowed.push(`${verb} ${namespace}`);
  }
  return allowed;
}

function isvc(namespace: string, name: string): Record<string, unknown> {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "modelgate" } },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "pvc://model-store/x/v1" } } },
  };
}

const isvcPath = (namespace: string, name?: string) =>
  `/apis/serving.kserve.io/v1beta1/namespaces/${namespace}/inferenceservices${name === undefined ? "" : `/${name}`}`;

describe("RBAC of knative/base, applied to the API server", () => {
  beforeAll(async () => {
    applied = overlay("istio").filter((o) => RBAC_KINDS.includes(o.kind));
    // Knative Eventing makes these for the Triggers when OIDC is on; nothing runs here that would.
    const triggerAccounts: KubeObject[] = Object.values(TRIGGER_SAS).map((name) => ({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace: FUNCTIONS_NS },
    }));
    const result = await kubectl(
      ["apply", "--server-side", "--field-manager=modelgate-knative-test", "-f", "-"],
      toYaml([...applied, ...triggerAccounts]),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    applied = [...applied, ...triggerAccounts];
  });

  afterAll(async () => {
    if (applied.length > 0) await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], toYaml(applied));
  });

  it("binds no ClusterRole but system:auth-delegator, and only Roles in the allowed namespace", () => {
    const bindings = applied.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding");
    const refs = bindings.map((b) => `${b.kind} ${b.metadata.namespace ?? "-"} → ${JSON.stringify(b.roleRef)}`);
    expect(refs.filter((ref) => ref.includes('"kind":"ClusterRole"'))).toEqual([
      'ClusterRoleBinding - → {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:auth-delegator"}',
    ]);
    expect(new Set(applied.filter((o) => o.kind === "Role").map((o) => o.metadata.namespace))).toEqual(
      new Set([ALLOWED_NS]),
    );
  });

  it("deploy's ServiceAccount: exactly the verbs the code uses, in the allowed namespace only", async () => {
    expect(await allowedOnIsvc(sa("modelgate-deploy"), [ALLOWED_NS, OTHER_NS, FUNCTIONS_NS])).toEqual([
      `get ${ALLOWED_NS}`,
      `list ${ALLOWED_NS}`,
      `create ${ALLOWED_NS}`,
      `patch ${ALLOWED_NS}`,
      `delete ${ALLOWED_NS}`,
    ]);
    for (const resource of ["tokenreviews", "subjectaccessreviews"]) {
      const group = resource === "tokenreviews" ? "authentication.k8s.io" : "authorization.k8s.io";
      expect(await review(sa("modelgate-deploy"), "create", { group, resource }), resource).toBe(true);
    }
  });

  it("the Triggers' OIDC identities: create + patch (deploy events), delete (undeploy events), allowed namespace only", async () => {
    expect(await allowedOnIsvc(sa(TRIGGER_SAS.deploy), [ALLOWED_NS, OTHER_NS])).toEqual([
      `create ${ALLOWED_NS}`,
      `patch ${ALLOWED_NS}`,
    ]);
    expect(await allowedOnIsvc(sa(TRIGGER_SAS.undeploy), [ALLOWED_NS, OTHER_NS])).toEqual([`delete ${ALLOWED_NS}`]);
  });

  it("models, predict and the dead-letter sink: nothing at all", async () => {
    for (const name of ["modelgate-models", "modelgate-predict", "modelgate-dead-letters"]) {
      expect(await allowedOnIsvc(sa(name), [ALLOWED_NS, OTHER_NS, FUNCTIONS_NS]), name).toEqual([]);
      expect(await review(sa(name), "create", { group: "authentication.k8s.io", resource: "tokenreviews" })).toBe(
        false,
      );
      for (const resource of ["pods", "services", "configmaps", "serviceaccounts"]) {
        expect(
          await review(sa(name), "list", { group: "", resource, namespace: FUNCTIONS_NS }),
          `${name} ${resource}`,
        ).toBe(false);
      }
    }
  });

  it("nobody gets secrets", async () => {
    const accounts = [
      "modelgate-models",
      "modelgate-predict",
      "modelgate-deploy",
      "modelgate-dead-letters",
      ...Object.values(TRIGGER_SAS),
    ];
    for (const name of accounts) {
      for (const namespace of [FUNCTIONS_NS, ALLOWED_NS, OTHER_NS, undefined]) {
        for (const verb of ["get", "list", "watch"]) {
          const attributes = { group: "", resource: "secrets", ...(namespace ? { namespace } : {}) };
          expect(await review(sa(name), verb, attributes), `${name} ${verb} secrets ${namespace ?? "*"}`).toBe(false);
        }
      }
    }
  });

  it("kubectl auth can-i --as agrees (impersonation)", async () => {
    const canI = async (args: string[]) => (await kubectl(["auth", "can-i", ...args])).stdout.trim();
    const deploy = `--as=${sa("modelgate-deploy")}`;
    expect(await canI(["patch", "inferenceservices.serving.kserve.io", "-n", ALLOWED_NS, deploy])).toBe("yes");
    expect(await canI(["patch", "inferenceservices.serving.kserve.io", "-n", OTHER_NS, deploy])).toBe("no");
    expect(await canI(["get", "secrets", "-n", FUNCTIONS_NS, deploy])).toBe("no");
    expect(
      await canI(["list", "inferenceservices.serving.kserve.io", "-n", ALLOWED_NS, `--as=${sa("modelgate-predict")}`]),
    ).toBe("no");
  });

  it("with deploy's own token: server-side apply, get, list and delete work in the allowed namespace, 403 elsewhere", async () => {
    const token = await requestToken(cluster, FUNCTIONS_NS, "modelgate-deploy");
    const asDeploy = (method: string, path: string, body?: unknown, contentType?: string) =>
      kubeRequest(
        { server: cluster.server, caPem: cluster.caPem, token },
        method,
        path,
        body,
        contentType ? { contentType } : {},
      );
    const name = `knative-rbac-${randomBytes(3).toString("hex")}`;
    const apply = (namespace: string) =>
      asDeploy(
        "PATCH",
        `${isvcPath(namespace, name)}?fieldManager=modelgate&force=true`,
        isvc(namespace, name),
        "application/apply-patch+yaml",
      );

    expect((await apply(OTHER_NS)).status).toBe(403);
    const created = await apply(ALLOWED_NS);
    expect(created.status, created.text).toBe(201);
    expect((await apply(ALLOWED_NS)).status).toBe(200);
    expect((await asDeploy("GET", isvcPath(ALLOWED_NS, name))).status).toBe(200);
    expect(
      (await asDeploy("GET", `${isvcPath(ALLOWED_NS)}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmodelgate`))
        .status,
    ).toBe(200);
    expect((await asDeploy("GET", isvcPath(OTHER_NS))).status).toBe(403);
    expect((await asDeploy("GET", `/api/v1/namespaces/${FUNCTIONS_NS}/secrets`)).status).toBe(403);
    expect((await asDeploy("DELETE", isvcPath(ALLOWED_NS, name))).status).toBe(200);

    const review = await asDeploy("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    expect(review.status).toBe(201);
    expect((review.body as { status?: { user?: { username?: string } } }).status?.user?.username).toBe(
      sa("modelgate-deploy"),
    );
  });

  it("with predict's token: every InferenceService call is 403", async () => {
    const token = await requestToken(cluster, FUNCTIONS_NS, "modelgate-predict");
    const conn = { server: cluster.server, caPem: cluster.caPem, token };
    expect((await kubeRequest(conn, "GET", isvcPath(ALLOWED_NS))).status).toBe(403);
    expect((await kubeRequest(conn, "POST", `${isvcPath(ALLOWED_NS)}?dryRun=All`, isvc(ALLOWED_NS, "x"))).status).toBe(
      403,
    );
  });
});

// ---- knative/components/cluster-wide (KSERVE_ALLOWED_NAMESPACES="*") ----

const CLUSTER_WIDE = "components/cluster-wide";
const CLUSTER_RBAC_KINDS = [...RBAC_KINDS, "ClusterRole"];

describe("knative/components/cluster-wide, in a test overlay over istio", () => {
  let wide: KubeObject[] = [];
  let overlayDir = "";
  let removeOverlay = async () => {};

  beforeAll(async () => {
    const overlay = await writeOverlay({ resources: ["overlays/istio"], components: [CLUSTER_WIDE] });
    overlayDir = overlay.dir;
    removeOverlay = overlay.remove;
    wide = await kubectlKustomize(KUBECTL, overlay.dir);
  });

  afterAll(async () => {
    await removeOverlay();
  });

  it("kubectl kustomize renders what the tests' kustomize-free reader renders", async () => {
    const ours = await renderKustomization(overlayDir);
    expect(ours.map(key).sort()).toEqual(wide.map(key).sort());
    for (const object of wide)
      expect(
        ours.find((o) => key(o) === key(object)),
        key(object),
      ).toEqual(object);
  });

  it("every rendered object passes a server-side dry-run apply, the ClusterRoles and their bindings included", async () => {
    const result = await serverDryRun(wide);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const applied = result.stdout.trim().split("\n");
    expect(applied).toHaveLength(wide.length);
    for (const name of ["modelgate-deploy", "modelgate-deploy-events", "modelgate-undeploy-events"]) {
      expect(applied).toContain(`clusterrole.rbac.authorization.k8s.io/${name}`);
      expect(applied).toContain(`clusterrolebinding.rbac.authorization.k8s.io/${name}`);
    }
    expect(applied).toContain("service.serving.knative.dev/deploy");
  });

  it("kubectl kustomize refuses to build when deploy's env is reordered (the patch's test op)", async () => {
    const copy = await editedKnativeCopy("base/deploy.yaml", moveLogLevelLast);
    const overlay = await writeOverlay({ root: copy.root, resources: ["overlays/istio"], components: [CLUSTER_WIDE] });
    try {
      await expect(kubectlKustomize(KUBECTL, overlay.dir)).rejects.toThrow(/test failed/);
    } finally {
      await overlay.remove();
      await copy.remove();
    }
  });

  describe("its RBAC, applied to the API server", () => {
    const LATER_NS = `modelgate-later-${randomBytes(3).toString("hex")}`;
    let appliedWide: KubeObject[] = [];
    const removeAll = () => kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], toYaml(appliedWide));

    beforeAll(async () => {
      const triggerAccounts: KubeObject[] = Object.values(TRIGGER_SAS).map((name) => ({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name, namespace: FUNCTIONS_NS },
      }));
      appliedWide = [...wide.filter((o) => CLUSTER_RBAC_KINDS.includes(o.kind)), ...triggerAccounts];
      const result = await kubectl(
        ["apply", "--server-side", "--field-manager=modelgate-knative-test", "-f", "-"],
        toYaml(appliedWide),
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      // A namespace that did not exist when the RBAC was applied is covered too.
      await ensureNamespace(cluster, LATER_NS);
    });

    // Cluster-scoped grants must not outlive this suite (the other suites expect 403 outside their namespaces).
    afterAll(async () => {
      if (appliedWide.length > 0) await removeAll();
    });

    it("deploy's ServiceAccount: exactly the verbs the code uses, in every namespace and across the cluster", async () => {
      const namespaces = [ALLOWED_NS, OTHER_NS, FUNCTIONS_NS, LATER_NS];
      expect(await allowedOnIsvc(sa("modelgate-deploy"), namespaces)).toEqual(
        namespaces.flatMap((ns) => ["get", "list", "create", "patch", "delete"].map((verb) => `${verb} ${ns}`)),
      );
      // The list of every namespace at once (GET /api/v1/inferenceservices with "*").
      expect(await review(sa("modelgate-deploy"), "list", ISVC)).toBe(true);
      expect(await review(sa("modelgate-deploy"), "watch", ISVC)).toBe(false);
      const others: [group: string, resource: string][] = [
        ["", "pods"],
        ["", "configmaps"],
        ["", "serviceaccounts"],
        ["serving.knative.dev", "services"],
        ["rbac.authorization.k8s.io", "clusterroles"],
      ];
      for (const [group, resource] of others) {
        expect(await review(sa("modelgate-deploy"), "list", { group, resource, namespace: OTHER_NS }), resource).toBe(
          false,
        );
      }
    });

    it("the Triggers' OIDC identities: create + patch (deploy events), delete (undeploy events), in every namespace", async () => {
      const namespaces = [ALLOWED_NS, OTHER_NS, LATER_NS];
      expect(await allowedOnIsvc(sa(TRIGGER_SAS.deploy), namespaces)).toEqual(
        namespaces.flatMap((ns) => [`create ${ns}`, `patch ${ns}`]),
      );
      expect(await allowedOnIsvc(sa(TRIGGER_SAS.undeploy), namespaces)).toEqual(namespaces.map((ns) => `delete ${ns}`));
      for (const name of Object.values(TRIGGER_SAS)) expect(await review(sa(name), "list", ISVC), name).toBe(false);
    });

    it("models, predict and the dead-letter sink still get nothing; nobody gets secrets", async () => {
      for (const name of ["modelgate-models", "modelgate-predict", "modelgate-dead-letters"]) {
        expect(await allowedOnIsvc(sa(name), [ALLOWED_NS, OTHER_NS]), name).toEqual([]);
      }
      const accounts = [
        "modelgate-models",
        "modelgate-predict",
        "modelgate-deploy",
        "modelgate-dead-letters",
        ...Object.values(TRIGGER_SAS),
      ];
      for (const name of accounts) {
        for (const namespace of [FUNCTIONS_NS, ALLOWED_NS, OTHER_NS, LATER_NS, undefined]) {
          for (const verb of ["get", "list", "watch"]) {
            const attributes = { group: "", resource: "secrets", ...(namespace ? { namespace } : {}) };
            expect(await review(sa(name), verb, attributes), `${name} ${verb} secrets ${namespace ?? "*"}`).toBe(false);
          }
        }
      }
    });

    it("with deploy's own token: apply, get, list (one namespace and all) and delete outside base's namespace; no secrets", async () => {
      const token = await requestToken(cluster, FUNCTIONS_NS, "modelgate-deploy");
      const asDeploy = (method: string, path: string, body?: unknown, contentType?: string) =>
        kubeRequest(
          { server: cluster.server, caPem: cluster.caPem, token },
          method,
          path,
          body,
          contentType ? { contentType } : {},
        );
      const name = `knative-wide-${randomBytes(3).toString("hex")}`;
      for (const namespace of [OTHER_NS, LATER_NS]) {
        const apply = () =>
          asDeploy(
            "PATCH",
            `${isvcPath(namespace, name)}?fieldManager=modelgate&force=true`,
            isvc(namespace, name),
            "application/apply-patch+yaml",
          );
        const created = await apply();
        expect(created.status, created.text).toBe(201);
        expect((await apply()).status, namespace).toBe(200);
        expect((await asDeploy("GET", isvcPath(namespace, name))).status, namespace).toBe(200);
        expect((await asDeploy("GET", isvcPath(namespace))).status, namespace).toBe(200);
      }
      const all = await asDeploy(
        "GET",
        "/apis/serving.kserve.io/v1beta1/inferenceservices?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmodelgate",
      );
      expect(all.status, all.text).toBe(200);
      const found = ((all.body as { items?: KubeObject[] }).items ?? [])
        .filter((item) => item.metadata.name === name)
        .map((item) => item.metadata.namespace)
        .sort();
      expect(found).toEqual([LATER_NS, OTHER_NS].sort());
      for (const namespace of [OTHER_NS, LATER_NS])
        expect((await asDeploy("DELETE", isvcPath(namespace, name))).status, namespace).toBe(200);
      expect((await asDeploy("GET", `/api/v1/namespaces/${OTHER_NS}/secrets`)).status).toBe(403);
      expect((await asDeploy("GET", "/api/v1/secrets")).status).toBe(403);
      expect((await asDeploy("GET", `/api/v1/namespaces/${OTHER_NS}/pods`)).status).toBe(403);
    });

    it("deleting the component's objects takes the cluster-wide rights away again", async () => {
      const result = await removeAll();
      expect(result.code, result.stderr).toBe(0);
      for (const kind of ["clusterrole", "clusterrolebinding"]) {
        for (const name of ["modelgate-deploy", "modelgate-deploy-events", "modelgate-undeploy-events"]) {
          const get = await kubectl(["get", kind, name, "-o", "name", "--ignore-not-found"]);
          expect(get.stdout.trim(), `${kind} ${name}`).toBe("");
        }
      }
      expect(await allowedOnIsvc(sa("modelgate-deploy"), [OTHER_NS, LATER_NS])).toEqual([]);
      expect(await allowedOnIsvc(sa(TRIGGER_SAS.deploy), [OTHER_NS])).toEqual([]);
      expect(await allowedOnIsvc(sa(TRIGGER_SAS.undeploy), [OTHER_NS])).toEqual([]);
    });
  });
});
