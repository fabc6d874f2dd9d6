import { DNS_1123_LABEL, LABEL_VALUE } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import { LABELS, RESERVED_LABEL_PREFIXES } from "./constants.ts";

/** The body of `POST /api/v1/deploy` (and the data of `dev.modelgate.deploy.requested`), validated. */
export interface DeployRequest {
  model: string;
  version?: string;
  namespace?: string;
  name?: string;
  labels: Record<string, string>;
  /**
   * KServe's `canaryTrafficPercent`: the share (0-100) of traffic the revision this deploy makes gets, the rest
   * staying on the last revision that had all of it. Absent: the new revision gets all traffic (a promotion, when
   * a canary was running); 0: all traffic back on that previous revision (a rollback).
   */
  canaryTrafficPercent?: number;
}

const FIELDS = ["model", "version", "namespace", "name", "labels", "canaryTrafficPercent"] as const;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OWN_LABELS: readonly string[] = Object.values(LABELS);

/**
 * Whether `key` is a valid Kubernetes label key (`[prefix/]name`).
 *
 * @example
 * isLabelKey("example.com/team") // true
 * isLabelKey("-team") // false
 */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix))) return false;
  return QUALIFIED_NAME.test(name);
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw invalid(`${field} must be a non-empty string`);
  return value;
}

function invalid(problem: string): HttpError {
  return new HttpError(400, `invalid deploy request: ${problem}`);
}

function parseLabels(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("labels must be an object of strings");
  }
  const labels: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!isLabelKey(key)) throw invalid(`labels: "${key}" is not a valid label key`);
    if (OWN_LABELS.includes(key) || RESERVED_LABEL_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw invalid(`labels: "${key}" is set by modelgate and cannot be given`);
    }
    if (typeof item !== "string" || !LABEL_VALUE.test(item)) {
      throw invalid(`labels.${key} must be a valid label value (at most 63 letters, digits, "-", "_", ".")`);
    }
    labels[key] = item;
  }
  return labels;
}

function parseCanaryPercent(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 100) {
    throw invalid("canaryTrafficPercent must be an integer from 0 to 100");
  }
  return value;
}

/**
 * Validates a deploy body: `model` required; `version`, `namespace` (DNS-1123), `name`, `labels` and
 * `canaryTrafficPercent` (an integer 0-100) optional; unknown fields and labels modelgate sets itself are refused. Throws a 400 {@link HttpError}.
 *
 * @example
 * parseDeployRequest({ model: "anomaly-detector", version: "v2" })
 * // { model: "anomaly-detector", version: "v2", labels: {} }
 */
export function parseDeployRequest(body: unknown): DeployRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid(
      'expected a JSON object {"model", "version"?, "namespace"?, "name"?, "labels"?, "canaryTrafficPercent"?}',
    );
  }
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw invalid(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((key) => `"${key}"`).join(", ")}`);
  }
  const model = optionalString(record, "model");
  if (model === undefined) throw invalid("model is required (the name of a registered model)");
  const namespace = optionalString(record, "namespace");
  if (namespace !== undefined && !DNS_1123_LABEL.test(namespace)) {
    throw invalid(`namespace "${namespace}" must be a DNS-1123 label`);
  }
  const request: DeployRequest = { model, labels: parseLabels(record.labels) };
  const version = optionalString(record, "version");
  const name = optionalString(record, "name");
  if (version !== undefined) request.version = version;
  if (namespace !== undefined) request.namespace = namespace;
  if (name !== undefined) request.name = name;
  const canaryTrafficPercent = parseCanaryPercent(record.canaryTrafficPercent);
  if (canaryTrafficPercent !== undefined) request.canaryTrafficPercent = canaryTrafficPercent;
  return request;
}
