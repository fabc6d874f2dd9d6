import { defineConfig } from "vitest/config";

/**
 * One project per kind of peer:
 * - unit: in-process tests and loopback servers of our own (fast, no external peers), and predict-node-http, the
 *   predict suites with the other upstream dispatcher;
 * - kserve: `*.kserve.test.ts`, against the real KServe model server (Python venv);
 * - cluster: `*.cluster.test.ts`, against a real etcd + kube-apiserver built from source;
 * - platform: `*.platform.test.ts`, against the real platform (a node that runs pods, Knative Serving and
 *   Eventing, Traefik as the Gateway, KServe), started once for the whole project (test/platform/).
 * The peer suites fail (never skip) when their peer cannot be started.
 */
const peerSuites = ["**/*.kserve.test.ts", "**/*.cluster.test.ts", "**/*.platform.test.ts"];
const ignored = ["**/node_modules/**", "**/dist/**", "**/.venv/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "functions/*/test/**/*.test.ts",
            "shared/*/test/**/*.test.ts",
            "tools/*/test/**/*.test.ts",
            "test/**/*.test.ts",
          ],
          exclude: [...ignored, ...peerSuites],
          testTimeout: 15_000,
        },
      },
      {
        // predict's suites again, their upstream calls over node:http (the first calls of every process go there:
        // functions/predict/src/warming-dispatcher.ts); in "unit" they go through undici.
        test: {
          name: "predict-node-http",
          include: ["functions/predict/test/**/*.test.ts"],
          exclude: [...ignored, ...peerSuites],
          env: { PREDICT_TEST_DISPATCHER: "node-http" },
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: "kserve",
          include: ["test/**/*.kserve.test.ts"],
          exclude: ignored,
          globalSetup: ["test/kserve/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "cluster",
          include: ["test/**/*.cluster.test.ts"],
          exclude: ignored,
          globalSetup: ["test/cluster/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "platform",
          include: ["test/**/*.platform.test.ts"],
          exclude: ignored,
          globalSetup: ["test/platform/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
