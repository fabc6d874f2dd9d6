import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../knative/manifests.ts";
import { applyObjects } from "./apply.ts";
import { type DisplayedEvent, displayedEvents } from "./event-display-log.ts";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";
import {
  BROKER,
  brokerSenderToken,
  createCallers,
  deleteIsvcs,
  type IrisProbe,
  irisProbe,
  isvcObject,
  isvcPods,
  MODEL_NAMESPACE,
  predictIris,
  sendEvent,
  waitForIsvc,
} from "./lifecycle-client.ts";
import { type LogRecorder, recordLogs } from "./log-recorder.ts";
import { renderOverlay } from "./modelgate-install.ts";
import { podsOf } from "./pods.ts";
import { platformImage } from "./topology.ts";

/**
 * A model's life by CloudEvents on the real Eventing: events posted to the modelgate Broker's ingress (with a
 * token for the Broker's audience, as Eventing's OIDC demands), delivered by the base's Triggers to the deploy
 * function (from zero), replies going back through the Broker to a Trigger of the suite's, a duplicate delivery,
 * and events that end in the base's dead-letter sink: one refused (400, never retried), one failing (502, retried
 * as the Trigger's delivery says, here shortened).
 */
const platform = inject("platform");
const NS = "modelgate";
const OBSERVER = "lifecycle-replies";
const DEAD_LETTERS = "modelgate-dead-letters";
const DEPLOY_TRIGGER = "modelgate-deploy-requested";
const SHORT_RETRIES = 2;

let senderToken = "";
let deployerToken = "";
let probe: IrisProbe;

/** Posts a binary-mode CloudEvent to the modelgate Broker; resolves to the ingress's status. */
async function send(type: string, id: string, data: unknown, token = senderToken): Promise<number> {
  return (await sendEvent(platform, token, { type, id, data })).status;
}

let deployLog: LogRecorder;

/** The deploy function's log lines (JSON) about the event `id`, from every pod it ran since the suite began. */
async function deployLogLines(id: string): Promise<Record<string, unknown>[]> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return deployLog
    .lines()
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { event?: { id?: string } } & Record<string, unknown>)
    .filter((line) => line.event?.id === id);
}

const seen = (service: string, check: (event: DisplayedEvent) => boolean, what: string, timeoutMs = 120_000) =>
  eventually(what, timeoutMs, async () => {
    const events = (await displayedEvents(platform, NS, service)).filter(check);
    return events.length > 0 ? events : undefined;
  });

/** A Knative Service running event_display that stays up (its log is what the suite reads). */
function display(name: string): KubeObject {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace: NS, labels: { "networking.knative.dev/visibility": "cluster-local" } },
    spec: {
      template: {
        metadata: { annotations: { "autoscaling.knative.dev/min-scale": "1" } },
        spec: { containers: [{ name: "event-display", image: platformImage("eventing-event_display") }] },
      },
    },
  };
}

/** The base's objects (overlay-rendered) of `kind` and `name`, to restore what a test changed. */
async function baseObject(kind: string, name: string) {
  const found = (await renderOverlay(platform)).find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`the overlay has no ${kind} ${name}`);
  return found;
}

