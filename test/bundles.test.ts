import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { builtinModules } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLE_ENTRY,
  BUNDLED_FUNCTIONS,
  type BundledFunction,
  type BundleResult,
  OPTIONAL_EXTERNALS,
} from "../scripts/build.ts";
import { KNATIVE_DIR } from "./knative/manifests.ts";
import {
  buildBundlesInTemp,
  copyToTemp,
  type RunningBundle,
  runBundleToExit,
  startBundle,
  writeUnreachableKubeconfig,
} from "./knative/run-bundle.ts";

const REGISTRY = readFileSync(join(KNATIVE_DIR, "base", "registry.json"), "utf8");

let root = "";
let bundles = new Map<BundledFunction, BundleResult>();
const apps: string[] = [];
const running: RunningBundle[] = [];

beforeAll(async () => {
  ({ root, bundles } = await buildBundlesInTemp());
}, 60_000);

afterAll(async () => {
  for (const bundle of running) await bundle.stop();
  for (const dir of [root, ...apps]) if (dir !== "") await rm(dir, { recursive: true, force: true });
});

function bundleOf(fn: BundledFunction): BundleResult {
  const bundle = bundles.get(fn);
  if (!bundle) throw new Error(`no bundle for ${fn}`);
  return bundle;
}

/** The source files of `path` and of every output file it imports statically, transitively. */
function loadedWith(bundle: BundleResult, path: string): string[] {
  const byPath = new Map(bundle.files.map((file) => [file.path, file]));
  const seen = new Set<string>();
  const visit = (at: string) => {
    if (seen.has(at)) return;
    seen.add(at);
    for (const item of byPath.get(at)?.imports ?? []) if (!item.dynamic) visit(item.path);
  };
  visit(path);
  return [...seen].flatMap((at) => byPath.get(at)?.inputs ?? []);
}

