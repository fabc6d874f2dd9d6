import { LABELS } from "./constants.ts";
import type { InferenceService, KubeCondition, TrafficTarget } from "./inference-service.ts";

/** One condition as modelgate shows it. */
export interface IsvcCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** modelgate's view of an InferenceService (docs/API.md, `Isvc`). */
export interface Isvc {
  name: string;
  namespace: string;
  uid: string;
  /** The registry name (label `registered-model-id`). */
  model: string | null;
  /** The version name (label `model-version-id`). */
  version: string | null;
  desiredState: "DEPLOYED";
  currentState: "DEPLOYED" | "UNDEPLOYED";
  ready: boolean;
  url: string | null;
  lastError: string | null;
  conditions: IsvcCondition[];
  /** The CR's `spec.predictor.canaryTrafficPercent`, `null` when not set. */
  canaryTrafficPercent: number | null;
  /** The predictor's traffic split as the controller reports it (Serverless mode; empty otherwise). */
  traffic: Traffic[];
}

/** One revision's share of the predictor's traffic. */
export interface Traffic {
  revision: string;
  percent: number;
  /** Whether this is the latest revision (the one the last deploy made). */
  latest: boolean;
  tag?: string;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function readConditions(raw: unknown): IsvcCondition[] {
  if (!Array.isArray(raw)) return [];
  const conditions: IsvcCondition[] = [];
  for (const item of raw as Partial<KubeCondition>[]) {
    if (typeof item !== "object" || item === null) continue;
    const type = text(item.type);
    if (type === undefined) continue;
    const condition: IsvcCondition = { type, status: text(item.status) ?? "Unknown" };
    const reason = text(item.reason);
    const message = text(item.message);
    if (reason !== undefined) condition.reason = reason;
    if (message !== undefined) condition.message = message;
    conditions.push(condition);
  }
  return conditions;
}

function lastErrorOf(conditions: readonly IsvcCondition[], failureMessage: string | undefined): string | null {
  const failed = conditions.filter((condition) => condition.status === "False");
  return (
    failed.find((condition) => condition.message !== undefined)?.message ??
    failureMessage ??
    failed.find((condition) => condition.reason !== undefined)?.reason ??
    null
  );
}

function readTraffic(raw: unknown): Traffic[] {
  if (!Array.isArray(raw)) return [];
  const traffic: Traffic[] = [];
  for (const item of raw as Partial<TrafficTarget>[]) {
    if (typeof item !== "object" || item === null) continue;
    const revision = text(item.revisionName);
    if (revision === undefined) continue;
    const entry: Traffic = {
      revision,
      percent: typeof item.percent === "number" ? item.percent : 0,
      latest: item.latestRevision === true,
    };
    const tag = text(item.tag);
    if (tag !== undefined) entry.tag = tag;
    traffic.push(entry);
  }
  return traffic;
}

/**
 * Reads an InferenceService CR into modelgate's view (pure). `currentState` is DEPLOYED and `ready` true
 * iff the `Ready` condition is True; `url` is `status.url` (else `status.address.url`); `lastError` is
 * the message of the first False condition that has one, else `status.modelStatus.lastFailureInfo.message`,
 * else the reason of the first False condition; `traffic` is `status.components.predictor.traffic`. A CR without status is UNDEPLOYED, not ready, no url.
 *
 * @example
 * readStatus(cr) // { name: "scorer", currentState: "DEPLOYED", ready: true, url: "http://...", ... }
 */
export function readStatus(cr: InferenceService): Isvc {
  const status = typeof cr.status === "object" && cr.status !== null ? cr.status : {};
  const conditions = readConditions(status.conditions);
  const ready = conditions.some((condition) => condition.type === "Ready" && condition.status === "True");
  const labels = cr.metadata.labels ?? {};
  return {
    name: cr.metadata.name,
    namespace: cr.metadata.namespace,
    uid: cr.metadata.uid ?? "",
    model: labels[LABELS.registeredModel] ?? null,
    version: labels[LABELS.modelVersion] ?? null,
    desiredState: "DEPLOYED",
    currentState: ready ? "DEPLOYED" : "UNDEPLOYED",
    ready,
    url: text(status.url) ?? text(status.address?.url) ?? null,
    lastError: lastErrorOf(conditions, text(status.modelStatus?.lastFailureInfo?.message)),
    conditions,
    canaryTrafficPercent:
      typeof cr.spec?.predictor?.canaryTrafficPercent === "number" ? cr.spec.predictor.canaryTrafficPercent : null,
    traffic: readTraffic(status.components?.predictor?.traffic),
  };
}