beforeAll(async () => {
  deployLog = recordLogs(platform, NS, "serving.knative.dev/service=deploy", "deploy");
  ({ deployer: deployerToken } = await createCallers(platform));
  probe = await irisProbe(platform);
  await deleteIsvcs(platform, "iris");
  const deadLetters = await baseObject("Service", DEAD_LETTERS);
  const template = (deadLetters.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
  template.metadata.annotations["autoscaling.knative.dev/min-scale"] = "1";
  await applyObjects(platform, [
    display(OBSERVER),
    deadLetters,
    {
      apiVersion: "eventing.knative.dev/v1",
      kind: "Trigger",
      metadata: { name: OBSERVER, namespace: NS },
      spec: {
        broker: BROKER.name,
        filter: { attributes: { source: "/modelgate/deploy" } },
        subscriber: { ref: { apiVersion: "serving.knative.dev/v1", kind: "Service", name: OBSERVER } },
      },
    },
  ]);
  senderToken = await brokerSenderToken(platform);
  for (const service of [OBSERVER, DEAD_LETTERS])
    await kubectl(platform, ["wait", "-n", NS, "--for=condition=Ready", "--timeout=180s", `ksvc/${service}`], {
      timeoutMs: 190_000,
    });
  await kubectl(platform, ["wait", "-n", NS, "--for=condition=Ready", "--timeout=120s", `trigger/${OBSERVER}`]);
});

afterAll(async () => {
  await deployLog.stop();
  await applyObjects(platform, [
    await baseObject("Service", DEAD_LETTERS),
    await baseObject("Trigger", DEPLOY_TRIGGER),
  ]);
  // The observer (its Trigger and event_display) stays for the platform's life: a deleted Trigger can stay
  // subscribed to the Broker's channel for minutes, and every later reply of deploy would fail meanwhile
  // (waitForBrokerSubscribers in lifecycle-client.ts says how).
  await kubectl(platform, ["delete", "isvc", "-n", MODEL_NAMESPACE, "iris", "--ignore-not-found", "--wait=false"]);
});

describe("Eventing's OIDC on the way to the deploy function", () => {
  it("delivers as the Trigger's own identity, the one knative/base/rbac.yaml grants", async () => {
    const rbac = parseAllDocuments(await readFile(new URL("../../knative/base/rbac.yaml", import.meta.url), "utf8"))
      .map((doc) => doc.toJS() as { kind: string; subjects?: { name: string }[] })
      .filter((doc) => doc.kind === "RoleBinding")
      .flatMap((doc) => doc.subjects?.map((s) => s.name) ?? []);
    for (const trigger of [DEPLOY_TRIGGER, "modelgate-undeploy-requested"]) {
      const identity = (
        await kubectl(platform, [
          "get",
          "trigger",
          "-n",
          NS,
          trigger,
          "-o",
          "jsonpath={.status.auth.serviceAccountName}",
        ])
      ).trim();
      expect(identity).toBe(`${trigger}-oidc-eventing.knative.dev-trigger`);
      expect(rbac).toContain(identity);
    }
  });

  it("refuses at the Broker an event without a token (401), and at the function one posted straight to it", async () => {
    expect(await send("dev.modelgate.deploy.requested", randomUUID(), { model: "iris" }, "")).toBe(401);
    const direct = await gatewayRequest(platform.localGatewayUrl, {
      method: "POST",
      path: "/",
      host: `deploy.${NS}.svc.cluster.local`,
      headers: {
        "ce-specversion": "1.0",
        "ce-type": "dev.modelgate.deploy.requested",
        "ce-source": "/lifecycle/suite",
        "ce-id": randomUUID(),
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: "iris" }),
      timeoutMs: 60_000,
    });
    expect(direct.status, direct.text).toBe(401);
    expect(await isvcObject(platform, "iris")).toBeUndefined();
  });
});

