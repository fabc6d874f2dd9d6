import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "./eventually.ts";
import { kubectl } from "./kubectl.ts";
import {
  brokerSenderToken,
  createCallers,
  deleteIsvcs,
  deploy,
  type IrisProbe,
  irisProbe,
  isvcObject,
  isvcPods,
  MODEL_NAMESPACE,
  predictIris,
  sendEvent,
  waitForBrokerSubscribers,
  waitForIsvc,
} from "./lifecycle-client.ts";
import { recordLogs } from "./log-recorder.ts";

/**
 * Faults on the way of a model's life: the KServe controller stopped while deploys are sent (its manager also
 * serves the InferenceService webhooks, so the API server cannot write the CR meanwhile), and the model's pod
 * killed while predict requests run.
 */
const platform = inject("platform");
const KSERVE = ["-n", "kserve", "deployment/kserve-controller-manager"];
let deployerToken = "";
let probe: IrisProbe;

const scaleController = async (replicas: number) => {
  await kubectl(platform, ["scale", ...KSERVE, `--replicas=${replicas}`]);
  if (replicas > 0) await kubectl(platform, ["rollout", "status", ...KSERVE, "--timeout=180s"], { timeoutMs: 190_000 });
  else
    await eventually("the KServe manager stopped", 120_000, async () => {
      const pods = await kubectl(platform, [
        "get",
        "pods",
        "-n",
        "kserve",
        "-l",
        "control-plane=kserve-controller-manager",
        "-o",
        "name",
      ]);
      return pods.trim() === "" ? true : undefined;
    });
};

const removeIris = () => deleteIsvcs(platform, "iris");

/**
 * What a failed delivery leaves to read: when the controller was back, deploy's answer to each attempt, and the
 * errors Eventing's data plane logged meanwhile.
 */
async function deliveryReport(status: number, id: string, backMs: number, deployLines: string[]): Promise<string> {
  const attempts = deployLines
    .filter((line) => line.startsWith("{") && line.includes(id))
    .map((line) => {
      const { time, status: answered, msg } = JSON.parse(line) as { time?: number; status?: number; msg?: string };
      return `${time === undefined ? "?" : new Date(time).toISOString()} ${answered ?? "-"} ${msg ?? ""}`;
    });
  const eventing: string[] = [];
  for (const component of ["broker-ingress", "imc-dispatcher", "broker-filter"]) {
    const selector = `app.kubernetes.io/component=${component}`;
    const out = await kubectl(platform, ["logs", "-n", "knative-eventing", "-l", selector, "--since=10m"]).catch(
      (err: Error) => `(no log: ${err.message})`,
    );
    eventing.push(
      ...out
        .split("\n")
        .filter((line) => /error|fail/i.test(line))
        .map((line) => `${component}: ${line}`),
    );
  }
  return [
    `the Broker's ingress answered ${status}, not 202; the controller was back ${(backMs / 1000).toFixed(1)} s after sending`,
    `deploy's answers to event ${id}:`,
    ...attempts,
    "Eventing's errors meanwhile:",
    ...eventing.slice(-40),
  ].join("\n");
}
/** The longest a delivery with every retry can take: 127.5 s of backoff + 9 attempts of up to 10 s + starts. */
const DELIVERY_BOUND_MS = 300_000;

beforeAll(async () => {
  // An event's delivery includes deploy's reply through the Broker: no Trigger another suite removed may be
  // left subscribed (see waitForBrokerSubscribers).
  await waitForBrokerSubscribers(platform);
  ({ deployer: deployerToken } = await createCallers(platform));
  probe = await irisProbe(platform);
  await removeIris();
});

afterAll(async () => {
  await scaleController(1);
  await removeIris();
});

