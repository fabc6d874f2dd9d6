/**
 * Cold start on the real platform (`pnpm bench platform`; needs root and the platform build, test/platform/).
 *
 * Starts the platform with modelgate installed from the test overlay (or uses the running one that
 * MODELGATE_PLATFORM=<state dir>/platform.json names, from `./dev platform`), plus a bare Node hello-world Knative Service
 * (image `dev.local/modelgate/hello`, from `./dev images`) deployed the same way: cluster-local, scale to zero,
 * reached through the same external Gateway by an HTTPRoute of the same shape. In each round it waits until all
 * four are at zero pods, then sends one request to each in turn (the order rotating from round to round) and times
 * it to its answer (through the
 * Gateway and Knative's activator), then times warm requests. Prints medians and ratios to the hello-world.
 */

import { readFile } from "node:fs/promises";
import { applyObjects } from "../platform/apply.ts";
import { buildModelgateImages, ensurePlatformBuilt } from "../platform/build-dir.ts";
import { eventually } from "../platform/eventually.ts";
import { type GatewayRequest, gatewayRequest, OVERLAY_HOST } from "../platform/gateway-client.ts";
import { SUITE_AUTOSCALER } from "../platform/global-setup.ts";
import { kubectl } from "../platform/kubectl.ts";
import { installModelgate } from "../platform/modelgate-install.ts";
import { type PlatformInfo, startPlatform } from "../platform/platform.ts";
import { podsOf } from "../platform/pods.ts";
import { GATEWAY } from "../platform/topology.ts";

const ROUNDS = Number(process.env.PLATFORM_BENCH_ROUNDS ?? 3);
const WARM_REQUESTS = 200;
const HELLO_NS = "modelgate-bench";
const HELLO_HOST = "hello.bench.test";

type Subject = "hello" | "models" | "predict" | "deploy";
const SUBJECTS: Subject[] = ["hello", "models", "predict", "deploy"];
/** One real route each (deploy without a token: its 401 comes after the whole start-up, as any answer does). */
const REQUESTS: Record<Subject, GatewayRequest> = {
  hello: { method: "GET", path: "/", host: HELLO_HOST },
  models: { method: "GET", path: "/api/v1/models", host: OVERLAY_HOST },
  predict: {
    method: "POST",
    path: "/api/v1/models/predictive-analytics/predict",
    host: OVERLAY_HOST,
    body: '{"instances":[[1,2,3]]}',
  },
  deploy: { method: "GET", path: "/api/v1/inferenceservices", host: OVERLAY_HOST },
};
const NAMESPACE: Record<Subject, string> = {
  hello: HELLO_NS,
  models: "modelgate",
  predict: "modelgate",
  deploy: "modelgate",
};

/** The hello-world ksvc, shaped like models' (knative/base/models.yaml): same scaling annotations and limits. */
const helloObjects = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: HELLO_NS } },
  {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "hello", namespace: HELLO_NS, labels: { "networking.knative.dev/visibility": "cluster-local" } },
    spec: {
      template: {
        metadata: {
          annotations: {
            "autoscaling.knative.dev/min-scale": "0",
            "autoscaling.knative.dev/max-scale": "5",
            "autoscaling.knative.dev/target": "50",
            "autoscaling.knative.dev/scale-down-delay": "60s",
          },
        },
        spec: {
          containers: [
            {
              image: "dev.local/modelgate/hello:0.1.0",
              ports: [{ name: "http1", containerPort: 8080 }],
              readinessProbe: { httpGet: { path: "/" } },
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "hello", namespace: HELLO_NS },
    spec: {
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: GATEWAY.external.gateway,
          namespace: GATEWAY.namespace,
        },
      ],
      hostnames: [HELLO_HOST],
      rules: [
        {
          filters: [{ type: "URLRewrite", urlRewrite: { hostname: `hello.${HELLO_NS}.svc.cluster.local` } }],
          backendRefs: [{ kind: "Service", name: GATEWAY.local.service, namespace: GATEWAY.namespace, port: 80 }],
        },
      ],
    },
  },
  {
    apiVersion: "gateway.networking.k8s.io/v1beta1",
    kind: "ReferenceGrant",
    metadata: { name: "bench-to-local-gateway", namespace: GATEWAY.namespace },
    spec: {
      from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: HELLO_NS }],
      to: [{ group: "", kind: "Service", name: GATEWAY.local.service }],
    },
  },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))] ?? Number.NaN;

