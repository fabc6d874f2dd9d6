import { describe, expect, inject, it } from "vitest";
import { gatewayRequest } from "./gateway-client.ts";
import { notAnsweredBy, ROUTE_PROBES } from "./route-probes.ts";

/**
 * Routing for real: every route of the shared routing table, sent to Traefik's external listener with the
 * overlay's host, reaches (through the HTTPRoute, the local Gateway and Knative) the function the table names.
 */
const platform = inject("platform");

describe("every route of the routing table, through the Gateway", () => {
  it.each(
    ROUTE_PROBES.map((probe) => [`${probe.route.method} ${probe.route.path} → ${probe.route.fn}`, probe] as const),
  )("%s", async (_name, probe) => {
    const answer = await gatewayRequest(platform.gatewayUrl, probe.request);
    expect(notAnsweredBy(probe.route.fn, answer)).toBeUndefined();
  });
});

describe("what no function serves", () => {
  it.each([
    ["GET", "/api/v1/nothing-here"],
    ["GET", "/"],
    ["POST", "/api/v2/models/anomaly-detector/infer"],
  ])("%s %s answers 404", async (method, path) => {
    const answer = await gatewayRequest(platform.gatewayUrl, { method, path });
    expect(answer.status).toBe(404);
  });

  it("another host than the overlay's is not routed to modelgate", async () => {
    const answer = await gatewayRequest(platform.gatewayUrl, {
      method: "GET",
      path: "/api/v1/models",
      host: "other.example.com",
    });
    expect(answer.status).toBe(404);
  });
});
