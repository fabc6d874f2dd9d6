import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUNDLED_FUNCTIONS, type BundledFunction } from "../scripts/build.ts";
import { envValue, isRecord, KNATIVE_DIR, knativeServices, renderKustomization } from "./knative/manifests.ts";
import {
  buildBundlesInTemp,
  copyToTemp,
  type RunningBundle,
  startBundle,
  writeUnreachableKubeconfig,
} from "./knative/run-bundle.ts";

// What `kn func invoke` sends by default (knative/func pkg/functions/invoke.go): the message below, as a plain
// POST of its data with its content type (format "http"), or as a binary-mode CloudEvent sent with the
// CloudEvents Go SDK (format "cloudevent"). The format comes from func.yaml's `invoke`.
const DEFAULT_MESSAGE = {
  source: "/boson/fn",
  type: "boson.fn",
  contentType: "application/json",
  data: '{"message":"Hello World"}',
};
const GO_USER_AGENT = "Go-http-client/1.1";

const REGISTRY = readFileSync(join(KNATIVE_DIR, "base", "registry.json"), "utf8");
const FUNCTIONS_DIR = fileURLToPath(new URL("../functions/", import.meta.url));

interface FuncYaml {
  name: string;
  runtime: string;
  invoke: "http" | "cloudevent";
  image: string;
  deploy: {
    serviceAccountName: string;
    healthEndpoints: { liveness: string; readiness: string };
    options: { scale: { min: number; max: number } };
  };
}

async function readFuncYaml(fn: BundledFunction): Promise<FuncYaml> {
  return parse(await readFile(join(FUNCTIONS_DIR, fn, "func.yaml"), "utf8")) as FuncYaml;
}

/** `kn func invoke` against `url`, the way the function's func.yaml tells it to (format http or cloudevent). */
async function knFuncInvoke(url: string, format: FuncYaml["invoke"], headers: Record<string, string> = {}) {
  const common = { "user-agent": GO_USER_AGENT, "content-type": DEFAULT_MESSAGE.contentType, ...headers };
  const cloudEvent = {
    "ce-id": randomUUID(),
    "ce-source": DEFAULT_MESSAGE.source,
    "ce-type": DEFAULT_MESSAGE.type,
    "ce-specversion": "1.0",
  };
  return fetch(`${url}/`, {
    method: "POST",
    headers: format === "cloudevent" ? { ...common, ...cloudEvent } : common,
    body: DEFAULT_MESSAGE.data,
  });
}

let root = "";
/** deploy answers 503 to every route and event while no cluster is configured: give it one it cannot reach. */
let kubeconfig = "";
const apps: string[] = [];
const running: RunningBundle[] = [];

beforeAll(async () => {
  ({ root } = await buildBundlesInTemp());
  kubeconfig = await writeUnreachableKubeconfig(root);
}, 60_000);

afterAll(async () => {
  for (const bundle of running) await bundle.stop();
  for (const dir of [root, ...apps]) if (dir !== "") await rm(dir, { recursive: true, force: true });
});

async function start(fn: BundledFunction, env: Record<string, string>): Promise<RunningBundle> {
  const app = await copyToTemp(join(root, fn));
  apps.push(app);
  const bundle = await startBundle(app, env);
  running.push(bundle);
  return bundle;
}

async function errorOf(res: Response): Promise<string> {
  const body: unknown = await res.json();
  if (!isRecord(body) || typeof body.error !== "string") throw new Error(`no {"error"}: ${JSON.stringify(body)}`);
  return body.error;
}

describe("func.yaml", () => {
  it.each(BUNDLED_FUNCTIONS)("%s: matches its Knative Service in knative/base", async (fn) => {
    const func = await readFuncYaml(fn);
    const service = knativeServices(await renderKustomization(join(KNATIVE_DIR, "base"))).find(
      (s) => s.metadata.name === fn,
    );
    if (!service) throw new Error(`no Knative Service ${fn}`);
    const template = JSON.stringify(service.spec);
    expect(func.name).toBe(fn);
    expect(func.runtime).toBe("node");
    expect(func.invoke).toBe(fn === "deploy" ? "cloudevent" : "http");
    expect(template).toContain(`"image":"${func.image}"`);
    expect(template).toContain(`"serviceAccountName":"${func.deploy.serviceAccountName}"`);
    expect(template).toContain(`"readinessProbe":{"httpGet":{"path":"${func.deploy.healthEndpoints.readiness}"}}`);
    expect(template).toContain(`"livenessProbe":{"httpGet":{"path":"${func.deploy.healthEndpoints.liveness}"}`);
    expect(template).toContain(`"autoscaling.knative.dev/max-scale":"${func.deploy.options.scale.max}"`);
    expect(func.deploy.options.scale.min).toBe(0);
    if (fn === "deploy") expect(envValue(service, "MODELGATE_EVENTS_AUDIENCE")).toBe("modelgate-deploy");
  });
});

describe("kn func invoke's default request, to each function as its image runs it", () => {
  it("models (http): POST / with the Hello World message answers the model list", async () => {
    const models = await start("models", { KSERVE_MODEL_REGISTRY: REGISTRY });
    const res = await knFuncInvoke(models.url, (await readFuncYaml("models")).invoke);
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    expect(body).toMatchObject({ total: 2 });
    expect(
      isRecord(body) && Array.isArray(body.models) ? body.models.map((m: { name?: string }) => m.name) : [],
    ).toEqual(["anomaly-detector", "predictive-analytics"]);
  });

  it("predict (http): POST / with the Hello World message is a 400 saying what to send", async () => {
    const predict = await start("predict", { KSERVE_MODEL_REGISTRY: REGISTRY });
    const res = await knFuncInvoke(predict.url, (await readFuncYaml("predict")).invoke);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    for (const word of ["model", "instances", "inputs"]) expect(error).toContain(word);
  });

  it("deploy (cloudevent, MODELGATE_AUTH=none): boson.fn is a 400 naming the accepted types", async () => {
    const deploy = await start("deploy", {
      KSERVE_MODEL_REGISTRY: REGISTRY,
      MODELGATE_AUTH: "none",
      KUBECONFIG: kubeconfig,
    });
    const res = await knFuncInvoke(deploy.url, (await readFuncYaml("deploy")).invoke);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toContain("boson.fn");
    expect(error).toContain("dev.modelgate.deploy.requested");
    expect(error).toContain("dev.modelgate.undeploy.requested");
  });

  it("deploy (cloudevent, default MODELGATE_AUTH=kubernetes): no token is a 401 saying how to authenticate", async () => {
    const deploy = await start("deploy", { KSERVE_MODEL_REGISTRY: REGISTRY, KUBECONFIG: kubeconfig });
    const res = await knFuncInvoke(deploy.url, (await readFuncYaml("deploy")).invoke);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
    expect(await errorOf(res)).toMatch(/bearer|token/i);
  });

  it("deploy: kn func invoke with a made-up type and a token header still needs a valid token (401)", async () => {
    const deploy = await start("deploy", { KSERVE_MODEL_REGISTRY: REGISTRY, KUBECONFIG: kubeconfig });
    const res = await knFuncInvoke(deploy.url, "cloudevent", { authorization: "Basic dXNlcjpwYXNz" });
    expect(res.status).toBe(401);
  });
});