/** The platform to measure on: the one MODELGATE_PLATFORM names (from `./dev platform`), else a new one. */
async function platformToMeasure(): Promise<{ platform: PlatformInfo; stop: () => Promise<void> }> {
  const running = process.env.MODELGATE_PLATFORM;
  if (running) return { platform: JSON.parse(await readFile(running, "utf8")) as PlatformInfo, stop: async () => {} };
  const buildDir = await ensurePlatformBuilt();
  const images = await buildModelgateImages();
  const started = await startPlatform({ buildDir, extraImages: images, autoscaler: SUITE_AUTOSCALER });
  try {
    await installModelgate(started);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return { platform: started, stop: started.stop };
}

export async function runPlatformBench(): Promise<void> {
  console.log("\n== platform: cold start from zero through the Gateway (Knative activator) ==");
  const { platform, stop } = await platformToMeasure();
  try {
    await applyObjects(platform, helloObjects);
    await kubectl(platform, ["wait", "-n", HELLO_NS, "--for=condition=Ready", "--timeout=180s", "ksvc/hello"], {
      timeoutMs: 190_000,
    });
    const cold: Record<Subject, number[]> = { hello: [], models: [], predict: [], deploy: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all(
        SUBJECTS.map((s) =>
          eventually(
            `${s} at zero`,
            240_000,
            async () =>
              (await podsOf(platform, NAMESPACE[s], s === "hello" ? "hello" : s)).length === 0 ? true : undefined,
            { intervalMs: 1_000 },
          ),
        ),
      );
      // A different order each round, so that no subject is always the first request after a quiet spell.
      const order = SUBJECTS.map((_, i) => SUBJECTS[(i + round - 1) % SUBJECTS.length] as Subject);
      for (const subject of order) {
        const answer = await gatewayRequest(platform.gatewayUrl, { ...REQUESTS[subject], timeoutMs: 60_000 });
        if (answer.status >= 500 && subject !== "predict")
          throw new Error(`${subject} answered ${answer.status}: ${answer.text}`);
        cold[subject].push(answer.ms);
      }
      console.log(`round ${round}: ${SUBJECTS.map((s) => `${s} ${Math.round(cold[s].at(-1) ?? 0)} ms`).join(", ")}`);
    }
    const warm: Record<Subject, number[]> = { hello: [], models: [], predict: [], deploy: [] };
    for (let i = 0; i < WARM_REQUESTS; i++) {
      for (const subject of SUBJECTS)
        warm[subject].push((await gatewayRequest(platform.gatewayUrl, REQUESTS[subject])).ms);
    }
    const helloCold = median(cold.hello);
    console.log(
      `\n${ROUNDS} rounds, ${WARM_REQUESTS} warm requests each, one connection, through Traefik + Knative on one node`,
    );
    console.log("subject   cold median (ms)  ratio to hello   warm p50 (ms)  warm p99 (ms)");
    for (const subject of SUBJECTS) {
      const c = median(cold[subject]);
      console.log(
        `${subject.padEnd(9)} ${c.toFixed(0).padStart(16)}  ${(c / helloCold).toFixed(2).padStart(14)}   ${quantile(warm[subject], 0.5).toFixed(1).padStart(13)}  ${quantile(warm[subject], 0.99).toFixed(1).padStart(13)}`,
      );
    }
  } finally {
    await stop();
  }
}
