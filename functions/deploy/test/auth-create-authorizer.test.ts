import { loadConfig } from "@modelgate/config";
import { createLogger, HttpError } from "@modelgate/http";
import { kubeConnection } from "@modelgate/kube";
import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../src/auth/create-authorizer.ts";
import { KubernetesAuthorizer } from "../src/auth/kubernetes-authorizer.ts";

/** A connection to no cluster at all, counting how often it looks for one. */
function nowhere() {
  let looks = 0;
  const exists = () => {
    looks++;
    return false;
  };
  const connection = kubeConnection({ inCluster: undefined, kubeconfig: undefined }, { homeDir: "", exists });
  return { connection, looks: () => looks };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ name: "test", destination: { write: (line) => lines.push(line) } });
  return { logger, lines };
}

describe("createAuthorizer", () => {
  it("returns no authorizer for MODELGATE_AUTH=none, and warns", () => {
    const { logger, lines } = capture();
    const cluster = nowhere();
    const authorizer = createAuthorizer(loadConfig({ MODELGATE_AUTH: "none" }), cluster.connection, logger);
    expect(authorizer).toBeUndefined();
    expect(cluster.looks()).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: 40,
      msg: expect.stringContaining("MODELGATE_AUTH=none"),
    });
  });

  it("returns a KubernetesAuthorizer by default, opening the connection only when a token is reviewed", async () => {
    const { logger, lines } = capture();
    const cluster = nowhere();
    const authorizer = createAuthorizer(loadConfig({}), cluster.connection, logger);
    expect(authorizer).toBeInstanceOf(KubernetesAuthorizer);
    expect(cluster.looks()).toBe(0);
    expect(lines).toHaveLength(0);
    const missing = await authorizer?.authenticate(undefined, {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpError);
    expect((missing as HttpError).status).toBe(401);
    expect(cluster.looks()).toBe(0);
    const error = await authorizer?.authenticate("Bearer abc", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).message).toBe(
      "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, " +
        "put one at ~/.kube/config, or run in a pod with a service-account token (KUBERNETES_IN_CLUSTER=true)",
    );
    expect(cluster.looks()).toBe(1);
  });
});