describe("the KServe controller stopped", () => {
  it("answers a deploy at once with 503 naming the unreachable webhook, and writes nothing", async () => {
    await scaleController(0);
    const answer = await deploy(platform, deployerToken, { model: "iris" });
    expect(answer.status, answer.text).toBe(503);
    expect((answer.json as { error: string }).error).toMatch(/webhook/);
    expect(answer.ms).toBeLessThan(15_000);
    expect(await isvcObject(platform, "iris")).toBeUndefined();
  });

  it("serves an event sent meanwhile once it is back: the Trigger's retries (about 2 min) deliver it", {
    timeout: 480_000,
  }, async () => {
    // The ingress answers once the delivery is done (the channel fans out synchronously): in the background.
    // Its bound follows from the Triggers' delivery (knative/base/eventing.yaml): 9 attempts 0.5 s · 2^n apart
    // (127.5 s of waits), each up to deploy's Kubernetes time limit (10 s) plus a start from zero. Under a full
    // CI run the controller can come back just after the 7th attempt, and the 8th is then 64 s later.
    const id = randomUUID();
    const deployLog = recordLogs(platform, "modelgate", "serving.knative.dev/service=deploy", "deploy");
    const started = performance.now();
    const sending = sendEvent(
      platform,
      await brokerSenderToken(platform),
      {
        type: "dev.modelgate.deploy.requested",
        id,
        source: "/lifecycle/faults",
        data: { model: "iris" },
      },
      DELIVERY_BOUND_MS,
    );
    let back = 0;
    let sent: Awaited<typeof sending>;
    try {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(await isvcObject(platform, "iris")).toBeUndefined();
      await scaleController(1);
      back = performance.now() - started;
      sent = await sending;
    } finally {
      await deployLog.stop();
    }
    const delivered = (performance.now() - started) / 1000;
    if (sent.status !== 202) throw new Error(await deliveryReport(sent.status, id, back, deployLog.lines()));
    const { seconds } = await waitForIsvc(platform, deployerToken, "iris", "Ready", (read) => read.ready);
    process.stderr.write(
      `[lifecycle] controller back ${(back / 1000).toFixed(1)} s after the event was sent, delivered after ${delivered.toFixed(1)} s, Ready ${seconds.toFixed(1)} s later\n`,
    );
  });
});

describe("the model's pod killed mid-traffic", () => {
  it("answers 200 or a JSON 502/503 while Knative replaces the pod, then 200 from the new pod", async () => {
    await scaleController(1);
    expect((await deploy(platform, deployerToken, { model: "iris" })).status).toBe(202);
    await waitForIsvc(platform, deployerToken, "iris", "Ready", (read) => read.ready);
    // Traffic first (bounded: 2000 requests at most), so that the predictor keeps a pod; then the one serving it.
    const answers: { status: number; json: unknown }[] = [];
    let stop = false;
    let before = 0;
    const traffic = (async () => {
      while (!stop && answers.length < 2000) {
        const answer = await predictIris(platform, probe.instances).catch((err: Error) => ({
          status: 0,
          json: { transport: err.message },
        }));
        answers.push({ status: answer.status, json: answer.json });
      }
    })();
    try {
      const victim = await eventually("a ready iris pod", 60_000, async () =>
        answers.at(-1)?.status === 200
          ? (await isvcPods(platform, "iris")).find((pod) => pod.ready && !pod.deleting)?.name
          : undefined,
      );
      before = answers.length;
      await kubectl(platform, [
        "delete",
        "pod",
        "-n",
        MODEL_NAMESPACE,
        victim,
        "--grace-period=0",
        "--force",
        "--wait=false",
      ]);
      await eventually("200 from a new pod", 120_000, async () => {
        const pods = await isvcPods(platform, "iris");
        const last = answers.at(-1);
        return pods.some((pod) => pod.name !== victim && pod.ready) && last?.status === 200 ? true : undefined;
      });
    } finally {
      stop = true;
      await traffic;
    }
    const during = answers.slice(before);
    expect(during.length).toBeGreaterThan(0);
    const failed = during.filter((a) => a.status !== 200);
    process.stderr.write(
      `[lifecycle] pod killed: ${during.length} requests from the kill to the new pod's 200, ${failed.length} failed (${[...new Set(failed.map((a) => a.status))].join(", ")})\n`,
    );
    for (const answer of failed) {
      expect([502, 503]).toContain(answer.status);
      expect(answer.json).toMatchObject({ error: expect.anything() });
    }
    for (const answer of answers.filter((a) => a.status === 200))
      expect(answer.json).toEqual({ predictions: probe.v1 });
  });
});
