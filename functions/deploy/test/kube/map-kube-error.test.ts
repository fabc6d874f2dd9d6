import { HttpError } from "@modelgate/http";
import { KubeApiError, KubeTransportError } from "@modelgate/kube";
import { describe, expect, it } from "vitest";
import { isUnreachable, mapKubeError } from "../../src/kube/map-kube-error.ts";

const op = { verb: "apply", namespace: "ml", name: "scorer" } as const;

function errno(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("mapKubeError", () => {
  it.each([401, 403])("maps %i (our own identity refused) to 502 naming verb and resource", (status) => {
    const mapped = mapKubeError(new KubeApiError(status, { message: "forbidden: User cannot patch" }), op);
    expect(mapped.status).toBe(502);
    expect(mapped.message).toBe(
      `the Kubernetes API refused modelgate's service account (${status}): cannot patch inferenceservices.serving.kserve.io scorer in namespace ml: forbidden: User cannot patch`,
    );
  });

  it("names list across all namespaces", () => {
    const mapped = mapKubeError(new KubeApiError(403, { message: "no" }), { verb: "list", namespace: undefined });
    expect(mapped.message).toContain("cannot list inferenceservices.serving.kserve.io in all namespaces");
  });

  it("maps a 401 without a body (client-node sends none) with a generic message", () => {
    expect(mapKubeError(new KubeApiError(401), op).message).toContain("Kubernetes API answered 401");
  });

  it("maps 404 of a named object or namespace to 404 with the API's message", () => {
    const mapped = mapKubeError(
      new KubeApiError(404, { message: 'namespaces "nope" not found', reason: "NotFound", details: { name: "nope" } }),
      op,
    );
    expect([mapped.status, mapped.message]).toEqual([404, 'namespaces "nope" not found']);
  });

  it("maps 404 of the resource type (KServe not installed) to 503", () => {
    const mapped = mapKubeError(
      new KubeApiError(404, { message: "the server could not find the requested resource" }),
      op,
    );
    expect(mapped.status).toBe(503);
    expect(mapped.message).toContain("is KServe installed?");
  });

  it("maps 409 to 409 and 400/422 to 422, with the API's message", () => {
    expect(mapKubeError(new KubeApiError(409, { message: "conflict" }), op).status).toBe(409);
    for (const status of [400, 422]) {
      const mapped = mapKubeError(
        new KubeApiError(status, { message: 'spec.predictor.model.resources.limits.cpu: Invalid value: "lots"' }),
        op,
      );
      expect([mapped.status, mapped.message]).toEqual([
        422,
        'spec.predictor.model.resources.limits.cpu: Invalid value: "lots"',
      ]);
    }
  });

  it.each([429, 500, 503, 504])("maps %i to 503", (status) => {
    const mapped = mapKubeError(new KubeApiError(status, { message: "etcd down" }), op);
    expect(mapped.status).toBe(503);
    expect(mapped.message).toContain(`Kubernetes API unavailable (${status})`);
  });

  it("maps other statuses to 502", () => {
    expect(mapKubeError(new KubeApiError(418, { message: "teapot" }), op).status).toBe(502);
  });

  it.each([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "UND_ERR_SOCKET",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "ERR_TLS_CERT_ALTNAME_INVALID",
  ])("maps transport error %s to 503", (code) => {
    const mapped = mapKubeError(errno(code, `connect ${code} 127.0.0.1:6443`), op);
    expect(mapped.status).toBe(503);
    expect(mapped.message).toContain(
      "Kubernetes API unreachable (apply inferenceservices.serving.kserve.io scorer in namespace ml)",
    );
  });

  it("maps a timeout (AbortSignal.timeout) and a cause chain to 503", () => {
    expect(mapKubeError(new DOMException("The operation was aborted due to timeout", "TimeoutError"), op).status).toBe(
      503,
    );
    expect(mapKubeError(new TypeError("fetch failed", { cause: errno("ECONNREFUSED") }), op).status).toBe(503);
  });

  it("passes HttpErrors through", () => {
    const error = new HttpError(503, "no cluster");
    expect(mapKubeError(error, op)).toBe(error);
  });

  it("rethrows errors it does not know (a bug stays a 500)", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(() => mapKubeError(bug, op)).toThrow(bug);
    expect(() => mapKubeError("text", op)).toThrow();
  });

  it("keeps the API error as the cause", () => {
    const api = new KubeApiError(422, { message: "bad" });
    expect(mapKubeError(api, op).cause).toBe(api);
  });
});

describe("mapKubeError and the transport", () => {
  it("maps every KubeTransportError to 503, whatever its code", () => {
    for (const code of ["ETIMEDOUT", "ERR_TLS_CERT_ALTNAME_INVALID", undefined]) {
      const error = new KubeTransportError("cannot apply the Kubernetes client credentials: exec failed", {
        cause: new Error("x"),
        code,
      });
      const mapped = mapKubeError(error, op);
      expect([mapped.status, mapped.message]).toEqual([
        503,
        "Kubernetes API unreachable (apply inferenceservices.serving.kserve.io scorer in namespace ml): " +
          "cannot apply the Kubernetes client credentials: exec failed",
      ]);
      expect(mapped.cause).toBe(error);
    }
  });
});

describe("isUnreachable", () => {
  it("does not take an ordinary error for a transport failure", () => {
    expect(isUnreachable(new Error("boom"))).toBe(false);
    expect(isUnreachable(errno("ERR_INVALID_ARG_TYPE"))).toBe(false);
    expect(isUnreachable(undefined)).toBe(false);
  });
});

describe("mapKubeError for a review (the same table)", () => {
  const review = { review: "tokenreviews.authentication.k8s.io" };

  it("maps 401/403 to 502, 429/5xx to 503, and the answers of an object (404, 409, 422) to 502", () => {
    const answer = (status: number) => mapKubeError(new KubeApiError(status, { message: "m" }), review);
    expect([answer(403).status, answer(403).message]).toEqual([
      502,
      "the Kubernetes API refused modelgate's own identity (HTTP 403) to create tokenreviews.authentication.k8s.io: m",
    ]);
    expect([answer(500).status, answer(500).message]).toEqual([
      503,
      "Kubernetes API unavailable (HTTP 500) for create tokenreviews.authentication.k8s.io: m",
    ]);
    for (const status of [400, 404, 409, 422]) {
      expect([answer(status).status, answer(status).message]).toEqual([
        502,
        `unexpected answer from the Kubernetes API (HTTP ${status}) to create tokenreviews.authentication.k8s.io: m`,
      ]);
    }
    expect(mapKubeError(new KubeApiError(401), review).message).toBe(
      "the Kubernetes API refused modelgate's own identity (HTTP 401) to create tokenreviews.authentication.k8s.io",
    );
  });

  it("maps no answer to 503 naming the review, and passes the connection's HttpError through", () => {
    const error = new KubeTransportError("connect ECONNREFUSED 10.0.0.1:443", {
      cause: undefined,
      code: "ECONNREFUSED",
    });
    expect(mapKubeError(error, review).message).toBe(
      "Kubernetes API unreachable (create tokenreviews.authentication.k8s.io): connect ECONNREFUSED 10.0.0.1:443",
    );
    const none = new HttpError(503, "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG");
    expect(mapKubeError(none, review)).toBe(none);
  });
});
