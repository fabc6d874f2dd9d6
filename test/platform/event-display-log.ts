import { kubectl } from "./kubectl.ts";
import type { PlatformInfo } from "./platform.ts";

/** One CloudEvent as Knative's event_display printed it: its attributes and extensions, and its data. */
export interface DisplayedEvent {
  attributes: Record<string, string>;
  data: string;
}

/**
 * Parses event_display's log: each event is a block that starts with `cloudevents.Event`, then `Context
 * Attributes,` and `Extensions,` sections of `  name: value` lines, then `Data,` and the data's lines.
 */
export function parseEventDisplay(log: string): DisplayedEvent[] {
  const events: DisplayedEvent[] = [];
  for (const block of log.split(/^.*cloudevents\.Event\s*$/m).slice(1)) {
    const attributes: Record<string, string> = {};
    const data: string[] = [];
    let section = "";
    for (const line of block.split("\n")) {
      const heading = /^(Context Attributes|Extensions|Data)(?: \(binary\))?,\s*$/.exec(line);
      if (heading?.[1]) {
        section = heading[1];
        continue;
      }
      if (section === "Data") data.push(line);
      else {
        const attribute = /^\s+([a-z0-9]+): (.*)$/.exec(line);
        if (attribute?.[1] && attribute[2] !== undefined) attributes[attribute[1]] = attribute[2].trim();
      }
    }
    events.push({ attributes, data: data.join("\n").trim() });
  }
  return events;
}

/** The events every running pod of Knative Service `service` (an event_display) has printed so far. */
export async function displayedEvents(
  platform: PlatformInfo,
  namespace: string,
  service: string,
): Promise<DisplayedEvent[]> {
  const log = await kubectl(platform, [
    "logs",
    "-n",
    namespace,
    "-l",
    `serving.knative.dev/service=${service}`,
    "-c",
    "event-display",
    "--tail=-1",
    "--prefix=false",
  ]);
  return parseEventDisplay(log);
}
