import { join } from "node:path";
import type { KubeObject } from "../../knative/manifests.ts";
import { BROKER_INGRESS_IP, platformImage } from "../topology.ts";
import { resolveKoReferences, setPullPolicy } from "./images.ts";
import { moduleDir, pinned, readManifestDir } from "./module-source.ts";
import { find, setConfigMapData, splitCrds, without } from "./objects.ts";

/**
 * Knative Eventing from its module's config/: core (CRDs, roles, ConfigMaps, controller, webhook), the in-memory
 * channel and the MT channel-based broker, as the release's eventing-core, in-memory-channel and
 * mt-channel-broker files hold them.
 *
 * Left out: the job-sink Deployment and its Service, and the pingsource-mt-adapter Deployment (their commands,
 * jobsink and mtping, are not built; JobSink and PingSource stay unusable), and the HorizontalPodAutoscalers (no
 * metrics API here). The controller's APISERVER_RA_IMAGE names the apiserver_receive_adapter image, which is
 * not built either: only an ApiServerSource would start it.
 *
 * OIDC (config-features `authentication-oidc: enabled`, alpha in 1.15): the Broker then sends each event with a
 * token of the Trigger's own ServiceAccount, minted by TokenRequest for the subscriber's audience, and every
 * receiver (broker ingress, broker filter, IMC dispatcher) demands and verifies a token. Verifying needs the API
 * server's service-account issuer discovery, read once at each receiver's start (pkg/auth/token_verifier.go):
 * `GET https://kubernetes.default.svc/.well-known/openid-configuration`, then its jwks_uri, with the pod's own
 * token and CA. So the API server needs an https `--service-account-issuer`, a serving certificate valid for
 * `kubernetes.default.svc` (and for the host of jwks_uri: `--service-account-jwks-uri`, or else its advertise
 * address), and cluster DNS up before these pods start: a receiver that failed its discovery rejects every
 * token until it restarts.
 */

export const EVENTING_MODULE = "knative.dev/eventing";
export const EVENTING_NAMESPACE = "knative-eventing";
/** Image references left pointing at images build.sh does not make (see above). */
export const EVENTING_UNBUILT_IMAGES = [platformImage("eventing-apiserver_receive_adapter")];

export async function knativeEventing(): Promise<{ crds: KubeObject[]; objects: KubeObject[] }> {
  const dir = await moduleDir(EVENTING_MODULE, pinned("KNATIVE_EVENTING_VERSION"));
  const config = join(dir, "config");
  const all = without(
    [
      ...(await readManifestDir(join(config, "core"))),
      ...(await readManifestDir(join(config, "channels", "in-memory-channel"))),
      ...(await readManifestDir(join(config, "brokers", "mt-channel-broker"))),
    ],
    [
      { kind: "Deployment", name: "job-sink" },
      { kind: "Service", name: "job-sink" },
      { kind: "Deployment", name: "pingsource-mt-adapter" },
      { kind: "HorizontalPodAutoscaler" },
    ],
  );
  resolveKoReferences(all);
  setPullPolicy(all, "IfNotPresent");
  setConfigMapData(all, "config-features", { "authentication-oidc": "enabled" });
  // A fixed address, so that the harness can bridge senders on this machine to the Brokers' ingress.
  const ingress = find(all, "Service", "broker-ingress", EVENTING_NAMESPACE);
  ingress.spec = { ...(ingress.spec as Record<string, unknown>), clusterIP: BROKER_INGRESS_IP };
  return splitCrds(all);
}
