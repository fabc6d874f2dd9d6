import { loadConfig } from "@modelgate/config";
import { createLogger, HttpError } from "@modelgate/http";
import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../src/auth/create-authorizer.ts";
import { KubernetesAuthorizer } from "../src/auth/kubernetes-authorizer.ts";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ name: "test", destination: { write: (line) => lines.push(line) } });
  return { logger, lines };
}

describe("createAuthorizer", () => {
  it("returns no authorizer for MODELGATE_AUTH=none, and warns", () => {
    const { logger, lines } = capture();
    let loads = 0;
    const authorizer = createAuthorizer(
      loadConfig({ MODELGATE_AUTH: "none" }),
      () => {
        loads++;
        throw new Error("unused");
      },
      logger,
    );
    expect(authorizer).toBeUndefined();
    expect(loads).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: 40,
      msg: expect.stringContaining("MODELGATE_AUTH=none"),
    });
  });

  it("returns a KubernetesAuthorizer by default, loading the cluster configuration only when a token is reviewed", async () => {
    const { logger, lines } = capture();
    let loads = 0;
    const authorizer = createAuthorizer(
      loadConfig({}),
      () => {
        loads++;
        throw new Error("no kubeconfig at /nowhere");
      },
      logger,
    );
    expect(authorizer).toBeInstanceOf(KubernetesAuthorizer);
    expect(loads).toBe(0);
    expect(lines).toHaveLength(0);
    const missing = await authorizer?.authenticate(undefined, {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpError);
    expect((missing as HttpError).status).toBe(401);
    expect(loads).toBe(0);
    const error = await authorizer?.authenticate("Bearer abc", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).message).toBe(
      "Kubernetes API unreachable (create tokenreviews.authentication.k8s.io): no Kubernetes cluster configured: " +
        "no kubeconfig at /nowhere",
    );
    expect(loads).toBe(1);
  });
});
