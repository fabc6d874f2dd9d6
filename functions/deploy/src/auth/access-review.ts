import { createHash } from "node:crypto";
import { ISVC_GROUP, ISVC_PLURAL } from "@modelgate/kube";
import type { Caller, DeployVerb } from "../authorizer.ts";

/**
 * The SubjectAccessReview asking whether `caller` may `verb` InferenceServices in `namespace`: user,
 * groups, uid and extra exactly as the token review gave them.
 *
 * @example
 * accessReview({ username: "alice", groups: [] }, "create", "team-a").spec.resourceAttributes.verb // "create"
 */
export function accessReview(
  caller: Caller,
  verb: DeployVerb,
  namespace: string,
): {
  apiVersion: string;
  kind: string;
  spec: {
    user: string;
    groups: string[];
    uid?: string;
    extra?: Record<string, string[]>;
    resourceAttributes: { group: string; resource: string; verb: DeployVerb; namespace: string };
  };
} {
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: caller.username,
      groups: [...caller.groups],
      ...(caller.uid === undefined ? {} : { uid: caller.uid }),
      ...(caller.extra === undefined ? {} : { extra: caller.extra }),
      resourceAttributes: { group: ISVC_GROUP, resource: ISVC_PLURAL, verb, namespace },
    },
  };
}

/**
 * The cache key of an access answer: SHA-256 over user, uid, groups (sorted), extra (sorted), verb and
 * namespace, so two callers differing in any of them never share an answer.
 *
 * @example
 * accessKey({ username: "alice", groups: ["dev"] }, "get", "team-a") // 64 hex digits
 */
export function accessKey(caller: Caller, verb: DeployVerb, namespace: string): string {
  const extra = Object.entries(caller.extra ?? {})
    .map(([key, values]) => [key, [...values].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = JSON.stringify([
    caller.username,
    caller.uid ?? null,
    [...caller.groups].sort(),
    extra,
    verb,
    namespace,
  ]);
  return createHash("sha256").update(material).digest("hex");
}

/**
 * What a SubjectAccessReview answered. `cacheable` is false for a denial that came with an evaluation
 * error (the denial may be the error's, e.g. a webhook authorizer timing out): it is asked again next time.
 */
export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
  cacheable: boolean;
}

/**
 * Reads a SubjectAccessReview `status`: allowed only when `allowed` is true and `denied` is not.
 *
 * @example
 * readAccessReview({ allowed: true, reason: "RBAC: allowed by RoleBinding ..." }).allowed // true
 */
export function readAccessReview(status: Record<string, unknown>): AccessAnswer {
  const allowed = status.allowed === true && status.denied !== true;
  const answer: AccessAnswer = {
    allowed,
    cacheable: allowed || typeof status.evaluationError !== "string" || status.evaluationError === "",
  };
  if (typeof status.reason === "string" && status.reason !== "") answer.reason = status.reason;
  return answer;
}