describe("a model's life by events", () => {
  const deployId = randomUUID();

  it("deploys from an event: delivered to the function at zero, Ready, the reply seen through the Broker", async () => {
    await eventually("the deploy function at zero", 120_000, async () =>
      (await podsOf(platform, NS, "deploy")).every((pod) => pod.deleting) ? true : undefined,
    );
    const started = performance.now();
    expect(await send("dev.modelgate.deploy.requested", deployId, { model: "iris" })).toBe(202);
    const [reply] = await seen(OBSERVER, (e) => e.attributes.type === "dev.modelgate.deploy.accepted", "the reply");
    process.stderr.write(
      `[lifecycle] event at zero to reply: ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(reply?.attributes).toMatchObject({ source: "/modelgate/deploy", subject: `${MODEL_NAMESPACE}/iris` });
    expect(JSON.parse(reply?.data ?? "{}")).toMatchObject({ inferenceService: { name: "iris", version: "v1" } });
    const [line] = await deployLogLines(deployId);
    expect(line).toMatchObject({
      msg: "deploy",
      outcome: "applied",
      user: `system:serviceaccount:${NS}:${DEPLOY_TRIGGER}-oidc-eventing.knative.dev-trigger`,
    });
    const cr = (await isvcObject(platform, "iris")) as { metadata: { annotations: Record<string, string> } };
    expect(cr.metadata.annotations["modelgate.dev/requested-by"]).toBe(line?.user);
    await waitForIsvc(platform, deployerToken, "iris", "Ready", (read) => read.ready);
    const predicted = await predictIris(platform, probe.instances);
    expect(predicted.json).toEqual({ predictions: probe.v1 });
  });

  it("makes one CR of a duplicate delivery, and answers it with the same reply id", async () => {
    const before = (await isvcObject(platform, "iris")) as { metadata: { uid: string; generation: number } };
    const [first] = await seen(OBSERVER, (e) => e.attributes.type === "dev.modelgate.deploy.accepted", "the reply");
    expect(await send("dev.modelgate.deploy.requested", deployId, { model: "iris" })).toBe(202);
    const replies = await eventually("the second reply, with the first one's id", 120_000, async () => {
      const events = await displayedEvents(platform, NS, OBSERVER);
      const same = events.filter((e) => e.attributes.id === first?.attributes.id);
      return same.length >= 2 ? same : undefined;
    });
    expect(replies).toHaveLength(2);
    const after = (await isvcObject(platform, "iris")) as { metadata: { uid: string; generation: number } };
    expect(after.metadata).toMatchObject({ uid: before.metadata.uid, generation: before.metadata.generation });
    const list = await kubectl(platform, ["get", "isvc", "-n", MODEL_NAMESPACE, "-o", "name"]);
    expect(list.trim().split("\n")).toEqual(["inferenceservice.serving.kserve.io/iris"]);
  });

  it("undeploys from an event: the CR and its pods go, the reply says deleted", async () => {
    const id = randomUUID();
    expect(await send("dev.modelgate.undeploy.requested", id, { namespace: MODEL_NAMESPACE, name: "iris" })).toBe(202);
    const [reply] = await seen(OBSERVER, (e) => e.attributes.type === "dev.modelgate.undeploy.accepted", "the reply");
    expect(JSON.parse(reply?.data ?? "{}")).toEqual({ namespace: MODEL_NAMESPACE, name: "iris", deleted: true });
    await eventually("iris gone", 120_000, async () =>
      (await isvcObject(platform, "iris")) === undefined && (await isvcPods(platform, "iris")).length === 0
        ? true
        : undefined,
    );
  });
});

describe("events that cannot succeed end in the dead-letter sink", () => {
  it("sends a refused event (400: no such model) to the sink at once, never retried", async () => {
    const id = randomUUID();
    expect(await send("dev.modelgate.deploy.requested", id, { model: "no-such-model" })).toBe(202);
    const [dead] = await seen(DEAD_LETTERS, (e) => e.attributes.id === id, "the dead letter");
    expect(dead?.attributes).toMatchObject({ type: "dev.modelgate.deploy.requested", knativeerrorcode: "400" });
    expect(Buffer.from(dead?.attributes.knativeerrordata ?? "", "base64").toString()).toContain("no-such-model");
    expect(await deployLogLines(id)).toHaveLength(1);
  });

  it("retries a failing event (502: modelgate's own account may not write) as the Trigger says, then dead-letters it", async () => {
    const delivery = { retry: SHORT_RETRIES, backoffPolicy: "linear", backoffDelay: "PT0.2S" };
    await kubectl(platform, [
      "patch",
      "trigger",
      "-n",
      NS,
      DEPLOY_TRIGGER,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { delivery } }),
    ]);
    await kubectl(platform, ["delete", "rolebinding", "-n", MODEL_NAMESPACE, "modelgate-deploy"]);
    try {
      const id = randomUUID();
      await eventually("the Trigger's short retries in effect", 60_000, async () => {
        const retry = await kubectl(platform, [
          "get",
          "subscriptions.messaging.knative.dev",
          "-n",
          NS,
          "-o",
          "jsonpath={.items[*].spec.delivery.retry}",
        ]);
        return retry.split(/\s+/).includes(String(SHORT_RETRIES)) ? true : undefined;
      });
      // The channel's dispatcher takes the new delivery a moment after the Subscription shows it.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(await send("dev.modelgate.deploy.requested", id, { model: "iris" })).toBe(202);
      const [dead] = await seen(DEAD_LETTERS, (e) => e.attributes.id === id, "the dead letter");
      expect(dead?.attributes.knativeerrorcode).toBe("502");
      const attempts = await deployLogLines(id);
      expect(attempts.map((line) => line.status)).toEqual(Array(SHORT_RETRIES + 1).fill(502));
      expect(await isvcObject(platform, "iris")).toBeUndefined();
    } finally {
      await applyObjects(platform, [await baseObject("RoleBinding", "modelgate-deploy")]);
    }
  });
});
