import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { MODEL_NAMESPACE } from "./addons/model-serving.ts";
import { applyObjects } from "./apply.ts";
import { eventually } from "./eventually.ts";
import { type GatewayAnswer, gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";
import type { PlatformInfo } from "./platform.ts";
import { type PodView, podsOf } from "./pods.ts";

/**
 * What the lifecycle suites share: callers with ServiceAccount tokens (one RBAC allows, one it does not), modelgate's
 * public routes through the Gateway, and the iris probe build.sh wrote beside the models (inputs on which the two
 * versions disagree, with what sklearn itself predicted for each).
 */

export { MODEL_NAMESPACE };
/** Where the callers' ServiceAccounts live (not a namespace modelgate may deploy into). */
export const CALLER_NAMESPACE = "modelgate-lifecycle";
export const DEPLOYER = "lifecycle-deployer";
export const STRANGER = "lifecycle-stranger";

/** The iris probe: `instances` and each version's predictions for them, computed by sklearn at build time. */
export interface IrisProbe {
  instances: number[][];
  v1: number[];
  v2: number[];
}

export async function irisProbe(platform: PlatformInfo): Promise<IrisProbe> {
  const text = await readFile(join(platform.stateDir, "model-store", "iris", "probe.json"), "utf8");
  return JSON.parse(text) as IrisProbe;
}

/** The callers' ServiceAccounts, the deployer's Role in the model namespace, and a token for each. */
export async function createCallers(platform: PlatformInfo): Promise<{ deployer: string; stranger: string }> {
  const rbac = "rbac.authorization.k8s.io/v1";
  await applyObjects(platform, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: CALLER_NAMESPACE } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEPLOYER, namespace: CALLER_NAMESPACE } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: STRANGER, namespace: CALLER_NAMESPACE } },
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: DEPLOYER, namespace: MODEL_NAMESPACE },
      rules: [
        {
          apiGroups: ["serving.kserve.io"],
          resources: ["inferenceservices"],
          verbs: ["get", "list", "create", "patch", "delete"],
        },
      ],
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: DEPLOYER, namespace: MODEL_NAMESPACE },
      subjects: [{ kind: "ServiceAccount", name: DEPLOYER, namespace: CALLER_NAMESPACE }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: DEPLOYER },
    },
  ]);
  const token = async (account: string) =>
    (await kubectl(platform, ["create", "token", account, "-n", CALLER_NAMESPACE, "--duration", "2h"])).trim();
  return { deployer: await token(DEPLOYER), stranger: await token(STRANGER) };
}