/** The image's /app: a temp folder holding a copy of the function's dist/ and nothing else. */
async function start(fn: BundledFunction, env: Record<string, string>): Promise<RunningBundle> {
  const app = await copyToTemp(join(root, fn));
  apps.push(app);
  const bundle = await startBundle(app, env);
  running.push(bundle);
  return bundle;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body: unknown = await res.json();
  if (typeof body !== "object" || body === null) throw new Error(`not a JSON object: ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

async function expectHealthy(bundle: RunningBundle, fn: BundledFunction): Promise<void> {
  for (const probe of ["liveness", "readiness"]) {
    const res = await fetch(`${bundle.url}/health/${probe}`);
    expect(res.status, probe).toBe(200);
    expect(await json(res)).toMatchObject({ function: fn });
  }
}

describe("the bundles", () => {
  it.each(BUNDLED_FUNCTIONS)("%s: one entry, dist/main.mjs, importing only its own chunks and node builtins", (fn) => {
    const bundle = bundleOf(fn);
    expect(bundle.files.map((file) => file.path)).toContain(BUNDLE_ENTRY);
    const builtins = new Set<string>(builtinModules);
    const allowed = (name: string) =>
      builtins.has(name) || builtins.has(name.replace(/^node:/, "")) || OPTIONAL_EXTERNALS.some((o) => o === name);
    const externals = bundle.files.flatMap((file) => file.externals);
    expect(externals.length, "esbuild reported the externals").toBeGreaterThan(0);
    expect(externals.filter((name) => !allowed(name))).toEqual([]);
    for (const file of bundle.files) {
      for (const item of file.imports)
        expect(
          bundle.files.map((f) => f.path),
          file.path,
        ).toContain(item.path);
    }
  });

  it.each(BUNDLED_FUNCTIONS)(
    "%s: zod's tree-shakable build only (not the classic one, English messages only)",
    (fn) => {
      const zod = bundleOf(fn)
        .files.flatMap((file) => file.inputs)
        .filter((input) => input.includes("/zod/"));
      expect(zod.length, "zod bundled").toBeGreaterThan(0);
      expect(zod.filter((input) => input.includes("/v4/classic/"))).toEqual([]);
      expect(zod.filter((input) => input.includes("/locales/") && !/\/locales\/(en|index)\.js$/.test(input))).toEqual(
        [],
      );
    },
  );

  it.each(["models", "predict"] as const)("%s: no chunk carries @kubernetes/client-node", (fn) => {
    const inputs = bundleOf(fn).files.flatMap((file) => file.inputs);
    expect(inputs.length, "esbuild reported the inputs").toBeGreaterThan(0);
    expect(inputs.filter((input) => input.includes("/@kubernetes/client-node/"))).toEqual([]);
  });

  it("deploy: @kubernetes/client-node and cloudevents are lazy chunks, not loaded at start-up", () => {
    const bundle = bundleOf("deploy");
    const loadedAtStart = loadedWith(bundle, BUNDLE_ENTRY);
    const everything = bundle.files.flatMap((file) => file.inputs);
    for (const pkg of ["@kubernetes/client-node", "cloudevents"]) {
      expect(
        everything.some((input) => input.includes(`/${pkg}/`)),
        `${pkg} bundled`,
      ).toBe(true);
      expect(
        loadedAtStart.filter((input) => input.includes(`/${pkg}/`)),
        `${pkg} at start-up`,
      ).toEqual([]);
    }
  });

  it("deploy: the in-cluster client loads without @kubernetes/client-node (only a kubeconfig file needs it)", () => {
    const bundle = bundleOf("deploy");
    const client = bundle.files.find((file) =>
      file.inputs.some((input) => input.endsWith("shared/kube/src/open-connection.ts")),
    );
    expect(client, "the connection is a lazy chunk of its own").toBeDefined();
    const withClient = [...loadedWith(bundle, BUNDLE_ENTRY), ...loadedWith(bundle, client?.path ?? "")];
    expect(withClient.some((input) => input.endsWith("/in-cluster-credentials.ts"))).toBe(true);
    expect(withClient.filter((input) => input.includes("/@kubernetes/client-node/"))).toEqual([]);
  });
});

describe("each bundle runs with plain node, as the image runs it", () => {
  it("models: health, and GET /api/v1/models lists the registry", async () => {
    const models = await start("models", { KSERVE_MODEL_REGISTRY: REGISTRY });
    await expectHealthy(models, "models");
    const res = await fetch(`${models.url}/api/v1/models?type=anomaly`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.total).toBe(1);
    expect(body.models).toEqual([
      expect.objectContaining({
        name: "anomaly-detector",
        url: "http://anomaly-detector-predictor.self-healing-platform.svc.cluster.local",
      }),
    ]);
    expect(await models.stop(), "exit code after SIGTERM").toBe(0);
  });

  describe("predict, against a loopback model server", () => {
    let upstream: Server;
    const seen: { method?: string; url?: string; body: string }[] = [];

    beforeAll(async () => {
      upstream = createServer((req: IncomingMessage, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on("end", () => {
          seen.push({ method: req.method, url: req.url, body });
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ predictions: [-1] }));
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

    it("health, and POST /api/v1/models/x/predict reaches the model server and answers its answer", async () => {
      const { port } = upstream.address() as AddressInfo;
      const registry = [{ name: "x", url: `http://127.0.0.1:${port}`, modelName: "scorer", type: "anomaly" }];
      const predict = await start("predict", { KSERVE_MODEL_REGISTRY: JSON.stringify(registry) });
      await expectHealthy(predict, "predict");
      const res = await fetch(`${predict.url}/api/v1/models/x/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [[1, 2, 3]] }),
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ predictions: [-1] });
      expect(seen).toEqual([{ method: "POST", url: "/v1/models/scorer:predict", body: '{"instances":[[1,2,3]]}' }]);
      expect(await predict.stop()).toBe(0);
    });
  });

  it("deploy (MODELGATE_AUTH=none) with no cluster configured: health 200, deploy routes 503", async () => {
    const deploy = await start("deploy", { KSERVE_MODEL_REGISTRY: REGISTRY, MODELGATE_AUTH: "none" });
    await expectHealthy(deploy, "deploy");
    const deployed = await fetch(`${deploy.url}/api/v1/deploy`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "anomaly-detector" }),
    });
    expect(deployed.status).toBe(503);
    expect(String((await json(deployed)).error)).toContain("no Kubernetes cluster configured");
    expect(await deploy.stop()).toBe(0);
  });

  it("deploy (MODELGATE_AUTH=none) with an unreachable cluster: events load the lazy SDK chunks", async () => {
    const kubeconfig = await writeUnreachableKubeconfig(root);
    const deploy = await start("deploy", {
      KSERVE_MODEL_REGISTRY: REGISTRY,
      MODELGATE_AUTH: "none",
      KUBECONFIG: kubeconfig,
    });
    const event = (type: string, data: unknown) =>
      fetch(`${deploy.url}/`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "ce-specversion": "1.0",
          "ce-id": `id-${type}`,
          "ce-source": "/test/bundles",
          "ce-type": type,
        },
        body: JSON.stringify(data),
      });
    const other = await event("boson.fn", { message: "Hello World" });
    expect(other.status).toBe(400);
    const otherError = String((await json(other)).error);
    expect(otherError).toContain('unsupported CloudEvent type "boson.fn"');
    expect(otherError).toContain("dev.modelgate.deploy.requested");
    expect(otherError).toContain("dev.modelgate.undeploy.requested");

    // A valid request event gets as far as the (unreachable) API server: the CloudEvents chunk parsed it.
    const undeploy = await event("dev.modelgate.undeploy.requested", { namespace: "self-healing-platform", name: "x" });
    expect(undeploy.status).toBe(503);
    expect(String((await json(undeploy)).error)).toMatch(/unreachable/i);
    expect(await deploy.stop()).toBe(0);
  });

  it.each(BUNDLED_FUNCTIONS)("%s: an invalid registry exits 1 before listening, naming the problem", async (fn) => {
    const app = await copyToTemp(join(root, fn));
    apps.push(app);
    const { code, output } = await runBundleToExit(app, { KSERVE_MODEL_REGISTRY: '[{"name":"Bad_Name","type":"x"}]' });
    expect(code).toBe(1);
    expect(output).toContain("KSERVE_MODEL_REGISTRY[0]");
    expect(output).not.toContain("listening on");
  });
});

describe("the image recipes", () => {
  it.each(BUNDLED_FUNCTIONS)(
    "%s: Node 24 slim, numeric non-root user, the bundle only, PORT 8080, the bundle's entry",
    async (fn) => {
      const recipe = await readFile(join(KNATIVE_DIR, "images", `${fn}.Containerfile`), "utf8");
      const lines = recipe.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
      expect(lines.filter((line) => line.startsWith("FROM "))).toEqual(["FROM docker.io/library/node:24-slim"]);
      expect(lines.filter((line) => line.startsWith("COPY "))).toEqual(["COPY --chown=1000:1000 dist/ dist/"]);
      expect(lines.filter((line) => line.startsWith("USER "))).toEqual(["USER 1000:1000"]);
      expect(recipe).toMatch(/^ENV [^\n]*\n?(?:\s+[^\n]*\\\n)*?\s*PORT=8080/m);
      expect(lines.at(-1)).toBe(`CMD ["node", "${BUNDLE_ENTRY}"]`);
      // The compile-cache warm-up runs as the runtime user, after USER.
      const user = lines.findIndex((line) => line.startsWith("USER "));
      const warm = lines.findIndex((line) => line.includes("node dist/main.mjs"));
      expect(warm).toBeGreaterThan(user);
    },
  );
});
