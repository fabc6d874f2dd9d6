import { describe, expect, it } from "vitest";
import { parseEventDisplay } from "./event-display-log.ts";

/** event_display's own output format (cloudevents sdk-go's Event.String after a header line). */
const LOG = `2026/12/01 13:00:00 event_display started
☁️  cloudevents.Event
Context Attributes,
  specversion: 1.0
  type: dev.modelgate.deploy.accepted
  source: /modelgate/deploy
  subject: self-healing-platform/iris
  id: 9f0c
  datacontenttype: application/json
Data,
  {
    "status": "PENDING"
  }
☁️  cloudevents.Event
Context Attributes,
  specversion: 1.0
  type: dev.modelgate.deploy.requested
  source: /lifecycle
  id: dead-1
Extensions,
  knativeerrorcode: 400
  knativeerrordest: http://deploy.modelgate.svc.cluster.local
Data (binary),
  eyJtb2RlbCI6Im5vIn0=
`;

describe("parseEventDisplay", () => {
  it("reads each event's attributes, extensions and data", () => {
    const events = parseEventDisplay(LOG);
    expect(events).toHaveLength(2);
    expect(events[0]?.attributes).toMatchObject({
      type: "dev.modelgate.deploy.accepted",
      subject: "self-healing-platform/iris",
      id: "9f0c",
    });
    expect(JSON.parse(events[0]?.data ?? "")).toEqual({ status: "PENDING" });
    expect(events[1]?.attributes).toMatchObject({ id: "dead-1", knativeerrorcode: "400" });
    expect(events[1]?.data).toBe("eyJtb2RlbCI6Im5vIn0=");
  });

  it("finds nothing in a log without events", () => {
    expect(parseEventDisplay("2026/12/01 event_display started\n")).toEqual([]);
  });
});
