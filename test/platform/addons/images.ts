import { isRecord, type KubeObject } from "../../knative/manifests.ts";
import { platformImage } from "../topology.ts";
import { containersOf } from "./objects.ts";

/**
 * Upstream config/ names images as ko references (`ko://<Go import path of a command>`), which `ko` builds and
 * pushes at install time. Here build.sh has built each command into a local image instead; this maps the
 * references to those names (no registry is reachable, so nothing may be left to pull).
 */

/** Module command prefixes and the component-name prefix build.sh gives their images. */
const KO_COMMANDS: readonly { prefix: string; component: string }[] = [
  { prefix: "knative.dev/serving/cmd/", component: "serving" },
  { prefix: "knative.dev/eventing/cmd/", component: "eventing" },
  { prefix: "knative.dev/net-gateway-api/cmd/", component: "net-gateway-api" },
  { prefix: "github.com/kserve/kserve/cmd/", component: "kserve" },
];

/**
 * The local image of a ko reference, named as build.sh names it: `<component>-<command path with / as ->`, e.g.
 * `ko://knative.dev/eventing/cmd/in_memory/channel_dispatcher` → `dev.local/platform/eventing-in_memory-channel_dispatcher:<key>`.
 * Commands build.sh does not build map to a name that exists nowhere (see {@link resolveKoReferences}).
 */
export function koImage(reference: string): string {
  if (!reference.startsWith("ko://")) throw new Error(`not a ko reference: ${reference}`);
  const path = reference.slice("ko://".length);
  const command = KO_COMMANDS.find(({ prefix }) => path.startsWith(prefix));
  if (!command) throw new Error(`ko reference of an unknown module: ${reference}`);
  return platformImage(`${command.component}-${path.slice(command.prefix.length).replaceAll("/", "-")}`);
}

/**
 * Replaces every string that is a ko reference, anywhere in `objects` (container images, env values such as
 * eventing's APISERVER_RA_IMAGE, ConfigMap data such as serving's queue-sidecar-image, the caching Image's
 * spec.image). Returns the references replaced.
 */
export function resolveKoReferences(objects: readonly KubeObject[]): string[] {
  const replaced: string[] = [];
  const walk = (value: unknown): unknown => {
    if (typeof value === "string" && value.startsWith("ko://")) {
      replaced.push(value);
      return koImage(value);
    }
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = walk(value[i]);
    else if (isRecord(value)) for (const key of Object.keys(value)) value[key] = walk(value[key]);
    return value;
  };
  for (const object of objects) walk(object);
  return replaced;
}

/** Sets `imagePullPolicy` on every container of every workload in `objects`. */
export function setPullPolicy(objects: readonly KubeObject[], policy: "IfNotPresent" | "Never"): void {
  for (const object of objects) for (const container of containersOf(object)) container.imagePullPolicy = policy;
}

/** The image of every container of every workload in `objects`. */
export function containerImages(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((object) =>
    containersOf(object).map((container) => (typeof container.image === "string" ? container.image : "")),
  );
}