/** One call of modelgate's public API through the Gateway, as `token` (JSON body, when given). */
export function api(
  platform: PlatformInfo,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<GatewayAnswer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return gatewayRequest(platform.gatewayUrl, {
    method,
    path,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}

/** The `Isvc` modelgate reads back (docs/API.md). */
export interface IsvcView {
  name: string;
  namespace: string;
  uid: string;
  model: string | null;
  version: string | null;
  currentState: string;
  ready: boolean;
  url: string | null;
  lastError: string | null;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  canaryTrafficPercent: number | null;
  traffic: { revision: string; percent: number; latest: boolean; tag?: string }[];
}

/** `GET /api/v1/inferenceservices/{ns}/{name}`: the Isvc, or undefined on 404. */
export async function readIsvc(platform: PlatformInfo, token: string, name: string): Promise<IsvcView | undefined> {
  const answer = await api(platform, "GET", `/api/v1/inferenceservices/${MODEL_NAMESPACE}/${name}`, { token });
  if (answer.status === 404) return undefined;
  expect(answer.status, answer.text).toBe(200);
  return answer.json as IsvcView;
}

/** Polls the read-back until `accept` takes it; returns it and the seconds it took. */
export async function waitForIsvc(
  platform: PlatformInfo,
  token: string,
  name: string,
  what: string,
  accept: (isvc: IsvcView) => boolean,
  timeoutMs = 240_000,
): Promise<{ isvc: IsvcView; seconds: number }> {
  const started = performance.now();
  const isvc = await eventually(`${name}: ${what}`, timeoutMs, async () => {
    const read = await readIsvc(platform, token, name);
    return read && accept(read) ? read : undefined;
  });
  return { isvc, seconds: (performance.now() - started) / 1000 };
}

/** `POST /api/v1/deploy` as `token`. */
export function deploy(platform: PlatformInfo, token: string, body: Record<string, unknown>): Promise<GatewayAnswer> {
  return api(platform, "POST", "/api/v1/deploy", { token, body });
}

/** V1 predict through modelgate: the predictions, or the failed answer itself. */
export async function predictIris(platform: PlatformInfo, instances: number[][]): Promise<GatewayAnswer> {
  return api(platform, "POST", "/api/v1/models/iris/predict", { body: { instances }, timeoutMs: 120_000 });
}

/** V2 infer through modelgate, the instances as one FP32 tensor. */
export async function inferIris(platform: PlatformInfo, instances: number[][]): Promise<GatewayAnswer> {
  return api(platform, "POST", "/api/v1/models/iris/infer", {
    body: {
      inputs: [{ name: "input-0", datatype: "FP32", shape: [instances.length, 4], data: instances.flat() }],
    },
    timeoutMs: 120_000,
  });
}

/** models `/health` of iris. */
export async function irisHealth(platform: PlatformInfo): Promise<{ status: string; message?: string }> {
  const answer = await api(platform, "GET", "/api/v1/models/iris/health");
  expect(answer.status, answer.text).toBe(200);
  return answer.json as { status: string; message?: string };
}

/** Polls V1 predict until it answers `expected` (a rollout moves traffic when the new revision is Ready). */
export async function predictionsBecome(platform: PlatformInfo, instances: number[][], expected: number[]) {
  return eventually(`iris predicts ${JSON.stringify(expected)}`, 120_000, async () => {
    const answer = await predictIris(platform, instances);
    const predictions = (answer.json as { predictions?: number[] } | undefined)?.predictions;
    return JSON.stringify(predictions) === JSON.stringify(expected) ? answer : undefined;
  });
}

/**
 * The pods KServe runs for InferenceService `name` (its predictor's Knative Service, every revision's), those
 * terminating included (`deleting`: out of the endpoints already, e.g. draining after a scale to zero).
 */
export function isvcPods(platform: PlatformInfo, name: string): Promise<PodView[]> {
  return podsOf(platform, MODEL_NAMESPACE, `${name}-predictor`);
}

/** Whether InferenceService `name` runs no pod that serves (terminating ones do not). */
export async function atZero(platform: PlatformInfo, name: string): Promise<boolean> {
  return (await isvcPods(platform, name)).every((pod) => pod.deleting);
}

/** The InferenceService CR as the API server holds it (admin read), or undefined. */
export async function isvcObject(platform: PlatformInfo, name: string): Promise<Record<string, unknown> | undefined> {
  const out = await kubectl(platform, [
    "get",
    "inferenceservice",
    "-n",
    MODEL_NAMESPACE,
    name,
    "--ignore-not-found",
    "--show-managed-fields",
    "-o",
    "json",
  ]);
  return out.trim() === "" ? undefined : (JSON.parse(out) as Record<string, unknown>);
}

/** The modelgate Broker (knative/base/eventing.yaml) and the account the suites send events as. */
export const BROKER = { namespace: "modelgate", name: "modelgate" } as const;

/**
 * Waits until the Broker's channel delivers only to Triggers that exist. A Trigger a suite deleted can stay a
 * subscriber of the channel for minutes (its Subscription goes by garbage collection); meanwhile the Broker's
 * filter answers that subscriber 400, the in-memory channel's fan-out fails, and so does every event the deploy
 * function replies to (its reply goes through the same Broker): the event is then retried and dead-lettered
 * although deploy took it.
 */
export async function waitForBrokerSubscribers(platform: PlatformInfo, timeoutMs = 240_000): Promise<void> {
  await eventually("the Broker's channel subscribed by existing Triggers only", timeoutMs, async () => {
    const triggers = (
      await kubectl(platform, ["get", "triggers", "-n", BROKER.namespace, "-o", "jsonpath={.items[*].metadata.name}"])
    )
      .split(/\s+/)
      .filter((name) => name !== "");
    const subscribers = (
      await kubectl(platform, [
        "get",
        "inmemorychannels",
        "-n",
        BROKER.namespace,
        "-o",
        "jsonpath={.items[*].spec.subscribers[*].subscriberUri}",
      ])
    )
      .split(/\s+/)
      .filter((uri) => uri !== "");
    // A Trigger's subscriber is the filter's /triggers/<namespace>/<trigger>/<uid>.
    const stale = subscribers.filter((uri) => {
      const trigger = /\/triggers\/[^/]+\/([^/]+)\//.exec(uri)?.[1];
      return trigger !== undefined && !triggers.includes(trigger);
    });
    return stale.length === 0 ? true : undefined;
  });
}
const SENDER = "lifecycle-sender";

/**
 * A token to post events to the modelgate Broker: Eventing's OIDC wants one for the Broker's audience, of an
 * account in the Broker's namespace (its default policy, allow-same-namespace).
 */
export async function brokerSenderToken(platform: PlatformInfo): Promise<string> {
  await applyObjects(platform, [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: SENDER, namespace: BROKER.namespace } },
  ]);
  const audience = (
    await kubectl(platform, [
      "get",
      "broker",
      "-n",
      BROKER.namespace,
      BROKER.name,
      "-o",
      "jsonpath={.status.address.audience}",
    ])
  ).trim();
  expect(audience).toBe(`eventing.knative.dev/broker/${BROKER.namespace}/${BROKER.name}`);
  const args = ["create", "token", SENDER, "-n", BROKER.namespace, "--audience", audience, "--duration", "2h"];
  return (await kubectl(platform, args)).trim();
}

/**
 * Posts a binary-mode CloudEvent to the modelgate Broker's ingress (without a token when `token` is empty).
 * The in-memory channel behind an MT Broker fans out synchronously: the ingress answers once every Trigger's
 * delivery is done, its retries included (knative.dev/eventing pkg/channel/fanout, AsyncHandler false).
 */
export async function sendEvent(
  platform: PlatformInfo,
  token: string,
  event: { type: string; id: string; data: unknown; source?: string },
  timeoutMs = 60_000,
): Promise<GatewayAnswer> {
  const headers: Record<string, string> = {
    "ce-specversion": "1.0",
    "ce-type": event.type,
    "ce-source": event.source ?? "/lifecycle/suite",
    "ce-id": event.id,
    "content-type": "application/json",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  return gatewayRequest(platform.brokerIngressUrl, {
    method: "POST",
    path: `/${BROKER.namespace}/${BROKER.name}`,
    host: "broker-ingress.knative-eventing.svc.cluster.local",
    headers,
    body: JSON.stringify(event.data),
    timeoutMs,
  });
}

/** Deletes InferenceServices `names` of the model namespace (as the admin), waiting until they are gone. */
export function deleteIsvcs(platform: PlatformInfo, ...names: string[]): Promise<string> {
  const args = ["delete", "isvc", "-n", MODEL_NAMESPACE, ...names, "--ignore-not-found", "--wait=true"];
  return kubectl(platform, args, { timeoutMs: 180_000 });
}
