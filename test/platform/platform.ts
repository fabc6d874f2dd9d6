import { readdirSync } from "node:fs";
import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { issueServingCert } from "../cluster/pki.ts";
import { KSERVE_WEBHOOK_DNS_NAMES, platformAddons } from "./addons/index.ts";
import { applyObjects, waitForCrds, waitForDeployments } from "./apply.ts";
import { type NodeInfo, type PlatformNode, startNode } from "./node.ts";
import { BROKER_INGRESS_IP, GATEWAY } from "./topology.ts";

/** A running platform, as suites see it (plain data, for vitest's `provide`). */
export interface PlatformInfo extends NodeInfo {
  /** The Gateway's external listener as this machine reaches it: `http://127.0.0.1:PORT`. */
  gatewayUrl: string;
  /** The Gateway's cluster-local listener (`*.svc.cluster.local` hosts), as this machine reaches it. */
  localGatewayUrl: string;
  /** Eventing's broker ingress as this machine reaches it: `http://127.0.0.1:PORT` (POST /NAMESPACE/BROKER). */
  brokerIngressUrl: string;
  /** Seconds each phase of the start took (reported by the global setup). */
  timings: Record<string, number>;
}

/** A running platform owned by the caller. */
export interface Platform extends PlatformInfo {
  node: PlatformNode;
  stop(): Promise<void>;
}

/** Options of {@link startPlatform}. */
export interface PlatformOptions {
  /** test/platform/build.sh's output dir (`bin/`, `images/`). */
  buildDir: string;
  /** More OCI archives to import (e.g. modelgate's own images from `./dev images`). */
  extraImages?: string[];
  /** Short autoscaler windows, so that scale to zero can be watched within a test. */
  autoscaler?: { stableWindow: string; scaleToZeroGracePeriod: string; scaleToZeroPodRetentionPeriod: string };
  stateRoot?: string;
  keepState?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/**
 * A copy of the models build.sh trained (`<build>/models/<model>/<version>/`) in the node's state dir, for the
 * model store's volume: what the pods do to it (kubelet makes a missing version's subPath) goes with the state.
 */
async function copyModelStore(buildDir: string, stateDir: string): Promise<string> {
  const target = join(stateDir, "model-store");
  await cp(join(buildDir, "models"), target, { recursive: true });
  return target;
}

/**
 * Starts the whole platform: the node (startNode), then CoreDNS, the Gateway API CRDs and Traefik, Knative
 * Serving with net-gateway-api, Knative Eventing and the KServe controller, each from its own images and its own
 * config/, waited on until available. Stops what it started when any step fails.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log ?? (() => {});
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - t) / 100) / 10;
    t = now;
    log(`${name}: ${timings[name]} s`);
  };
  const imagesDir = join(options.buildDir, "images");
  const images = [
    ...readdirSync(imagesDir)
      .filter((f) => f.endsWith(".tar"))
      .map((f) => join(imagesDir, f)),
    ...(options.extraImages ?? []),
  ];
  const node = await startNode({
    binDir: join(options.buildDir, "bin"),
    images,
    stateRoot: options.stateRoot,
    keepState: options.keepState,
  });
  lap("node Ready (control plane, containerd with images, kubelet, kube-proxy)");
  try {
    const pkiDir = join(node.stateDir, "pki");
    const webhook = await issueServingCert(
      pkiDir,
      "kserve-webhook",
      KSERVE_WEBHOOK_DNS_NAMES.map((name) => `DNS:${name}`),
    );
    const stages = await platformAddons({
      kserveWebhook: {
        caPem: node.caPem,
        certPem: await readFile(webhook.certFile, "utf8"),
        keyPem: await readFile(webhook.keyFile, "utf8"),
      },
      autoscaler: options.autoscaler,
      modelStorePath: await copyModelStore(options.buildDir, node.stateDir),
    });
    for (const stage of stages) {
      try {
        await applyObjects(node, stage.objects);
        await waitForCrds(node, stage.objects);
        for (const wait of stage.waitFor) await waitForDeployments(node, wait.namespace, wait.name);
      } catch (err) {
        throw new Error(
          `platform: installing ${stage.name} failed: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
      lap(stage.name);
    }
    const gatewayPort = await node.bridgePort("gateway", `${GATEWAY.external.serviceIp}:80`);
    const localGatewayPort = await node.bridgePort("local-gateway", `${GATEWAY.local.serviceIp}:80`);
    const brokerPort = await node.bridgePort("broker-ingress", `${BROKER_INGRESS_IP}:80`);
    const info: PlatformInfo = {
      server: node.server,
      caPem: node.caPem,
      caFile: node.caFile,
      caKeyFile: node.caKeyFile,
      adminToken: node.adminToken,
      kubeconfigPath: node.kubeconfigPath,
      binDir: node.binDir,
      stateDir: node.stateDir,
      cgroup: node.cgroup,
      holderPid: node.holderPid,
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
      localGatewayUrl: `http://127.0.0.1:${localGatewayPort}`,
      brokerIngressUrl: `http://127.0.0.1:${brokerPort}`,
      timings,
    };
    return { ...info, node, stop: node.stop };
  } catch (err) {
    await node.stop().catch(() => {});
    throw err;
  }
}
